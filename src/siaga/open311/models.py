"""Open311 records: API keys of third-party apps, and which key filed which report.

A key is shown once when it is made; only its SHA-256 is stored (a leaked database reveals no key).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet, Scope


class ApiKey(models.Model):
    """An API key of one third-party app (a city app, a community app): needed only to POST requests."""

    name = models.CharField(_("app"), max_length=120)
    contact = models.CharField(_("owner contact"), max_length=200)
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=12, db_index=True)  # the key's first characters, to tell keys apart
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the whole key
    rate_per_hour = models.PositiveIntegerField(default=120)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    resource = "open311.apikey"
    scope = Scope(polda="polres__polda", polres="polres")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Submission(models.Model):
    """A report that came in through Open311: which key sent it, and the app's own device/account ids."""

    report = models.OneToOneField("portal.Report", on_delete=models.CASCADE, related_name="open311")
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions")
    account_id = models.CharField(max_length=100, blank=True)  # the app's account: for staff, never public
    media_url = models.URLField(max_length=500, blank=True)  # not fetched; staff open it themselves
    created_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = "open311.apikey"
    scope = Scope(polda="api_key__polres__polda", polres="api_key__polres")

    def __str__(self) -> str:
        return f"{self.report_id} via {self.api_key_id}"
