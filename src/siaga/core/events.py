"""Domain events: a small publish/subscribe used by services.

A service publishes inside its transaction. Subscribers choose their phase:
- "in_transaction": run at once, inside the writer's transaction (the audit trail, so that a change
  and its audit row commit or roll back together);
- "after_commit": run only once the transaction has committed (realtime push, notifications, tasks),
  so nothing outside the database ever hears of a change that rolled back.

After-commit subscribers still see one event at a time, but a subscriber that does I/O per event (the
realtime push) may hold events back while `batching()` is true and send them all from a function
registered with `on_batch_end`, which runs once after the last after-commit delivery of that commit.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import transaction

log = logging.getLogger(__name__)
Phase = Literal["in_transaction", "after_commit"]


@dataclass(frozen=True)
class Event:
    name: str  # "<app>.<object>.<verb>", e.g. "territory.region.imported"
    object_type: str = ""
    object_id: Any = ""
    polres_id: int | None = None
    before: Any = None
    after: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    audit: bool = True


_subscribers: list[tuple[str, Phase, Callable[[Event], None]]] = []
_matching: dict[str, list[tuple[str, Phase, Callable[[Event], None]]]] = {}  # event name → its subscribers
_batch_ends: list[Callable[[], None]] = []
_local = threading.local()  # open: this thread's pending commit has an end-of-batch hook


def subscribe(pattern: str = "*", phase: Phase = "after_commit"):
    """Decorator: call the function for every event whose name matches the glob `pattern`."""

    def register(fn: Callable[[Event], None]) -> Callable[[Event], None]:
        _subscribers.append((pattern, phase, fn))
        _matching.clear()
        return fn

    return register


def unsubscribe(fn: Callable[[Event], None]) -> None:
    """Remove every registration of `fn` (tests and plug-ins that come and go)."""
    _subscribers[:] = [s for s in _subscribers if s[2] is not fn]
    _matching.clear()


def _subscribers_of(name: str) -> list[tuple[str, Phase, Callable[[Event], None]]]:
    subs = _matching.get(name)
    if subs is None:
        subs = [s for s in _subscribers if fnmatch.fnmatchcase(name, s[0])]
        if len(_matching) > 1024:  # event names are a small fixed set; guard against a caller's typo loop
            _matching.clear()
        _matching[name] = subs
    return subs


def publish(event: Event) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"publish({event.name}) outside a transaction: services publish inside one")
    for _pattern, phase, fn in _subscribers_of(event.name):
        if phase == "in_transaction":
            fn(event)
        else:
            transaction.on_commit(lambda fn=fn: _deliver(fn, event), robust=True)
            _end_batch_last()


def publish_many(events: list[Event]) -> None:
    """publish() for a batch of events from one writer (the device gateway's positions): the same
    deliveries, but each after-commit subscriber gets the batch from one on-commit hook, in order,
    instead of one hook per event (a subscriber sees all the batch's events before the next subscriber
    does, rather than event by event)."""
    if not events:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"publish_many({events[0].name}, …) outside a transaction")
    later: dict[Callable[[Event], None], list[Event]] = {}
    for event in events:
        for _pattern, phase, fn in _subscribers_of(event.name):
            if phase == "in_transaction":
                fn(event)
            else:
                later.setdefault(fn, []).append(event)
    for fn, evs in later.items():
        transaction.on_commit(lambda fn=fn, evs=evs: _deliver_all(fn, evs), robust=True)
    if later:
        _end_batch_last()


def _deliver_all(fn: Callable[[Event], None], events: list[Event]) -> None:
    for event in events:
        _deliver(fn, event)


def on_batch_end(fn: Callable[[], None]) -> Callable[[], None]:
    """Call `fn` once after the after-commit deliveries of each commit that published events."""
    if fn not in _batch_ends:
        _batch_ends.append(fn)
    return fn


def batching() -> bool:
    """True while this thread delivers after-commit events whose end-of-batch hook is still to run."""
    return getattr(_local, "open", False)


def _end_batch_last() -> None:
    """Keep an end-of-batch hook at the end of the connection's on-commit list. Hooks belong to no
    savepoint (a savepoint rollback drops only the events published inside it; a full rollback drops
    everything). Earlier hooks stay in place, so that a caller counting the list is not confused,
    and do nothing when run: only the latest one ends the batch."""
    hooks = transaction.get_connection().run_on_commit
    if hooks and getattr(hooks[-1][1], "func", None) is _end_batch:
        return
    token = getattr(_local, "token", 0) + 1
    _local.token, _local.open = token, True
    hooks.append((set(), functools.partial(_end_batch, token), True))


def _end_batch(token: int) -> None:
    if token != getattr(_local, "token", None):
        return  # a later hook of the same commit ends it
    _local.open = False
    for fn in list(_batch_ends):
        try:
            fn()
        except Exception:
            log.exception("end of event batch: %s failed", getattr(fn, "__name__", fn))


def _deliver(fn: Callable[[Event], None], event: Event) -> None:
    try:
        fn(event)
    except Exception:  # an after-commit side effect must never undo or hide a committed change
        log.exception("subscriber %s failed on %s", getattr(fn, "__name__", fn), event.name)
