"""Unit positions that do not come through the device gateway (the officer view, the cad API, the live
simulation) reach the engine here, after their commit. The gateway calls the engine itself with every
fix of a batch (devices too), so its events, published under an "ingest-…" request id, are skipped."""

from __future__ import annotations

import datetime as dt
import logging

from siaga.core.context import request_id
from siaga.core.events import Event, subscribe

log = logging.getLogger(__name__)


@subscribe("cad.unit.position", phase="after_commit")
def unit_moved(event: Event) -> None:
    if request_id().startswith("ingest"):
        return
    after = event.after or {}
    at, lat, lon = after.get("position_at"), after.get("lat"), after.get("lon")
    if not event.polres_id or lat is None or lon is None or not isinstance(at, dt.datetime):
        return
    from .engine import observe

    try:
        observe(event.polres_id, [(int(event.object_id), None, "", lat, lon, at)])
    except Exception:  # a geofence failure must never cost a position update
        log.exception("geofence observe failed for unit %s", event.object_id)
