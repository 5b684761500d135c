"""The wilayah hierarchy (Kemendagri codes), RW/RT keyed within their kelurahan, and the police commands.

Geometry is stored as GeoJSON ([lon, lat], WGS 84) with indexed bounding-box columns; no spatial
database extension is needed. Point-in-polygon lookups run in memory (territory.lookup).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet


class Level(models.IntegerChoices):
    PROVINSI = 1, _("Provinsi")
    KABKOTA = 2, _("Kabupaten/Kota")
    KECAMATAN = 3, _("Kecamatan")
    KELURAHAN = 4, _("Kelurahan/Desa")


class Located(models.Model):
    geometry = models.JSONField(null=True, blank=True)  # GeoJSON Polygon/MultiPolygon
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    area_m2 = models.FloatField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


class Region(Located):
    """A Kemendagri area: provinsi, kab/kota, kecamatan or kelurahan/desa, keyed by its dotted code."""

    code = models.CharField(max_length=13, primary_key=True)  # e.g. 32.75.01.1001
    name = models.CharField(max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(choices=Level.choices, db_index=True)
    kind = models.CharField(max_length=12)  # provinsi, kabupaten, kota, kecamatan, kelurahan, desa, desa_adat
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    decree = models.CharField(max_length=40, blank=True)  # the Kepmendagri version the code comes from
    population = models.PositiveIntegerField(null=True, blank=True)
    population_synthetic = models.BooleanField(default=False)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Rw(Located):
    """Rukun Warga: numbered within its kelurahan; no official list exists, the Polres keeps it."""

    kelurahan = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="rws")
    number = models.PositiveSmallIntegerField()
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["kelurahan_id", "number"]
        constraints = [models.UniqueConstraint(fields=["kelurahan", "number"], name="rw_unique_in_kelurahan")]

    def __str__(self) -> str:
        return f"RW {self.number:03d} {self.kelurahan_id}"

    @property
    def key(self) -> str:
        return f"{self.kelurahan_id}/{self.number:03d}"


class Rt(Located):
    """Rukun Tetangga, keyed (kelurahan code, RW, RT)."""

    kelurahan = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="rts")
    rw = models.ForeignKey(Rw, on_delete=models.CASCADE, related_name="rts")
    rw_number = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField()
    population = models.PositiveIntegerField(null=True, blank=True)
    households = models.PositiveIntegerField(null=True, blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["kelurahan_id", "rw_number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "rw_number", "number"], name="rt_unique_in_kelurahan"
            )
        ]

    def __str__(self) -> str:
        return f"RT {self.number:03d}/RW {self.rw_number:03d} {self.kelurahan_id}"

    @property
    def key(self) -> str:
        return f"{self.kelurahan_id}/{self.rw_number:03d}/{self.number:03d}"


class Polda(models.Model):
    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    province = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = RestrictedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class Polres(models.Model):
    """A Polres covers one kab/kota. Its time zone and UTM zone drive display and distances."""

    polda = models.ForeignKey(Polda, on_delete=models.PROTECT, related_name="polres")
    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")  # the kab/kota
    timezone = models.CharField(max_length=40, default="Asia/Jakarta")
    utm_epsg = models.PositiveIntegerField(default=32748)  # UTM 48S for West Java
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "polres"

    def __str__(self) -> str:
        return self.name


class Polsek(models.Model):
    """A Polsek covers a set of kecamatan or kelurahan (data, not a rule: see PolsekArea)."""

    polres = models.ForeignKey(Polres, on_delete=models.PROTECT, related_name="polsek")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=120)
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "polsek"
        constraints = [
            models.UniqueConstraint(fields=["polres", "code"], name="polsek_code_unique_in_polres")
        ]

    def __str__(self) -> str:
        return self.name


class Stamp(models.Model):
    """Bumped by every territory write, in the writer's transaction: the lookup index of each process
    compares (version, token) with the pair it was built from (cheap, and right across processes)."""

    key = models.CharField(max_length=30, primary_key=True)
    version = models.PositiveBigIntegerField(default=0)
    token = models.CharField(max_length=32, blank=True)  # random per write: unique even after a rollback

    def __str__(self) -> str:
        return f"{self.key}@{self.version}"


class PolsekArea(models.Model):
    """One kecamatan or kelurahan under a Polsek. A kelurahan entry overrides its kecamatan's."""

    polsek = models.ForeignKey(Polsek, on_delete=models.CASCADE, related_name="areas")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["polsek", "region"], name="polsek_area_unique")]

    def __str__(self) -> str:
        return f"{self.polsek_id} → {self.region_id}"
