"""Risk classes per area (aman / waspada / rawan): one snapshot per area and week, and a config per Polres."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet, Scope


class AreaLevel(models.TextChoices):
    RT = "rt", _("RT")
    RW = "rw", _("RW")
    KELURAHAN = "kelurahan", _("Kelurahan")
    KECAMATAN = "kecamatan", _("Kecamatan")
    POLSEK = "polsek", _("Polsek area")


class RiskClass(models.TextChoices):
    AMAN = "aman", _("Aman (safe)")
    WASPADA = "waspada", _("Waspada (watch)")
    RAWAN = "rawan", _("Rawan (prone)")


class ThresholdMode(models.TextChoices):
    ABSOLUTE = "absolute", _("Absolute score")
    PERCENTILE = "percentile", _("Percentile within the level")


class RiskConfig(models.Model):
    """Thresholds and weights of the risk score for one Polres (defaults in siaga.analytics.risk)."""

    polres = models.OneToOneField("territory.Polres", on_delete=models.CASCADE, related_name="risk_config")
    mode = models.CharField(max_length=10, choices=ThresholdMode.choices, default=ThresholdMode.ABSOLUTE)
    waspada = models.FloatField(default=2.0)  # score (absolute) or percentile 0-100
    rawan = models.FloatField(default=3.5)
    confirm_weeks = models.PositiveSmallIntegerField(default=2)  # hysteresis: weeks of consistent evidence
    margin = models.FloatField(default=0.0)  # hysteresis: leave a class only when this far past the threshold
    weights = models.JSONField(default=dict, blank=True)  # overrides of risk.DEFAULT_WEIGHTS
    updated_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope = Scope(polda="polres__polda", polres="polres")

    def __str__(self) -> str:
        return f"risk config {self.polres_id}"


class RiskSnapshot(models.Model):
    """The score of one area in one ISO week, its components (the "why") and the class after hysteresis."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.CASCADE, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kelurahan_code = models.CharField(max_length=13, blank=True)  # blank above kelurahan level
    level = models.CharField(max_length=10, choices=AreaLevel.choices)
    key = models.CharField(max_length=30)  # RT "kel/rw/rt", RW "kel/rw", region code, Polsek code
    name = models.CharField(max_length=160)
    week = models.DateField()  # Monday of the ISO week
    score = models.FloatField()
    components = models.JSONField(default=dict)  # name -> points; they sum to score
    detail = models.JSONField(default=dict)  # inputs: counts, exposure, prior, problems by level, ...
    thresholds = models.JSONField(default=dict)  # {"waspada": s, "rawan": s, "mode": ..., "confirm_weeks": n}
    raw_class = models.CharField(max_length=8, choices=RiskClass.choices)  # by thresholds alone
    risk_class = models.CharField(max_length=8, choices=RiskClass.choices)  # after hysteresis
    pending_class = models.CharField(max_length=8, blank=True)  # a different class seen, not yet confirmed
    pending_weeks = models.PositiveSmallIntegerField(default=0)
    computed_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    scope = Scope(polda="polres__polda", polres="polres", polsek="polsek", kelurahan="kelurahan_code")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["polres", "level", "key", "week"], name="risk_one_per_area_week")
        ]
        indexes = [models.Index(fields=["polres", "level", "week"])]

    def __str__(self) -> str:
        return f"{self.level} {self.key} {self.week}: {self.risk_class}"


# --- patrol plans (analytics.patrol) ------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class PatrolPlan(models.Model):
    """The hot-spot cells to patrol in one shift of one Polres (or one Polsek), with the units to send."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.CASCADE, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()  # local date on which the shift starts
    shift = models.CharField(max_length=20)  # a shift name of the Polres (pagi / siang / malam)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    method = models.CharField(max_length=30)  # analytics.predict method of the surface
    params = models.JSONField(default=dict)  # cell_m, visit_minutes, patrol_minutes, units, ...
    summary = models.JSONField(default=dict)  # cells, capacity, expected events covered, share, ...
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    dosage = models.JSONField(default=dict, blank=True)  # last recorded dosage totals
    dosage_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope = Scope(polda="polres__polda", polres="polres", polsek="polsek")

    class Meta:
        indexes = [models.Index(fields=["polres", "date", "shift"])]

    def __str__(self) -> str:
        return f"patrol plan {self.date} {self.shift} ({self.status})"


class PatrolPlanItem(models.Model):
    """One cell of a plan: where, how hot and why, who goes, for how long, when, and the dosage delivered.
    Read only through its plan (which carries the scope)."""

    plan = models.ForeignKey(PatrolPlan, on_delete=models.CASCADE, related_name="items")
    rank = models.PositiveIntegerField()
    cell_key = models.CharField(max_length=40)  # "<epsg>:<cell m>:<ix>:<iy>" on the Polres's UTM grid
    rt_key = models.CharField(max_length=30, blank=True)  # "kel/rw/rt" holding the cell's centre
    kelurahan_code = models.CharField(max_length=13, blank=True)
    area_name = models.CharField(max_length=160, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    polygon = models.JSONField()  # GeoJSON Polygon of the cell
    intensity = models.FloatField()  # expected events in the cell during the shift
    score = models.FloatField()  # intensity relative to the area's mean cell (1 = average)
    why = models.JSONField(default=dict)
    unit = models.ForeignKey("cad.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    planned_minutes = models.PositiveIntegerField()
    windows = models.JSONField(default=list)  # [[start ISO, end ISO]] suggested visits (UTC)
    dosage_minutes = models.FloatField(default=0.0)
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "rank"]
        constraints = [models.UniqueConstraint(fields=["plan", "rank"], name="patrol_item_rank_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.rank} {self.cell_key}"
