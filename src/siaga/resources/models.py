from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet, Scope

# Perkap 3/2016 ranks, low to high (tamtama, bintara, perwira).
RANKS = [
    "Bharada", "Bharatu", "Bharaka", "Abripda", "Abriptu", "Abrippol",
    "Bripda", "Briptu", "Brigpol", "Bripka", "Aipda", "Aiptu",
    "Ipda", "Iptu", "AKP", "Kompol", "AKBP", "Kombes",
    "Brigjen", "Irjen", "Komjen", "Jenderal",
]  # fmt: skip


class Function(models.TextChoices):
    """The Polres bag/sat/si a member serves in (Perpol 2/2021)."""

    PIMPINAN = "pimpinan", _("Pimpinan")
    OPS = "ops", _("Bag Ops")
    REN = "ren", _("Bag Ren")
    SDM = "sdm", _("Bag SDM")
    LOG = "log", _("Bag Log")
    SPKT = "spkt", _("SPKT")
    INTELKAM = "intelkam", _("Sat Intelkam")
    RESKRIM = "reskrim", _("Sat Reskrim")
    RESNARKOBA = "resnarkoba", _("Sat Resnarkoba")
    BINMAS = "binmas", _("Sat Binmas / Bhabinkamtibmas")
    SAMAPTA = "samapta", _("Sat Samapta")
    LANTAS = "lantas", _("Sat Lantas")
    TAHTI = "tahti", _("Sat Tahti")
    SIUM = "sium", _("Si Humas / Si Kum / Si Propam / Si TIK / Si Keu / Si Umum")


class Personnel(models.Model):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="personnel")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="personnel"
    )
    nrp = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    rank = models.CharField(max_length=20)
    function = models.CharField(max_length=20, choices=Function.choices, db_index=True)
    position = models.CharField(max_length=120, blank=True)
    kelurahan_code = models.CharField(max_length=13, blank=True)  # a Bhabinkamtibmas's desa/kelurahan
    active = models.BooleanField(default=True)
    synthetic = models.BooleanField(default=False)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="personnel"
    )

    objects = RestrictedQuerySet.as_manager()
    scope = Scope(polda="polres__polda", polres="polres", polsek="polsek", kelurahan="kelurahan_code")

    class Meta:
        verbose_name_plural = "personnel"

    def __str__(self) -> str:
        return f"{self.rank} {self.name} ({self.nrp})"
