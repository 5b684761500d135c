"""The operations-room clock escalates unanswered calls without anyone asking, and survives failing jobs."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from siaga.cad import intake, ticker
from siaga.cad.models import Call

from .ops_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_tick_escalates_a_call_ringing_past_the_first_rung(ops):
    old = intake.ring(ops.polres, "081234567890", at=timezone.now() - dt.timedelta(seconds=15))
    fresh = intake.ring(ops.polres, "081234567891")
    ticker.tick()
    assert Call.objects.get(pk=old.pk).escalation_level == "polsek"
    assert Call.objects.get(pk=fresh.pk).escalation_level == ""


def test_a_failing_job_does_not_stop_the_others(ops, monkeypatch):
    ran = []
    monkeypatch.setattr(ticker, "_jobs", [("boom", lambda: 1 / 0), ("after", lambda: ran.append(1))])
    ticker.tick()
    assert ran == [1]


def test_ticker_thread_runs_and_stops(monkeypatch):
    ran = []
    monkeypatch.setattr(ticker, "_jobs", [("count", lambda: ran.append(1))])
    t = ticker.Ticker(interval_s=0.01)
    t.start()
    deadline = time.monotonic() + 5
    while len(ran) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(ran) >= 3
    t.stop()
    t.join(timeout=2)
    assert not t.is_alive()


def test_clock_runs_as_a_task_on_the_event_loop(monkeypatch):
    import asyncio

    ran = []
    monkeypatch.setattr(ticker, "_jobs", [("count", lambda: ran.append(1))])

    async def main():
        task = ticker.start_in_loop(interval_s=0.01)
        for _ in range(500):
            if len(ran) >= 3:
                break
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(main())
    assert len(ran) >= 3
