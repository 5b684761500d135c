"""JSON API of the device gateway, mounted at /api/ingest/ (staff, session authentication).

Devices are registered and managed by Kabag Ops (the token is in the answer of create and rotate only);
device alerts are listed, acknowledged and closed by the operations room. The device-facing endpoints
are plain HTTP (ingest/http.py, /ingest/osmand and /ingest/events), not part of this API.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from siaga.core.errors import Forbidden, Invalid
from siaga.core.permissions import role_allows

from . import alerts as alert_service
from . import devices as device_service
from . import selectors
from .models import AnprRead, Device, DeviceAlert

router = Router(tags=["ingest"])


class Error(Schema):
    detail: str
    code: str


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def _gate(request, resource: str, action: str = "view") -> None:
    if not role_allows(request.user, resource, action):
        raise Forbidden(_("You may not see this register."))


def _device(d: Device) -> dict[str, Any]:
    return {
        "id": d.pk,
        "polres": d.polres_id,
        "polsek": d.polsek_id,
        "name": d.name,
        "kind": d.kind,
        "ref": d.ref,
        "unit": d.unit_id,
        "unit_callsign": d.unit.callsign if d.unit_id else None,
        "lat": d.lat,
        "lon": d.lon,
        "token_prefix": d.token_prefix,
        "mqtt_username": d.mqtt_username,
        "active": d.active,
        "last_seen": d.last_seen,
        "last_fix_at": d.last_fix_at,
        "accepted": d.accepted_count,
        "rejected": d.rejected_count,
        "duplicates": d.duplicate_count,
    }


def _alert(a: DeviceAlert) -> dict[str, Any]:
    return {
        **alert_service.alert_data(a),
        "title": alert_service.title_for(a),  # in the reader's language
        "details": a.details,
        "device_name": a.device.name if a.device_id else None,
        "acknowledged_at": a.acknowledged_at,
        "closed_at": a.closed_at,
    }


class DeviceIn(Schema):
    name: str
    kind: str
    ref: str
    unit_id: int | None = None
    polsek_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    polres_id: int | None = None  # for Polda or installation users; defaults to the user's Polres


class MqttPasswordIn(Schema):
    username: str
    password: str


@router.get("/devices", response={200: list[dict], **ERRORS}, summary="Registered devices")
def device_list(request, kind: str = ""):
    _gate(request, "ingest.device")
    qs = selectors.devices(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    return [_device(d) for d in qs[:2000]]


@router.post("/devices", response={201: dict, **ERRORS}, summary="Register a device (token shown once)")
def device_create(request, body: DeviceIn):
    from siaga.territory.models import Polres

    data = body.dict()
    polres_id = data.pop("polres_id") or request.user.polres_id
    polres = Polres.objects.filter(pk=polres_id).first() if polres_id else None
    if polres is None:
        raise Invalid(_("Name the Polres of the device."), field="polres_id")
    d, token = device_service.register(
        polres,
        name=data["name"],
        kind=data["kind"],
        ref=data["ref"],
        unit=data["unit_id"],
        polsek=data["polsek_id"],
        lat=data["lat"],
        lon=data["lon"],
        user=request.user,
    )
    return Status(201, {**_device(d), "token": token})


@router.post("/devices/{pk}/rotate", response={200: dict, **ERRORS}, summary="A new token (shown once)")
def device_rotate(request, pk: int):
    d, token = device_service.rotate_token(pk, user=request.user)
    return {**_device(d), "token": token}


@router.post("/devices/{pk}/mqtt-password", response={200: dict, **ERRORS}, summary="Set MQTT credentials")
def device_mqtt_password(request, pk: int, body: MqttPasswordIn):
    return _device(device_service.set_mqtt_password(pk, body.username, body.password, user=request.user))


@router.post("/devices/{pk}/deactivate", response={200: dict, **ERRORS}, summary="Refuse its messages")
def device_deactivate(request, pk: int):
    return _device(device_service.deactivate(pk, user=request.user))


@router.get("/rejections", response={200: dict, **ERRORS}, summary="Rejected messages per reason")
def rejection_counts(request, days: int = 7):
    _gate(request, "ingest.device")
    return selectors.reject_counts(request.user, min(max(days, 1), 90))


@router.get("/alerts", response={200: list[dict], **ERRORS}, summary="Device alerts to handle")
def alert_list(request, status: str = ""):
    _gate(request, "ingest.devicealert")
    return [_alert(a) for a in selectors.alerts(request.user, status)[:500]]


@router.post("/alerts/{pk}/acknowledge", response={200: dict, **ERRORS}, summary="Acknowledge an alert")
def alert_acknowledge(request, pk: int):
    return _alert(alert_service.acknowledge(request.user, pk))


@router.post("/alerts/{pk}/close", response={200: dict, **ERRORS}, summary="Close an alert")
def alert_close(request, pk: int):
    return _alert(alert_service.close(request.user, pk))


@router.get("/anpr", response={200: list[dict], **ERRORS}, summary="ANPR reads (newest first)")
def anpr_list(request, plate: str = ""):
    _gate(request, "ingest.anprread")
    return [_anpr(r) for r in selectors.anpr_reads(request.user, plate)[:500]]


def _anpr(r: AnprRead) -> dict[str, Any]:
    return {
        "id": r.pk,
        "plate": r.plate,
        "plate_text": r.plate_text,
        "at": r.at,
        "lat": r.lat,
        "lon": r.lon,
        "confidence": r.confidence,
        "device": r.device_id,
        "image": r.image_ref,
    }
