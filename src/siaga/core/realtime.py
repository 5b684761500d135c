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
import time
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
# "territory.*" events) or a direct write to a Polres row; both empty this map in the writing process.
# Other processes cannot hear of the change, so an entry is also forgotten after POLDA_TTL_S.
POLDA_TTL_S = 60.0
_polda_cache: dict[int, tuple[int | None, float]] = {}


def clear_polda_cache(*_args, **_kwargs) -> None:
    _polda_cache.clear()


def _polda_of(polres_id: int) -> int | None:
    hit = _polda_cache.get(polres_id)
    if hit is not None and hit[1] > time.monotonic():
        return hit[0]
    from django.apps import apps
    from django.core.exceptions import SynchronousOnlyOperation

    polres = apps.get_model("territory", "Polres")
    try:
        row = polres.objects.filter(pk=polres_id).values_list("polda_id", flat=True)[:1]
        rows = list(row)
    except SynchronousOnlyOperation:  # called inside an event loop: no ORM there, skip the Polda
        return None
    if rows:  # an unknown Polres is not remembered: it may be created later
        _polda_cache[polres_id] = (rows[0], time.monotonic() + POLDA_TTL_S)
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


_stats = {"pushed": 0, "push_failures": 0, "events_lost": 0}
_failing = False  # in an outage of the layer: logged once at its start and once at its end


def stats() -> dict[str, int]:
    """This process's pushes: batches sent, batches that failed (layer unreachable), events they held."""
    return dict(_stats)


COALESCE_AT = 8  # a commit with more events than this for one group sends them as one frame


def _frames(items: list[tuple[list[str], dict]]) -> list[tuple[str, dict]]:
    """(group, message) to send, in commit order. A group that gets more than COALESCE_AT events of one
    commit (a device-gateway batch moves hundreds of units) gets them as one message whose text is a
    JSON array of the events: one channel-layer send (one Redis round trip) and one WebSocket frame
    instead of hundreds. Clients take a frame holding an object or an array of them."""
    by_group: dict[str, list[dict]] = {}
    for groups, msg in items:
        for group in groups:
            by_group.setdefault(group, []).append(msg)
    frames = []
    for group, msgs in by_group.items():
        if len(msgs) > COALESCE_AT:
            text = "[" + ",".join(m["text"] for m in msgs) + "]"
            frames.append((group, {"type": "siaga.event", "text": text}))
        else:
            frames += [(group, m) for m in msgs]
    return frames


async def _send(layer, items: list[tuple[list[str], dict]]) -> None:
    """Send a commit's events. The change is committed already: a layer that cannot be reached (Redis
    down) loses the push, never the write; pages fall back to polling and resync (static/siaga/ops.js)."""
    global _failing
    try:
        for group, msg in _frames(items):
            await layer.group_send(group, msg)
    except Exception as e:  # any transport error: redis, OSError, timeouts
        _stats["push_failures"] += 1
        _stats["events_lost"] += len(items)
        if not _failing:
            _failing = True
            log.warning("realtime push failed, live updates paused until the layer answers", exc_info=e)
        return
    _stats["pushed"] += 1
    if _failing:
        _failing = False
        log.warning("realtime push works again")


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
