"""The operations clock prunes the device gateway's ledger and reject counts, at most once an hour per
process; `siaga ingest prune` does it at once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from siaga.cad import ticker
from siaga.ingest import housekeeping
from siaga.ingest.models import DeviceMessage, RejectCount

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_process():
    housekeeping.reset()
    yield
    housekeeping.reset()


def rows(device) -> None:
    now = timezone.now()
    today = now.astimezone(dt.UTC).date()
    for key, age in (("old", dt.timedelta(days=9)), ("week", dt.timedelta(days=7)), ("new", dt.timedelta())):
        DeviceMessage.objects.create(device=device, key=key, received_at=now - age)
    for reason, days in (("old", 91), ("kept", 89), ("today", 0)):
        RejectCount.objects.create(polres_id=device.polres_id, reason=reason, day=today - dt.timedelta(days))


def keys() -> tuple[list[str], list[str]]:
    return (
        sorted(DeviceMessage.objects.values_list("key", flat=True)),
        sorted(RejectCount.objects.values_list("reason", flat=True)),
    )


def test_the_clock_prunes_old_rows_and_keeps_recent_ones(kit):
    assert "ingest_prune" in [name for name, _fn in ticker._jobs]
    rows(kit["tracker"][0])
    ticker.tick()
    assert keys() == (["new", "week"], ["kept", "today"])


def test_the_clock_prunes_at_most_once_an_hour_per_process(kit):
    d = kit["tracker"][0]
    ticker.tick()  # the first tick of the process prunes (nothing yet)
    rows(d)
    ticker.tick()  # seconds later: not due
    assert keys() == (["new", "old", "week"], ["kept", "old", "today"])
    t = [1000.0]
    housekeeping.reset()
    assert housekeeping.prune_due(clock=lambda: t[0]) == {"ledger": 1, "reject_counts": 1}
    rows_again = DeviceMessage.objects.create(
        device=d, key="old-2", received_at=timezone.now() - dt.timedelta(days=30)
    )
    t[0] += housekeeping.INTERVAL_S - 1
    assert housekeeping.prune_due(clock=lambda: t[0]) is None
    assert DeviceMessage.objects.filter(pk=rows_again.pk).exists()
    t[0] += 1
    assert housekeeping.prune_due(clock=lambda: t[0]) == {"ledger": 1, "reject_counts": 0}
    assert keys() == (["new", "week"], ["kept", "today"])


def test_a_failing_prune_is_not_retried_on_every_tick(kit, monkeypatch):
    calls = []

    def boom(now=None):
        calls.append(1)
        raise RuntimeError("database down")

    monkeypatch.setattr(housekeeping, "prune", boom)
    ticker.tick()
    ticker.tick()
    assert calls == [1]


def test_cli_prune_runs_at_once(kit):
    rows(kit["tracker"][0])
    housekeeping.prune_due()  # the clock just ran: the command does not wait for it
    DeviceMessage.objects.create(
        device=kit["tracker"][0], key="old-2", received_at=timezone.now() - dt.timedelta(days=9)
    )
    out = io.StringIO()
    call_command("ingest", "prune", stdout=out)
    assert out.getvalue().strip() == "Dropped 1 ledger rows and 0 reject counts."
    assert keys() == (["new", "week"], ["kept", "today"])
