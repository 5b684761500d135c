"""Housekeeping of the device gateway: what is kept and for how long.

- the dedupe ledger (`DeviceMessage`): rows older than MAX_AGE and a day (`pipeline.prune_ledger`): a
  resend that old is refused as stale anyway;
- the reject counters (`RejectCount`): days older than REJECT_DAYS (the API and the page show at most
  90 days).

The operations clock (`cad.ticker`, job "ingest_prune") calls `prune_due()` on every tick: it prunes at
most once per INTERVAL_S in a process (the first tick of a process prunes). Two clocks pruning at once
delete the same rows, which is harmless. `siaga ingest prune` runs `prune()` at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from django.utils import timezone

INTERVAL_S = 3600.0
REJECT_DAYS = 90

_lock = threading.Lock()
_last: float | None = None  # when this process last pruned (monotonic clock)


def prune(now: dt.datetime | None = None) -> dict[str, int]:
    """Drop what is kept no longer; returns the rows deleted per table."""
    from .models import RejectCount
    from .pipeline import prune_ledger

    now = now or timezone.now()
    ledger = prune_ledger(now)
    first_day = now.astimezone(dt.UTC).date() - dt.timedelta(days=REJECT_DAYS)
    rejects, _by_model = RejectCount.objects.filter(day__lt=first_day).delete()
    return {"ledger": ledger, "reject_counts": rejects}


def prune_due(now: dt.datetime | None = None, clock: Callable[[], float] = time.monotonic) -> dict | None:
    """`prune()` if this process has not pruned in the last INTERVAL_S, else None. The interval counts
    from the start of the last attempt, so a failing database is not asked again on every tick."""
    global _last
    with _lock:
        t = clock()
        if _last is not None and t - _last < INTERVAL_S:
            return None
        _last = t
    return prune(now)


def reset() -> None:
    """Forget the last run (tests; a process that wants the next tick to prune)."""
    global _last
    with _lock:
        _last = None
