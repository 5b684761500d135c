"""JSON API of the geofences app, mounted at /api/geofences/ (staff, session authentication).

Fences and their rules: list, read, create (a GeoJSON polygon or a FeatureCollection upload), change,
deactivate; and who is inside which fence now. Reads go through the read gate; writes through the
services, which answer bad input with a 4xx and store nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from siaga.core.errors import Forbidden
from siaga.core.permissions import role_allows

from . import selectors, services
from .models import RESOURCE, Geofence, GeofenceRule, GeofenceState

router = Router(tags=["geofences"])


class Error(Schema):
    detail: str
    code: str


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def _gate(request) -> None:
    if not role_allows(request.user, RESOURCE, "view"):
        raise Forbidden(_("You may not see geofences."))


def _fence(f: Geofence, *, geometry: bool = True) -> dict[str, Any]:
    out = {
        "id": f.pk,
        "polres": f.polres_id,
        "polsek": f.polsek_id,
        "name": f.name,
        "kind": f.kind,
        "description": f.description,
        "vertices": f.vertices,
        "bbox": [f.min_lon, f.min_lat, f.max_lon, f.max_lat],
        "area_m2": f.area_m2,
        "active": f.active,
        "active_from": f.active_from,
        "active_until": f.active_until,
        "created_at": f.created_at,
        "updated_at": f.updated_at,
        "version": f.version,
    }
    if geometry:
        out["geometry"] = f.geometry
    return out


def _rule(r: GeofenceRule) -> dict[str, Any]:
    return {
        "id": r.pk,
        "geofence": r.geofence_id,
        "trigger": r.trigger,
        "dwell_minutes": r.dwell_minutes,
        "unit_kinds": r.unit_kinds,
        "device_kinds": r.device_kinds,
        "units": r.units,
        "severity": r.severity,
        "quiet_minutes": r.quiet_minutes,
        "active": r.active,
    }


def _state(s: GeofenceState) -> dict[str, Any]:
    return {
        "geofence": s.geofence_id,
        "geofence_name": s.geofence.name,
        "subject": s.subject,
        "unit": s.unit_id,
        "callsign": s.unit.callsign if s.unit_id else None,
        "device": s.device_id,
        "device_kind": s.device_kind,
        "inside_since": s.inside_since,
        "last_fix_at": s.last_fix_at,
        "lat": s.lat,
        "lon": s.lon,
        "last_alert_at": s.last_alert_at,
    }


class FenceIn(Schema):
    name: str
    kind: str
    geometry: dict | str
    polres: int | None = None
    polsek: int | None = None
    description: str = ""
    active_from: datetime | None = None
    active_until: datetime | None = None


class FenceChangeIn(Schema):
    name: str | None = None
    geometry: dict | str | None = None
    description: str | None = None
    active_from: datetime | None = None
    active_until: datetime | None = None
    version: int | None = None


class UploadIn(Schema):
    kind: str
    document: dict | str
    polres: int | None = None
    name_property: str = "name"


class RuleIn(Schema):
    trigger: str
    dwell_minutes: int = 0
    unit_kinds: list[str] = []
    device_kinds: list[str] = []
    units: list[int] = []
    severity: str = "warning"
    quiet_minutes: int = 0


class RuleChangeIn(Schema):
    trigger: str | None = None
    dwell_minutes: int | None = None
    unit_kinds: list[str] | None = None
    device_kinds: list[str] | None = None
    units: list[int] | None = None
    severity: str | None = None
    quiet_minutes: int | None = None


@router.get("/", response={200: list[dict], **ERRORS}, summary="Fences of the user's area")
def fence_list(request, kind: str = "", include_inactive: bool = False, geometry: bool = True):
    _gate(request)
    qs = selectors.fences(request.user, kind=kind, active=None if include_inactive else True)
    return [_fence(f, geometry=geometry) for f in qs[:1000]]


@router.post("/", response={201: dict, **ERRORS}, summary="Draw a fence (GeoJSON Polygon / MultiPolygon)")
def fence_create(request, body: FenceIn):
    return Status(201, _fence(services.create_fence(request.user, **body.dict())))


@router.post(
    "/upload", response={201: list[dict], **ERRORS}, summary="Fences from a GeoJSON FeatureCollection"
)
def fence_upload(request, body: UploadIn):
    made = services.upload(
        request.user, body.document, kind=body.kind, polres=body.polres, name_property=body.name_property
    )
    return Status(201, [_fence(f, geometry=False) for f in made])


@router.get("/inside", response={200: list[dict], **ERRORS}, summary="Who is inside which fence now")
def who_is_inside(request, geofence: int | None = None):
    _gate(request)
    fence = services.get(request.user, geofence) if geofence is not None else None
    return [_state(s) for s in selectors.inside(request.user, fence=fence)[:2000]]


@router.patch("/rules/{rule_id}", response={200: dict, **ERRORS}, summary="Change a rule")
def rule_change(request, rule_id: int, body: RuleChangeIn):
    return _rule(services.update_rule(request.user, rule_id, **body.dict(exclude_unset=True)))


@router.delete("/rules/{rule_id}", response={200: dict, **ERRORS}, summary="Remove a rule")
def rule_remove(request, rule_id: int):
    return _rule(services.remove_rule(request.user, rule_id))


@router.get("/{fence_id}", response={200: dict, **ERRORS}, summary="A fence, its rules and who is inside")
def fence_detail(request, fence_id: int):
    f = services.get(request.user, fence_id)
    return {
        **_fence(f),
        "rules": [_rule(r) for r in selectors.rules(request.user, f)],
        "inside": [_state(s) for s in selectors.inside(request.user, fence=f)[:2000]],
    }


@router.patch("/{fence_id}", response={200: dict, **ERRORS}, summary="Change a fence")
def fence_change(request, fence_id: int, body: FenceChangeIn):
    data = body.dict(exclude_unset=True)
    return _fence(services.update_fence(request.user, fence_id, **data))


@router.delete("/{fence_id}", response={200: dict, **ERRORS}, summary="Deactivate a fence")
def fence_deactivate(request, fence_id: int):
    return _fence(services.deactivate_fence(request.user, fence_id))


@router.get("/{fence_id}/rules", response={200: list[dict], **ERRORS}, summary="Rules of a fence")
def rule_list(request, fence_id: int):
    f = services.get(request.user, fence_id)
    return [_rule(r) for r in selectors.rules(request.user, f)]


@router.post("/{fence_id}/rules", response={201: dict, **ERRORS}, summary="Add a rule to a fence")
def rule_create(request, fence_id: int, body: RuleIn):
    return Status(201, _rule(services.add_rule(request.user, fence_id, **body.dict())))
