"""Operations-room records: calls, incidents and units. Every timestamp of an incident's life is kept."""

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    # optimistic concurrency: every update names the version it read (cad.incidents)
    version = models.PositiveIntegerField(default=1)
    idempotency_key = models.CharField(max_length=64, blank=True)  # a retried create returns the first
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    panic = models.BooleanField(default=False)  # officer panic button
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    scope = SCOPE

    class Meta:
        indexes = [
            models.Index(fields=["polres", "received_at"]),
            models.Index(fields=["category", "received_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["polres", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="incident_idempotency_key_unique",
            )
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


class CallStatus(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")


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
    # live intake (cad.intake); imported history is ended
    status = models.CharField(
        max_length=10, choices=CallStatus.choices, default=CallStatus.ENDED, db_index=True
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_level = models.CharField(max_length=20, blank=True)  # "" = the answering desk
    escalated_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)  # the telephony system's call id

    objects = RestrictedQuerySet.as_manager()
    scope = SCOPE

    class Meta:
        indexes = [models.Index(fields=["polres", "received_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["polres", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="call_idempotency_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"call {self.pk} ({self.status})"


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


class UnitPosition(models.Model):
    """A unit's track: every accepted position fix, written in batches by the device gateway (ingest) and
    by the officer view. The latest fix also lives on Unit (lat, lon, position_at) for fast reads."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="track")
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    lat = models.FloatField()
    lon = models.FloatField()
    at = models.DateTimeField()
    speed_kmh = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=12, blank=True)  # "osmand", "owntracks", "generic", "officer"

    objects = RestrictedQuerySet.as_manager()
    scope = Scope(polda="polres__polda", polres="polres", polsek="unit__polsek")

    class Meta:
        indexes = [models.Index(fields=["unit", "at"]), models.Index(fields=["polres", "at"])]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.at:%Y-%m-%d %H:%M:%S} ({self.lat:.5f}, {self.lon:.5f})"


# --- live operations (cad.intake, cad.incidents, cad.dispatching) ----------------------------------------

# records that hang off an incident are seen and changed by whoever may see/change the incident
INCIDENT_CHILD_SCOPE = Scope(
    polda="incident__polres__polda",
    polres="incident__polres",
    polsek="incident__polsek",
    kelurahan="incident__kelurahan_code",
)


class Assignment(models.Model):
    """One unit on one incident. A unit has at most one active assignment (the partial unique index)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    dispatched_at = models.DateTimeField()
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    resource = "cad.incident"
    scope = INCIDENT_CHILD_SCOPE

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(active=True), name="assignment_one_active_per_unit"
            )
        ]
        indexes = [models.Index(fields=["unit", "dispatched_at"])]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.incident_id}"


class IncidentNote(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = "cad.incident"
    scope = INCIDENT_CHILD_SCOPE

    def __str__(self) -> str:
        return self.text[:40]


class IncidentAttachment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="cad/attachments/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = "cad.incident"
    scope = INCIDENT_CHILD_SCOPE

    def __str__(self) -> str:
        return self.name


class PersonRole(models.TextChoices):
    REPORTER = "reporter", _("Reporter (pelapor)")
    VICTIM = "victim", _("Victim (korban)")
    SUSPECT = "suspect", _("Suspect (terlapor)")
    WITNESS = "witness", _("Witness (saksi)")


class InvolvedPerson(models.Model):
    """Personal data (UU 27/2022): NIK and phone are shown masked to roles that do not need them."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(max_length=10, choices=PersonRole.choices)
    name = models.CharField(max_length=120)
    nik = models.CharField(max_length=16, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = "cad.incident"
    scope = INCIDENT_CHILD_SCOPE

    def __str__(self) -> str:
        return f"{self.role} {self.pk}"  # never the name or NIK: __str__ ends up in logs


class VehicleRole(models.TextChoices):
    INVOLVED = "involved", _("Involved (e.g. in a crash)")
    STOLEN = "stolen", _("Stolen")
    SUSPECT = "suspect", _("Suspect's vehicle")
    VICTIM = "victim", _("Victim's vehicle")
    WITNESS = "witness", _("Witness's vehicle")


class InvolvedVehicle(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="vehicles")
    plate = models.CharField(max_length=15, blank=True)  # e.g. "B 1234 KZX"
    kind = models.CharField(max_length=30, blank=True)  # motor, mobil, truk, ...
    role = models.CharField(max_length=10, choices=VehicleRole.choices)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = "cad.incident"
    scope = INCIDENT_CHILD_SCOPE

    def __str__(self) -> str:
        return self.plate or self.description[:40]


class ReportModel(models.TextChoices):
    A = "A", _("Model A (found by an officer)")
    B = "B", _("Model B (reported by the public)")


class PoliceReport(models.Model):
    """A Laporan Polisi created from an incident, numbered per Polres, model and year:
    LP/B/123/XI/2026/SPKT/POLRES METRO BEKASI KOTA."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="police_reports")
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    model = models.CharField(max_length=1, choices=ReportModel.choices)
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    resource = "cad.incident"
    scope = INCIDENT_CHILD_SCOPE

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["polres", "model", "year", "seq"], name="police_report_seq_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number


DEFAULT_LADDER = [
    {"level": "polsek", "after_s": 10},
    {"level": "polres", "after_s": 20},
    {"level": "polda", "after_s": 40},
]
DEFAULT_SHIFTS = [
    {"name": "pagi", "start": 7},
    {"name": "siang", "start": 15},
    {"name": "malam", "start": 23},
]


class OpsConfig(models.Model):
    """Operations-room settings of one Polres; without a row the defaults apply (cad.intake.config)."""

    polres = models.OneToOneField("territory.Polres", on_delete=models.CASCADE, related_name="ops_config")
    escalation_ladder = models.JSONField(default=list, blank=True)  # [{"level", "after_s"}], ascending
    duplicate_radius_m = models.PositiveIntegerField(default=300)
    duplicate_window_min = models.PositiveIntegerField(default=60)
    target_answer_s = models.PositiveIntegerField(default=10)
    target_dispatch_s = models.PositiveIntegerField(default=60)
    target_on_scene_s = models.PositiveIntegerField(default=600)
    shifts = models.JSONField(default=list, blank=True)  # [{"name", "start" (local hour)}]

    objects = RestrictedQuerySet.as_manager()
    resource = "cad.incident"
    scope = Scope(polda="polres__polda", polres="polres")

    def __str__(self) -> str:
        return f"ops config {self.polres_id}"


class TelephonyToken(models.Model):
    """A bearer token with which a Polres's telephony system signals ringing calls (cad.telephony).

    Only the SHA-256 of the token is kept; the token is shown once, when made (`siaga cad telephony-token`).
    """

    polres = models.ForeignKey("territory.Polres", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=16)  # the first characters, to tell tokens apart in lists
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
