"""Alerts that machines raise for the operations room: CCTV analytics events (crowd, fire, fight),
geofence rules, device faults. One write path, pushed live to the room after commit.

Events: "ingest.alert.raised", "ingest.alert.acknowledged", "ingest.alert.closed" (the room listens to
"ingest.alert.*"); their data is `alert_data(alert)`.

Titles are read in the reader's language: an alert stores a msgid and its parameters (`title_key`,
`title_params`) besides the title rendered once in the installation's language (`title`: the fallback
for rows without a key, and what search matches). A raiser passes a `Title` (or title_key and
title_params); `title_for(alert)` renders it in the active language."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from siaga.core.audit import canonical
from siaga.core.errors import Conflict, Forbidden, Invalid
from siaga.core.events import Event, publish
from siaga.core.permissions import can, visible_one

from .models import AlertStatus, DeviceAlert

DEDUPE_WINDOW = dt.timedelta(minutes=10)  # a repeat of the same key inside this window is the same alert


def render_title(key: str, params: dict[str, Any] | None = None, fallback: str = "") -> str:
    """The msgid `key` translated into the active language and filled with `params`. A parameter may itself
    be {"msgid": …, "params": {…}} (a label to translate too, e.g. a CCTV event's name). A key that does
    not fit its parameters (a msgid changed since the row was stored) gives `fallback`."""
    if not key:
        return fallback
    try:
        values = {k: _param(v) for k, v in (params or {}).items()}
        return gettext(key) % values
    except (KeyError, TypeError, ValueError):
        return fallback or key


def _param(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("msgid"), str):
        return render_title(value["msgid"], value.get("params") or {}, value["msgid"])
    return value


class Title(str):
    """A title rendered in the installation's language (what is stored as `title`) that also carries its
    msgid and parameters, so that each reader sees it in their own language."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, params: dict[str, Any] | None = None) -> Title:
        params = dict(params or {})
        with translation.override(settings.LANGUAGE_CODE):
            self = super().__new__(cls, render_title(key, params, key))
        self.key, self.params = key, params
        return self


def title_for(a: DeviceAlert) -> str:
    """The alert's title in the active language (the stored title for rows without a key)."""
    return render_title(a.title_key, a.title_params, a.title)


def alert_data(a: DeviceAlert) -> dict[str, Any]:
    """What the room shows of an alert (also the live event's data)."""
    return {
        "id": a.pk,
        "kind": a.kind,
        "title": a.title,
        "lat": a.lat,
        "lon": a.lon,
        "at": a.at,
        "status": a.status,
        "device_id": a.device_id,
        "unit_id": a.unit_id,
    }


def _publish(name: str, a: DeviceAlert, before: dict | None = None) -> None:
    publish(
        Event(
            name,
            "ingest.devicealert",
            a.pk,
            polres_id=a.polres_id,
            before=before,
            after=alert_data(a),
            data=alert_data(a),
        )
    )


def _point(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as e:
        raise Invalid(_("Latitude and longitude must be numbers."), field="lat") from e
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise Invalid(_("The alert's position is not valid."), field="lat")
    return lat, lon


def raise_alert(
    *,
    polres_id: int,
    kind: str,
    title: str,
    lat: float | None = None,
    lon: float | None = None,
    at: dt.datetime | None = None,
    device_id: int | None = None,
    unit_id: int | None = None,
    details: dict[str, Any] | None = None,
    dedupe_key: str = "",
    title_key: str = "",
    title_params: dict[str, Any] | None = None,
):
    """Record a DeviceAlert (kind e.g. "cctv.fire", "geofence.enter", "geofence.dwell") and push it to the
    operations room; a repeated dedupe_key within a short window is not raised twice. Returns the alert.

    `title` may be a `Title` (its msgid and parameters are stored for rendering per reader), or text with
    `title_key` / `title_params` given apart, or plain text (shown as stored to everyone)."""
    from siaga.territory.models import Polres

    kind = str(kind or "").strip()
    if not kind or len(kind) > 40:
        raise Invalid(_("An alert needs a kind of 1 to 40 characters."), field="kind")
    title_key = str(title_key or getattr(title, "key", "") or "")
    title_params = title_params if title_params is not None else getattr(title, "params", None)
    if len(title_key) > 200 or not isinstance(title_params, dict | None):
        raise Invalid(_("The alert's title is not valid."), field="title")
    if title_key and not title:
        title = Title(title_key, title_params)
    title = str(title or "").strip()[:200] or kind
    lat, lon = _point(lat, lon)
    if at is not None and timezone.is_naive(at):
        raise Invalid(_("Timestamps must carry a time zone."), field="at")
    now = timezone.now()
    at = at.astimezone(dt.UTC) if at is not None else now
    key = str(dedupe_key or "")[:120]
    with transaction.atomic():
        # with a key, the Polres row lock serialises alerts of one Polres across processes, so that two
        # workers seeing the same event do not both raise it (SQLite's IMMEDIATE transaction does anyway);
        # NO KEY, so that other writers' foreign-key checks on the row pass (see cad/incidents.py)
        polres = Polres.objects.filter(pk=polres_id)
        if not (polres.select_for_update(no_key=True) if key else polres).values_list("pk", flat=True)[:1]:
            raise Invalid(_("Unknown Polres."), field="polres_id")
        if key:
            earlier = (
                DeviceAlert.objects.filter(
                    polres_id=polres_id, dedupe_key=key, created_at__gte=now - DEDUPE_WINDOW
                )
                .exclude(status=AlertStatus.CLOSED)
                .order_by("-created_at")
                .first()
            )
            if earlier is not None:
                return earlier
        a = DeviceAlert.objects.create(
            polres_id=polres_id,
            kind=kind,
            title=title,
            title_key=title_key,
            title_params=canonical(title_params or {}) if title_key else {},
            lat=lat,
            lon=lon,
            at=at,
            created_at=now,
            device_id=device_id,
            unit_id=unit_id,
            details=canonical(details or {}),
            dedupe_key=key,
        )
        _publish("ingest.alert.raised", a)
    return a


def _get(user, pk: Any) -> DeviceAlert:
    a = visible_one(DeviceAlert.objects.all(), user, pk, missing=_("Alert not found."))
    if not can(user, "change", a):
        raise Forbidden(_("You may not handle device alerts."))
    return a


@transaction.atomic
def acknowledge(user, pk: Any) -> DeviceAlert:
    """An operator has seen the alert and is acting on it."""
    a = _get(user, pk)
    a = DeviceAlert.objects.select_for_update().get(pk=a.pk)
    if a.status != AlertStatus.OPEN:
        raise Conflict(
            _("The alert is already %(s)s.") % {"s": a.get_status_display()}, code="illegal_transition"
        )
    before = alert_data(a)
    a.status, a.acknowledged_by, a.acknowledged_at = AlertStatus.ACKNOWLEDGED, user, timezone.now()
    a.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    _publish("ingest.alert.acknowledged", a, before)
    return a


@transaction.atomic
def close(user, pk: Any) -> DeviceAlert:
    """Nothing more to do on the alert (handled, or a false alarm)."""
    a = _get(user, pk)
    a = DeviceAlert.objects.select_for_update().get(pk=a.pk)
    if a.status == AlertStatus.CLOSED:
        raise Conflict(_("The alert is already closed."), code="illegal_transition")
    before = alert_data(a)
    now = timezone.now()
    if a.acknowledged_at is None:
        a.acknowledged_by, a.acknowledged_at = user, now
    a.status, a.closed_by, a.closed_at = AlertStatus.CLOSED, user, now
    a.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "closed_by", "closed_at"])
    _publish("ingest.alert.closed", a, before)
    return a
