"""Push domain events to WebSocket clients through the Channels layer (in-memory or Redis).

An event is encoded to JSON once, here, and travels as that text: the layer copies a flat message
cheaply and each socket sends the text as is (one encoding per event, not one per socket).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder

if TYPE_CHECKING:
    from .events import Event

ALL_GROUP = "siaga.all"


def polres_group(polres_id: int | None) -> str:
    return f"siaga.polres.{polres_id}" if polres_id else ALL_GROUP


def polda_group(polda_id: int) -> str:
    return f"siaga.polda.{polda_id}"


def groups_for(user) -> list[str]:
    """The one group a staff socket joins: its Polres, else its Polda, else (unscoped admin) all."""
    if user.polres_id:
        return [polres_group(user.polres_id)]
    if user.polda_id:
        return [polda_group(user.polda_id)]
    return [ALL_GROUP]


def _polda_of(polres_id: int) -> int | None:
    from django.apps import apps
    from django.core.exceptions import SynchronousOnlyOperation

    polres = apps.get_model("territory", "Polres")
    try:
        return polres.objects.filter(pk=polres_id).values_list("polda_id", flat=True).first()
    except SynchronousOnlyOperation:  # called inside an event loop: no ORM there, skip the Polda
        return None


def payload(event: Event) -> dict:
    """What a client receives for an event."""
    return {
        "name": event.name,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "polres_id": event.polres_id,
        "data": event.data,
    }


def message(event: Event) -> dict:
    """The channel-layer message: the payload already encoded (see EventConsumer.siaga_event)."""
    return {"type": "siaga.event", "text": json.dumps(payload(event), cls=DjangoJSONEncoder)}


def groups_of(event: Event) -> list[str]:
    """Where an event goes: its Polres, that Polres's Polda and the all group (or only all)."""
    if not event.polres_id:
        return [ALL_GROUP]
    groups = [polres_group(event.polres_id)]
    if (polda_id := _polda_of(event.polres_id)) is not None:
        groups.append(polda_group(polda_id))
    return [*groups, ALL_GROUP]


async def _send(layer, groups: list[str], msg: dict) -> None:
    for group in groups:
        await layer.group_send(group, msg)


def push(event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    groups, msg = groups_of(event), message(event)  # the database lookup stays in this (sync) thread
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None:  # ordinary case: a sync view, service or CLI in a worker thread
        async_to_sync(_send)(layer, groups, msg)
    else:  # called from code running inside an event loop: don't block it
        loop.create_task(_send(layer, groups, msg))
