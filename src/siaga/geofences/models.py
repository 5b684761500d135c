"""Geofences: polygons of a Polres (Polsek areas, event zones, forbidden zones) with enter / leave / dwell
rules per unit kind, device kind or named units, and the state of each subject (unit or device) against
each fence, so that transitions are detected once across processes and batches.

Geometry is GeoJSON ([lon, lat], WGS 84) with bounding-box columns, like territory's polygons.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import RestrictedQuerySet, Scope

RESOURCE = "geofences.geofence"


class FenceKind(models.TextChoices):
    POLSEK_AREA = "polsek_area", _("Polsek area")
    EVENT_ZONE = "event_zone", _("Event zone")
    FORBIDDEN_ZONE = "forbidden_zone", _("Forbidden zone")
    CUSTOM = "custom", _("Custom")


class Trigger(models.TextChoices):
    ENTER = "enter", _("Enter")
    LEAVE = "leave", _("Leave")
    DWELL = "dwell", _("Dwell")


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class Geofence(models.Model):
    polres = models.ForeignKey("territory.Polres", on_delete=models.PROTECT, related_name="+")
    polsek = models.ForeignKey(
        "territory.Polsek", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=FenceKind.choices)
    description = models.TextField(blank=True)
    geometry = models.JSONField()  # GeoJSON Polygon / MultiPolygon
    vertices = models.PositiveIntegerField(default=0)
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    area_m2 = models.FloatField(default=0)
    active = models.BooleanField(default=True)  # False once deactivated (kept for the alerts that name it)
    active_from = models.DateTimeField(null=True, blank=True)  # event zones: the event's window
    active_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()
    resource = RESOURCE
    scope = Scope(polda="polres__polda", polres="polres", polsek="polsek")

    class Meta:
        ordering = ["polres_id", "kind", "name"]
        indexes = [models.Index(fields=["polres", "active"])]
        constraints = [
            models.UniqueConstraint(
                fields=["polres", "name"], condition=models.Q(active=True), name="geofence_active_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class GeofenceRule(models.Model):
    """Raise an alert when a subject the rule applies to enters, leaves or dwells in the fence.

    Applies to: every subject when the three lists are empty, else a subject matching any of them."""

    geofence = models.ForeignKey(Geofence, on_delete=models.CASCADE, related_name="rules")
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    dwell_minutes = models.PositiveIntegerField(default=0)
    unit_kinds = models.JSONField(default=list, blank=True)  # cad UnitKind values
    device_kinds = models.JSONField(default=list, blank=True)  # device kinds as the gateway names them
    units = models.JSONField(default=list, blank=True)  # unit ids
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    quiet_minutes = models.PositiveIntegerField(default=0)  # no repeat for the same subject within this
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()
    resource = RESOURCE
    scope = Scope(polda="geofence__polres__polda", polres="geofence__polres", polsek="geofence__polsek")

    class Meta:
        ordering = ["geofence_id", "pk"]

    def __str__(self) -> str:
        return f"{self.geofence_id}:{self.trigger}"


class GeofenceState(models.Model):
    """One subject (a unit, else a device) against one fence: inside or not since when, the time of the
    last fix applied (older fixes are ignored) and the last alert per rule (quiet windows, one dwell
    alert per visit). `version` guards the update: of two workers that read the same state, one writes."""

    geofence = models.ForeignKey(Geofence, on_delete=models.CASCADE, related_name="states")
    subject = models.CharField(max_length=24)  # "u:<unit id>" or "d:<device id>"
    unit = models.ForeignKey("cad.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    device_id = models.BigIntegerField(null=True, blank=True)
    device_kind = models.CharField(max_length=30, blank=True)
    inside = models.BooleanField(default=False)
    inside_since = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    last_fix_at = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    last_alerts = models.JSONField(default=dict, blank=True)  # {rule id: ISO time of its last alert}
    last_alert_at = models.DateTimeField(null=True, blank=True)
    next_dwell_at = models.DateTimeField(null=True, blank=True)  # when the sweep must look again
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()
    resource = RESOURCE
    scope = Scope(polda="geofence__polres__polda", polres="geofence__polres", polsek="geofence__polsek")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["geofence", "subject"], name="geofence_state_unique_subject")
        ]
        indexes = [models.Index(fields=["subject"]), models.Index(fields=["next_dwell_at"])]

    def __str__(self) -> str:
        return f"{self.subject}@{self.geofence_id}"
