"""Every read a user can trigger in the geofences app, through the read gate."""

from __future__ import annotations

from siaga.core.permissions import restrict

from .models import Geofence, GeofenceRule, GeofenceState


def fences(user, *, kind: str = "", active: bool | None = True):
    qs = restrict(Geofence.objects.all(), user, "view").select_related("polsek")
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def rules(user, fence: Geofence):
    return restrict(GeofenceRule.objects.filter(geofence=fence, active=True), user, "view")


def inside(user, *, fence: Geofence | None = None):
    """Who is inside which fence now (by the last fix of each subject)."""
    qs = restrict(GeofenceState.objects.filter(inside=True, geofence__active=True), user, "view")
    if fence is not None:
        qs = qs.filter(geofence=fence)
    return qs.select_related("geofence", "unit").order_by("geofence__name", "inside_since")
