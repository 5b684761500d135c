"""Kamtibmas bulletins and safety tips; public alerts kept in the shape of OASIS CAP 1.2 messages.

Both belong to one Polres. Staff reads go through the read gate (`info.bulletin`, `info.alert`);
the public reads only published records through the info app's public views.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siaga.core.permissions import RestrictedQuerySet, Scope

# A Polsek- or kelurahan-scoped user sees the records of the Polres over their Polsek
# (`polres__polsek` is the Polres's reverse relation to its Polsek).
SCOPE = Scope(polda="polres__polda", polres="polres", polsek="polres__polsek")


# --- bulletins ------------------------------------------------------------------------------------


class BulletinKind(models.TextChoices):
    BULLETIN = "bulletin", _("Kamtibmas bulletin")
    TIP = "tip", _("Safety tip")


class BulletinCategory(models.TextChoices):
    CURANMOR = "curanmor", _("Vehicle theft (curanmor)")
    PENIPUAN = "penipuan-online", _("Online fraud")
    NARKOBA = "narkoba", _("Narcotics")
    LALU_LINTAS = "lalu-lintas", _("Traffic")
    BENCANA = "bencana", _("Disasters")
    REMAJA = "kenakalan-remaja", _("Juvenile delinquency")
    KDRT = "kdrt", _("Domestic violence")
    UMUM = "umum", _("General")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Bulletin(models.Model):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(max_length=90, unique=True)
    kind = models.CharField(max_length=10, choices=BulletinKind.choices, default=BulletinKind.BULLETIN)
    category = models.CharField(max_length=20, choices=BulletinCategory.choices, db_index=True)
    title = models.CharField(max_length=160)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()  # plain text; paragraphs are separated by blank lines
    # Kemendagri kecamatan / kelurahan codes the bulletin is meant for; empty = the whole Polres
    area_codes = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()
    resource = "info.bulletin"
    scope = SCOPE

    class Meta:
        indexes = [models.Index(fields=["polres", "status", "published_at"])]

    def __str__(self) -> str:
        return self.title


# --- alerts (CAP 1.2) -----------------------------------------------------------------------------


class AlertState(models.TextChoices):
    """Siaga's workflow of one CAP message (not a CAP field)."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    UPDATED = "updated", _("Superseded by an update")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", pgettext_lazy("alert state", "Expired")


class CapStatus(models.TextChoices):
    ACTUAL = "Actual", _("Actual")
    EXERCISE = "Exercise", _("Exercise")
    TEST = "Test", _("Test")
    SYSTEM = "System", _("System")  # imported only
    DRAFT = "Draft", _("Draft")  # imported only


class MsgType(models.TextChoices):
    ALERT = "Alert", _("Alert")
    UPDATE = "Update", _("Update")
    CANCEL = "Cancel", _("Cancel")
    ACK = "Ack", _("Acknowledgement")  # imported only
    ERROR = "Error", _("Error")  # imported only


class CapCategory(models.TextChoices):
    GEO = "Geo", _("Geophysical")
    MET = "Met", _("Meteorological")
    SAFETY = "Safety", _("Public safety")
    SECURITY = "Security", _("Security")
    RESCUE = "Rescue", _("Rescue and recovery")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Health")
    ENV = "Env", _("Environment")
    TRANSPORT = "Transport", _("Transport")
    INFRA = "Infra", _("Infrastructure")
    CBRNE = "CBRNE", _("Chemical, biological, radiological, nuclear, explosive")
    OTHER = "Other", _("Other")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate")
    EXPECTED = "Expected", _("Expected")
    FUTURE = "Future", _("Future")
    PAST = "Past", _("Past")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme")
    SEVERE = "Severe", _("Severe")
    MODERATE = "Moderate", _("Moderate")
    MINOR = "Minor", _("Minor")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed")
    LIKELY = "Likely", _("Likely")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class Alert(models.Model):
    """One CAP message. An update or a cancellation is a new message whose `references` name the
    earlier ones; the earlier message's state becomes `updated` or `cancelled`."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    slug = models.CharField(max_length=120, unique=True)  # the address: /alerts/<slug>.cap.xml
    identifier = models.CharField(max_length=200)
    sender = models.CharField(max_length=200)
    sent = models.DateTimeField(null=True, blank=True, db_index=True)  # set when published
    status = models.CharField(max_length=10, choices=CapStatus.choices, default=CapStatus.ACTUAL)
    msg_type = models.CharField(max_length=8, choices=MsgType.choices, default=MsgType.ALERT)
    cap_scope = models.CharField(max_length=10, default="Public")  # CAP <scope>; `scope` is the read gate
    note = models.CharField(max_length=500, blank=True)
    references = models.TextField(blank=True)  # CAP form: "sender,identifier,sent" separated by spaces
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors"
    )
    state = models.CharField(
        max_length=10, choices=AlertState.choices, default=AlertState.DRAFT, db_index=True
    )
    # the info block (id-ID), with an optional en-US twin
    categories = models.JSONField(default=list)
    event = models.CharField(max_length=120)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    certainty = models.CharField(max_length=10, choices=Certainty.choices)
    language = models.CharField(max_length=10, default="id-ID")
    sender_name = models.CharField(max_length=160, blank=True)
    headline = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    instruction = models.TextField(blank=True)
    contact = models.CharField(max_length=160, blank=True)
    web = models.URLField(max_length=300, blank=True)
    event_en = models.CharField(max_length=120, blank=True)
    headline_en = models.CharField(max_length=160, blank=True)
    description_en = models.TextField(blank=True)
    instruction_en = models.TextField(blank=True)
    effective = models.DateTimeField(null=True, blank=True)
    onset = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True, db_index=True)
    # the area: a description, kelurahan/kecamatan codes (geocodes), polygons [[lat, lon], …], circles
    area_desc = models.CharField(max_length=500)
    area_codes = models.JSONField(default=list, blank=True)
    polygons = models.JSONField(default=list, blank=True)
    circles = models.JSONField(default=list, blank=True)  # [[lat, lon, radius_km], …]
    # imported from another sender (e.g. BMKG): shown on the public page, not in our feed
    external = models.BooleanField(default=False, db_index=True)
    source = models.CharField(max_length=200, blank=True)  # file name or URL it was imported from
    raw_xml = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()
    resource = "info.alert"
    scope = SCOPE

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "identifier"], name="info_alert_sender_identifier")
        ]
        indexes = [models.Index(fields=["polres", "state", "sent"])]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.msg_type})"
