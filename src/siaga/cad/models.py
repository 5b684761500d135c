"""Operations-room records: calls, incidents and units. Every timestamp of an incident's life is kept."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet, Scope

from .categories import CATEGORY_CHOICES

SCOPE = Scope(polda="polres__polda", polres="polres", polsek="polsek", kelurahan="kelurahan_code")


class Placed(models.Model):
    """A point with the areas it fell in at write time (point-in-polygon, never nearest centroid)."""

    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    h3_cell = models.CharField(max_length=16, blank=True, db_index=True)  # H3 res 9 (~0.1 km²)
    kecamatan_code = models.CharField(max_length=8, blank=True, db_index=True)
    kelurahan_code = models.CharField(max_length=13, blank=True, db_index=True)
    rw = models.PositiveSmallIntegerField(null=True, blank=True)
    rt = models.PositiveSmallIntegerField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 emergency")
    P2 = 2, _("P2 urgent")
    P3 = 3, _("P3 routine")
    P4 = 4, _("P4 no response needed")


class IncidentStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ANSWERED = "answered", _("Answered")
    CREATED = "created", _("Created")
    DISPATCHED = "dispatched", _("Dispatched")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    CLEARED = "cleared", _("Cleared")
    CLOSED = "closed", _("Closed")


class Source(models.TextChoices):
    """Kept apart so that analyses can tell citizen-reported from patrol-found incidents."""

    CALL = "call", _("110 call")
    REPORT = "report", _("Citizen report (SPKT / online)")
    PATROL = "patrol", _("Found by patrol")
    DEVICE = "device", _("Device / sensor")


class Incident(Placed):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="incidents")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    number = models.CharField(max_length=40, unique=True)  # per Polres and year, e.g. BKS/2026/000123
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES, db_index=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P3)
    status = models.CharField(
        max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.CREATED, db_index=True
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CALL)
    summary = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    received_at = models.DateTimeField(db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # traffic accidents (UU 22/2009 Pasal 229): severity and victims
    accident_severity = models.CharField(max_length=8, blank=True)  # ringan / sedang / berat
    victims_md = models.PositiveSmallIntegerField(default=0)
    victims_lb = models.PositiveSmallIntegerField(default=0)
    victims_lr = models.PositiveSmallIntegerField(default=0)
    material_loss_rp = models.BigIntegerField(default=0)
    synthetic = models.BooleanField(default=False)

    objects = RestrictedQuerySet.as_manager()
    scope = SCOPE

    class Meta:
        indexes = [
            models.Index(fields=["polres", "received_at"]),
            models.Index(fields=["category", "received_at"]),
        ]

    def __str__(self) -> str:
        return self.number


class Disposition(models.TextChoices):
    INCIDENT = "incident", _("Incident created")
    LINKED = "linked", _("Linked to an open incident")
    INFORMATION = "information", _("Information given")
    REFERRED = "referred", _("Referred")
    PRANK = "prank", _("Prank")
    ABANDONED = "abandoned", _("Abandoned / unanswered")


class Call(Placed):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="calls")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    caller_number = models.CharField(max_length=20, blank=True, db_index=True)
    received_at = models.DateTimeField(db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES, blank=True)
    disposition = models.CharField(max_length=12, choices=Disposition.choices, blank=True, db_index=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    notes = models.TextField(blank=True)
    synthetic = models.BooleanField(default=False)

    objects = RestrictedQuerySet.as_manager()
    scope = SCOPE

    class Meta:
        indexes = [models.Index(fields=["polres", "received_at"])]


class UnitKind(models.TextChoices):
    R4 = "r4", _("Patrol car (R4)")
    R2 = "r2", _("Motorbike (R2)")
    FOOT = "foot", _("Foot patrol")
    POST = "post", _("Post (pos)")
    TEAM = "team", _("Special team")


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    DISPATCHED = "dispatched", _("Dispatched")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    OFF_DUTY = "off_duty", _("Off duty")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Unit(models.Model):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="units")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    callsign = models.CharField(max_length=30)
    kind = models.CharField(max_length=6, choices=UnitKind.choices)
    capabilities = models.JSONField(default=list, blank=True)  # e.g. ["lantas", "k9", "medic", "riot"]
    status = models.CharField(
        max_length=16, choices=UnitStatus.choices, default=UnitStatus.AVAILABLE, db_index=True
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    position_at = models.DateTimeField(null=True, blank=True)
    crew = models.ManyToManyField("resources.Personnel", blank=True, related_name="units")
    synthetic = models.BooleanField(default=False)

    objects = RestrictedQuerySet.as_manager()
    scope = Scope(polda="polres__polda", polres="polres", polsek="polsek")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["polres", "callsign"], name="unit_callsign_unique")]

    def __str__(self) -> str:
        return self.callsign
