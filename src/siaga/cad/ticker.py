"""The operations-room clock: periodic work that must happen within seconds, not minutes.

huey's periodic tasks run at most once a minute; an unanswered 110 call must climb its escalation
ladder within seconds. `siaga run` starts one clock per deployment: a task on the server's event loop when it
serves alone, a thread in the parent process when it starts several workers (then with Redis).
Every job is safe to run from two tickers at once: each takes row
locks or conditional updates.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections

from siaga.core import outage
from siaga.core.context import acting, new_request_id

log = logging.getLogger(__name__)

Job = Callable[[], object]
_jobs: list[tuple[str, Job]] = []


def job(name: str):
    """Register a function to run on every tick."""

    def register(fn: Job) -> Job:
        _jobs.append((name, fn))
        return fn

    return register


@job("escalate_overdue_calls")
def _escalate() -> object:
    from . import intake

    return intake.escalate_overdue()


@job("geofence_sweep")
def _geofence_sweep() -> object:
    """Dwell alerts for units that stopped reporting inside a fence (one indexed query when none is due)."""
    from siaga.geofences import engine

    return engine.sweep()


@job("ingest_prune")
def _ingest_prune() -> object:
    """The device gateway's old dedupe-ledger rows and reject counts, at most once an hour per process."""
    from siaga.ingest import housekeeping

    return housekeeping.prune_due()


_database_down = False  # in this process: the clock's jobs found the database out of reach


def tick() -> None:
    global _database_down
    down = False
    for name, fn in list(_jobs):
        try:
            with acting(None, new_request_id("tick")):
                fn()
        except Exception as e:  # one failing job must not stop the clock for the others
            if outage.database_unavailable(e):  # an outage is logged when it starts and ends, not every tick
                down = True
                continue
            log.exception("ticker job %s failed", name)
    if down and not _database_down:
        log.warning("operations clock: the database is out of reach; its jobs wait for it")
    elif _database_down and not down:
        log.warning("operations clock: the database answers again")
    _database_down = down


def _tick_in_thread() -> None:
    """A tick from a long-lived thread: drop connections that died or aged out, before and after."""
    close_old_connections()
    try:
        tick()
    finally:
        close_old_connections()


def start_in_loop(interval_s: float = 2.0) -> asyncio.Task:
    """The clock as a task on the running (web server's) event loop. Each tick runs in a worker thread
    via sync_to_async, so the events it publishes reach an in-memory channel layer on this loop (that
    layer is not thread-safe: a plain thread publishing into it would not reliably wake the sockets)."""
    from asgiref.sync import sync_to_async

    async def loop():
        while True:
            started = time.monotonic()
            await sync_to_async(_tick_in_thread, thread_sensitive=False)()
            await asyncio.sleep(max(0.0, interval_s - (time.monotonic() - started)))

    return asyncio.get_running_loop().create_task(loop(), name="siaga-ops-ticker")


class Ticker(threading.Thread):
    """The clock as a thread: for a parent process of several workers, with a Redis channel layer."""

    def __init__(self, interval_s: float = 2.0):
        super().__init__(name="siaga-ops-ticker", daemon=True)
        self.interval_s = interval_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            started = time.monotonic()
            _tick_in_thread()
            self.stopped.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
        close_old_connections()

    def stop(self) -> None:
        self.stopped.set()
