"""Public-services records: SOS alerts, escort countdowns, citizen reports with their public timeline,
photos and SP2HP progress notices.

Personal data is minimised (UU 27/2022): device ids are stored only as keyed hashes; a reporter's name,
phone and date of birth are kept for staff with need and never shown on public pages.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.cad.categories import CATEGORY_CHOICES
from siaga.cad.models import Placed
from siaga.core.permissions import RestrictedQuerySet, Scope

SCOPE = Scope(polda="polres__polda", polres="polres", polsek="polsek", kelurahan="kelurahan_code")
REPORT_CHILD_SCOPE = Scope(
    polda="report__polres__polda",
    polres="report__polres",
    polsek="report__polsek",
    kelurahan="report__kelurahan_code",
)


# --- SOS ------------------------------------------------------------------------------------------


class SosKind(models.TextChoices):
    SOS = "sos", _("SOS button")
    ESCORT = "escort", _("Escort countdown expired")


class Sos(Placed):
    """One emergency alert from the public site, stored before its incident is created."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=64, unique=True)  # the client's idempotency key
    kind = models.CharField(max_length=8, choices=SosKind.choices, default=SosKind.SOS)
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    reported_lat = models.FloatField(null=True, blank=True)  # as sent, even outside the Polres area
    reported_lon = models.FloatField(null=True, blank=True)
    doubtful = models.BooleanField(default=False)
    doubt_reasons = models.JSONField(default=list, blank=True)
    prank = models.BooleanField(default=False)  # set by staff after the fact; feeds prank scoring
    incident = models.ForeignKey(
        "cad.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(db_index=True)
    last_ping_at = models.DateTimeField(null=True, blank=True)
    last_note_at = models.DateTimeField(null=True, blank=True)
    ping_count = models.PositiveIntegerField(default=0)
    incident_attempts = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()
    resource = "portal.sos"
    scope = SCOPE

    def __str__(self) -> str:
        return f"SOS {self.pk}"


class EscortStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")
    FIRED = "fired", _("SOS raised")


class Escort(models.Model):
    """ "Escort me": a countdown that raises an SOS at `deadline_at` unless cancelled first."""

    key = models.CharField(max_length=64, unique=True)  # the client's idempotency key and its secret
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=10, choices=EscortStatus.choices, default=EscortStatus.ACTIVE, db_index=True
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    sos = models.ForeignKey(Sos, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    resource = "portal.sos"
    scope = Scope(polda="sos__polres__polda", polres="sos__polres", polsek="sos__polsek")

    def __str__(self) -> str:
        return f"escort {self.pk} ({self.status})"


# --- reports --------------------------------------------------------------------------------------


class ReportKind(models.TextChoices):
    LAPORAN = "laporan", _("Report (laporan)")
    PENGADUAN = "pengaduan", _("Complaint (pengaduan)")


class ReportStatus(models.TextChoices):
    NEW = "new", _("Received")
    ACCEPTED = "accepted", _("Being handled")
    INVESTIGATING = "investigating", _("Under investigation")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Completed")


class Severity(models.TextChoices):
    RINGAN = "ringan", _("Light (ringan)")
    SEDANG = "sedang", _("Medium (sedang)")
    SULIT = "sulit", _("Difficult (sulit)")


class Report(Placed):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tracking_code = models.CharField(max_length=10, unique=True)
    key = models.CharField(max_length=64, unique=True)  # the client's idempotency key
    kind = models.CharField(max_length=10, choices=ReportKind.choices, default=ReportKind.LAPORAN)
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES, db_index=True)
    description = models.TextField()
    status = models.CharField(
        max_length=14, choices=ReportStatus.choices, default=ReportStatus.NEW, db_index=True
    )
    # identity: never public; absent altogether when the reporter chose to send without identity
    anonymous = models.BooleanField(default=True)  # anonymous to the public (always, by default)
    identified = models.BooleanField(default=False)
    reporter_name = models.CharField(max_length=120, blank=True)
    reporter_phone = models.CharField(max_length=20, blank=True)
    reporter_dob = models.DateField(null=True, blank=True)
    exif_location_consent = models.BooleanField(default=False)
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    incident = models.ForeignKey(
        "cad.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity = models.CharField(max_length=8, choices=Severity.choices, blank=True)
    investigation_started_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()
    resource = "portal.report"
    scope = SCOPE

    class Meta:
        indexes = [models.Index(fields=["polres", "status", "created_at"])]

    def __str__(self) -> str:
        return self.tracking_code


class ReportEvent(models.Model):
    """One step of a report's public timeline. `note` is public; `staff_note` is not."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    status = models.CharField(max_length=14, choices=ReportStatus.choices)
    note = models.CharField(max_length=1000, blank=True)
    staff_note = models.CharField(max_length=1000, blank=True)
    sp2hp_code = models.CharField(max_length=2, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    resource = "portal.report"
    scope = REPORT_CHILD_SCOPE

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.status}"


class ReportPhoto(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="portal/photos/%Y/%m/")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    gps_used = models.BooleanField(default=False)  # its EXIF position became the report's location

    objects = RestrictedQuerySet.as_manager()
    resource = "portal.report"
    scope = REPORT_CHILD_SCOPE

    def __str__(self) -> str:
        return self.file.name


class Sp2hpCode(models.TextChoices):
    A1 = "A1", _("A1 · report under review")
    A2 = "A2", _("A2 · inquiry cannot proceed")
    A3 = "A3", _("A3 · case goes to investigation")
    A4 = "A4", _("A4 · investigation progress")
    A5 = "A5", _("A5 · case stopped (SP3)")


class Sp2hpNotice(models.Model):
    """Surat Pemberitahuan Perkembangan Hasil Penyidikan: one progress notice to the reporter."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notices")
    seq = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=2, choices=Sp2hpCode.choices)
    text = models.TextField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    resource = "portal.report"
    scope = REPORT_CHILD_SCOPE

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["report", "seq"], name="sp2hp_seq_unique")]

    def __str__(self) -> str:
        return f"SP2HP {self.code} #{self.seq}"
