"""Online administration records: requests (SKTLK, SKCK pre-registration, crowd-event permits,
demonstration notices) with their timestamped workflow, SKCK appointment slots, forbidden places for
demonstrations, and per-Polres letter counters.

Personal data (UU 27/2022): NIK, name, contact and date of birth are kept for staff with need; the public
status page and the verification page never show them (the holder's name only masked).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet, Scope

SCOPE = Scope(polda="polres__polda", polres="polres", polsek="polsek")
CHILD_SCOPE = Scope(polda="request__polres__polda", polres="request__polres", polsek="request__polsek")


class Kind(models.TextChoices):
    SKTLK = "sktlk", _("Lost-item certificate (SKTLK)")
    SKCK = "skck", _("SKCK pre-registration")
    CROWD = "keramaian", _("Crowd-event permit")
    DEMO = "unjuk_rasa", _("Demonstration notice (STTP)")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    NEEDS_FIX = "needs_fix", _("Needs correction")
    APPROVED = "approved", _("Approved / issued")
    REJECTED = "rejected", _("Rejected")
    FORWARDED = "forwarded", _("Forwarded to a higher level")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked")


class Scale(models.TextChoices):
    """Where an event's participants come from / its reach: decides the signing (receiving) level."""

    KECAMATAN = "kecamatan", _("One kecamatan")
    KABKOTA = "kabkota", _("One kabupaten / kota")
    PROVINSI = "provinsi", _("One province")
    NASIONAL = "nasional", _("National")
    INTERNASIONAL = "internasional", _("International")


class Signer(models.TextChoices):
    KAPOLSEK = "kapolsek", _("Kapolsek")
    KAPOLRES = "kapolres", _("Kapolres")
    KAPOLDA = "kapolda", _("Kapolda")
    KABAINTELKAM = "kabaintelkam", _("Kabaintelkam Polri")


class Slot(models.Model):
    """One SKCK appointment window at a Polres or Polsek service point."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)  # kept by conditional UPDATE: never > capacity
    created_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = "permits.slot"
    scope = SCOPE

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="permits_slot_not_over"
            ),
            models.UniqueConstraint(fields=["polres", "polsek", "starts_at"], name="permits_slot_unique"),
        ]

    def __str__(self) -> str:
        return f"slot {self.pk} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class Request(models.Model):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    tracking_code = models.CharField(max_length=10, unique=True)
    secret_hash = models.CharField(max_length=64)  # keyed hash of the requester's private code
    key = models.CharField(max_length=64, unique=True)  # the client's idempotency key
    # the requester (never public)
    name = models.CharField(max_length=120)
    nik = models.CharField(max_length=16, db_index=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    dob = models.DateField(null=True, blank=True)
    # what is asked: kind-specific fields (items lost, event details, purpose) as validated
    details = models.JSONField(default=dict)
    starts_at = models.DateTimeField(null=True, blank=True)  # the event's start (crowd, demonstration)
    ends_at = models.DateTimeField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    scale = models.CharField(max_length=13, choices=Scale.choices, blank=True)
    signer = models.CharField(max_length=12, choices=Signer.choices, blank=True)
    slot = models.ForeignKey(Slot, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    active_nik = models.CharField(max_length=16, null=True, blank=True, unique=True)  # one live SKCK booking
    # outcome
    reason = models.CharField(max_length=1000, blank=True)  # rejection / forwarding / revocation reason
    fix_message = models.CharField(max_length=1000, blank=True)
    letter_number = models.CharField(max_length=60, blank=True)
    verify_code = models.CharField(max_length=24, null=True, blank=True, unique=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    signer_name = models.CharField(max_length=120, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()
    resource = "permits.request"
    scope = SCOPE

    class Meta:
        indexes = [models.Index(fields=["polres", "kind", "status", "created_at"])]

    def __str__(self) -> str:
        return self.tracking_code


class RequestEvent(models.Model):
    """One timestamped step of a request's life. `note` is public; `staff_note` is not."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    note = models.CharField(max_length=1000, blank=True)
    staff_note = models.CharField(max_length=1000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()
    resource = "permits.request"
    scope = CHILD_SCOPE

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"


class PlaceKind(models.TextChoices):
    PALACE = "palace", _("Presidential palace")
    MILITARY = "military", _("Military installation")
    VITAL = "vital", _("National vital object")


class ForbiddenPlace(models.Model):
    """A place near which no demonstration may be held (UU 9/1998 Pasal 9 ayat 2 and its elucidation).

    Reference data of a Polres, read only by the rule check: it carries no scope (not a staff read)."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=PlaceKind.choices)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    polygon = models.JSONField(null=True, blank=True)  # GeoJSON Polygon (the outer fence), [lon, lat]

    def __str__(self) -> str:
        return self.name


class LetterCounter(models.Model):
    """The last number given in a letter series (e.g. SKTLK) of a Polres in a year."""

    polres = models.ForeignKey("territory.Polres", on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["polres", "series", "year"], name="permits_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"
