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


def test_a_database_outage_is_logged_when_it_starts_and_ends_not_every_tick(monkeypatch, caplog):
    from django.db import OperationalError

    from siaga.core import outage

    class Down(OperationalError):
        pass

    state = {"down": True, "runs": 0}

    def job():
        state["runs"] += 1
        if state["down"]:
            raise Down("connection refused")

    monkeypatch.setattr(ticker, "_jobs", [("probe", job)])
    monkeypatch.setattr(ticker, "_database_down", False)
    monkeypatch.setattr(outage, "database_unavailable", lambda e: isinstance(e, Down))
    with caplog.at_level("WARNING", logger=ticker.log.name):
        for _ in range(5):
            ticker.tick()
        state["down"] = False
        ticker.tick()
        ticker.tick()
    messages = [r.getMessage() for r in caplog.records if r.name == ticker.log.name]
    assert state["runs"] == 7  # the job is still tried every tick
    assert messages == [
        "operations clock: the database is out of reach; its jobs wait for it",
        "operations clock: the database answers again",
    ]
    assert not any(r.exc_info for r in caplog.records if r.name == ticker.log.name)


def test_any_other_failure_is_still_logged_with_its_traceback(monkeypatch, caplog):
    def job():
        raise ValueError("a bug")

    monkeypatch.setattr(ticker, "_jobs", [("buggy", job)])
    with caplog.at_level("ERROR", logger=ticker.log.name):
        ticker.tick()
    assert [r.exc_info is not None for r in caplog.records if r.name == ticker.log.name] == [True]
