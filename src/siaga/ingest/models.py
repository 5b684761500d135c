"""Device gateway records: registered devices, the alerts they raise, ANPR reads, the message dedupe
ledger and rejection counters. Positions go to cad.Unit (latest) and cad.UnitPosition (track)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet, Scope

SCOPE = Scope(polda="polres__polda", polres="polres", polsek="polsek")


class DeviceKind(models.TextChoices):
    TRACKER = "tracker", _("GPS tracker")
    PHONE = "phone", _("Phone")
    PANIC_BUTTON = "panic_button", _("Panic button")
    CCTV = "cctv", _("CCTV camera")
    ANPR = "anpr", _("ANPR camera")


class Device(models.Model):
    """A machine that reports to the gateway. `ref` is how its transport names it (OsmAnd `id`,
    OwnTracks "user/device", the generic JSON's `device`) and is unique in the installation, because
    an OsmAnd request carries nothing else. Only hashes of its credentials are kept."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=DeviceKind.choices)
    ref = models.CharField(max_length=120, unique=True)
    unit = models.ForeignKey(
        "cad.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="devices"
    )
    # where a fixed device (CCTV, ANPR, a wall panic button) stands
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    token_prefix = models.CharField(max_length=16, blank=True)  # to tell tokens apart in lists
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)  # SHA-256 of the token
    mqtt_username = models.CharField(max_length=120, null=True, blank=True, unique=True)
    mqtt_password_hash = models.CharField(max_length=200, blank=True)  # Mosquitto "$7$" PBKDF2-SHA512
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    last_seen = models.DateTimeField(null=True, blank=True)
    # the device's newest accepted fix: the base of the impossible-speed check
    last_lat = models.FloatField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    last_fix_at = models.DateTimeField(null=True, blank=True)
    accepted_count = models.BigIntegerField(default=0)
    rejected_count = models.BigIntegerField(default=0)
    duplicate_count = models.BigIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()
    scope = SCOPE

    def __str__(self) -> str:
        return f"{self.name} ({self.ref})"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")


class DeviceAlert(models.Model):
    """Something a machine saw that the operations room must look at (a CCTV fire, a geofence exit)."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, db_index=True)  # "cctv.fire", "geofence.enter", ...
    # the title as stored, in the installation's language: the fallback (rows without a key) and for search
    title = models.CharField(max_length=200)
    # how to render the title in the reader's language: a msgid and its parameters (alerts.title_for)
    title_key = models.CharField(max_length=200, blank=True, default="")
    title_params = models.JSONField(default=dict, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    at = models.DateTimeField()
    created_at = models.DateTimeField()
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    unit = models.ForeignKey("cad.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope = Scope(polda="polres__polda", polres="polres", polsek="device__polsek")

    class Meta:
        indexes = [
            models.Index(fields=["polres", "status", "at"]),
            models.Index(fields=["polres", "dedupe_key", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class AnprRead(models.Model):
    """A number plate an ANPR camera read: the traffic module's input (event "ingest.anpr.read")."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="anpr_reads")
    plate = models.CharField(max_length=15, db_index=True)  # normalised: "B1234XYZ"
    plate_text = models.CharField(max_length=30, blank=True)  # as read: "B 1234 XYZ"
    at = models.DateTimeField()
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    image_ref = models.CharField(max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope = Scope(polda="polres__polda", polres="polres", polsek="device__polsek")

    class Meta:
        indexes = [models.Index(fields=["polres", "at"])]

    def __str__(self) -> str:
        return f"{self.plate} @ {self.at:%Y-%m-%d %H:%M}"


class DeviceMessage(models.Model):
    """Dedupe ledger: one row per accepted message, keyed by its id (or its device timestamp when it has
    none). The unique constraint makes a message count once across processes. Rows older than the
    oldest timestamp the gateway accepts (pipeline.MAX_AGE) can be pruned: such repeats are too old."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "key"], name="device_message_unique")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.key}"


class RejectCount(models.Model):
    """Rejected messages per Polres (0: the device was unknown), reason and UTC day; upserted per batch."""

    polres_id = models.BigIntegerField(default=0)
    reason = models.CharField(max_length=40)
    day = models.DateField()
    n = models.BigIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()
    resource = "ingest.device"
    scope = Scope(polres="polres_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["polres_id", "reason", "day"], name="reject_count_unique"),
            models.CheckConstraint(condition=Q(n__gte=0), name="reject_count_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}: {self.n}"
