"""Push domain events to WebSocket clients through the Channels layer (in-memory or Redis).

An event is encoded to JSON once, here, and travels as that text: the layer copies a flat message
cheaply and each socket sends the text as is (one encoding per event, not one per socket).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from typing import TYPE_CHECKING

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import events
from .events import subscribe

if TYPE_CHECKING:
    from .events import Event

ALL_GROUP = "siaga.all"
log = logging.getLogger(__name__)


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


# Polres → Polda: read on every event, changed only by the territory services (which publish
# "territory.*" events) or a direct write to a Polres row; both empty this map.
_polda_cache: dict[int, int | None] = {}


def clear_polda_cache(*_args, **_kwargs) -> None:
    _polda_cache.clear()


def _polda_of(polres_id: int) -> int | None:
    try:
        return _polda_cache[polres_id]
    except KeyError:
        pass
    from django.apps import apps
    from django.core.exceptions import SynchronousOnlyOperation

    polres = apps.get_model("territory", "Polres")
    try:
        row = polres.objects.filter(pk=polres_id).values_list("polda_id", flat=True)[:1]
        rows = list(row)
    except SynchronousOnlyOperation:  # called inside an event loop: no ORM there, skip the Polda
        return None
    if rows:  # an unknown Polres is not remembered: it may be created later
        _polda_cache[polres_id] = rows[0]
        return rows[0]
    return None


@subscribe("territory.*", phase="in_transaction")
def _territory_changed(event: Event) -> None:
    clear_polda_cache()
    # and once more after commit: a reader may have refilled the map from the old rows meanwhile
    transaction.on_commit(clear_polda_cache, robust=True)


post_save.connect(clear_polda_cache, sender="territory.Polres", dispatch_uid="realtime-polda-save")
post_delete.connect(clear_polda_cache, sender="territory.Polres", dispatch_uid="realtime-polda-delete")


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


async def _send(layer, items: list[tuple[list[str], dict]]) -> None:
    for groups, msg in items:
        for group in groups:
            await layer.group_send(group, msg)


_local = threading.local()  # events of the commit being delivered, sent together at its end


def push(event: Event) -> None:
    if get_channel_layer() is None:
        return
    item = (groups_of(event), message(event))  # the database lookup stays in this (sync) thread
    if events.batching():  # one hop to the event loop for all the events of a commit
        pending = getattr(_local, "pending", None)
        if pending is None:
            pending = _local.pending = []
        pending.append(item)
        return
    _dispatch([item])


@events.on_batch_end
def flush() -> None:
    items, _local.pending = getattr(_local, "pending", None), None
    if items:
        _dispatch(items)


def _dispatch(items: list[tuple[list[str], dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:  # called from code running inside an event loop: don't block it
        _start(loop, layer, items)
    elif (main := _server_loop()) is not None:
        # a sync view in the server's worker thread: hand the send to the server's loop and go on with
        # the next request instead of waiting for a turn of that (busy) loop; sends keep their order
        main.call_soon_threadsafe(_start, main, layer, items)
    else:  # a service, CLI or test outside any loop: send it now
        async_to_sync(_send)(layer, items)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop this sync thread was called from (asgiref's sync_to_async), if any."""
    tl = SyncToAsync.threadlocal
    loop = getattr(tl, "main_event_loop", None)
    if loop is None or getattr(tl, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() and not loop.is_closed() else None


_tails: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}  # per loop: the last send started there


def _start(loop: asyncio.AbstractEventLoop, layer, items) -> None:
    """On the loop's thread: start a send that waits for the one before it (order as committed)."""
    prev = _tails.get(loop)
    if prev is not None and prev.done():
        prev = None
    task = loop.create_task(_send_after(prev, layer, items))
    _tails[loop] = task
    task.add_done_callback(_sent)


async def _send_after(prev: asyncio.Task | None, layer, items) -> None:
    if prev is not None:
        await asyncio.wait([prev])  # its failure is its own (logged by _sent)
    await _send(layer, items)


def _sent(task: asyncio.Task) -> None:
    loop = task.get_loop()
    if _tails.get(loop) is task:
        del _tails[loop]
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("realtime push failed", exc_info=exc)
