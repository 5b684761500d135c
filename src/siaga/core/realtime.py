"""Push domain events to WebSocket clients through the Channels layer (in-memory or Redis)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

if TYPE_CHECKING:
    from .events import Event

ALL_GROUP = "siaga.all"


def polres_group(polres_id: int | None) -> str:
    return f"siaga.polres.{polres_id}" if polres_id else ALL_GROUP


def message(event: Event) -> dict:
    return {
        "type": "siaga.event",
        "name": event.name,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "polres_id": event.polres_id,
        "data": event.data,
    }


def push(event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    msg = message(event)
    async_to_sync(layer.group_send)(polres_group(event.polres_id), msg)
    if event.polres_id:  # Polda- and installation-level watchers listen to the all group
        async_to_sync(layer.group_send)(ALL_GROUP, msg)
