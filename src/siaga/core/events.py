"""Domain events: a small publish/subscribe used by services.

A service publishes inside its transaction. Subscribers choose their phase:
- "in_transaction": run at once, inside the writer's transaction (the audit trail, so that a change
  and its audit row commit or roll back together);
- "after_commit": run only once the transaction has committed (realtime push, notifications, tasks),
  so nothing outside the database ever hears of a change that rolled back.
"""

from __future__ import annotations

import fnmatch
import logging
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


def subscribe(pattern: str = "*", phase: Phase = "after_commit"):
    """Decorator: call the function for every event whose name matches the glob `pattern`."""

    def register(fn: Callable[[Event], None]) -> Callable[[Event], None]:
        _subscribers.append((pattern, phase, fn))
        return fn

    return register


def unsubscribe(fn: Callable[[Event], None]) -> None:
    """Remove every registration of `fn` (tests and plug-ins that come and go)."""
    _subscribers[:] = [s for s in _subscribers if s[2] is not fn]


def publish(event: Event) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"publish({event.name}) outside a transaction: services publish inside one")
    for pattern, phase, fn in list(_subscribers):
        if not fnmatch.fnmatchcase(event.name, pattern):
            continue
        if phase == "in_transaction":
            fn(event)
        else:
            transaction.on_commit(lambda fn=fn: _deliver(fn, event), robust=True)


def _deliver(fn: Callable[[Event], None], event: Event) -> None:
    try:
        fn(event)
    except Exception:  # an after-commit side effect must never undo or hide a committed change
        log.exception("subscriber %s failed on %s", getattr(fn, "__name__", fn), event.name)
