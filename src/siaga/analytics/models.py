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
