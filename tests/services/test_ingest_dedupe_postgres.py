"""PostgreSQL only: two workers (own connections, own transactions) given the same device messages at
the same moment store each exactly once (the dedupe ledger's unique constraint and the batch retry)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from siaga.cad.models import Incident, UnitPosition
from siaga.ingest.models import Device, DeviceMessage
from siaga.ingest.pipeline import Inbound, accept
from tests.ingest import conftest as ingest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
bekasi_kelurahan, world, polres, polsek, other_polres = (
    ingest.bekasi_kelurahan,
    ingest.world,
    ingest.polres,
    ingest.polsek,
    ingest.other_polres,
)
units, kit = ingest.units, ingest.kit


def race(batches: list[list[Inbound]]) -> tuple[list, list[BaseException]]:
    start = threading.Barrier(len(batches))
    results: list = [None] * len(batches)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            start.wait()
            results[k] = accept(batches[k])
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(len(batches))]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return results, errors


def test_same_messages_in_two_workers_are_stored_once(need_postgres, kit, units):
    _d, token = kit["tracker"]
    lon, lat = ingest.INSIDE[0]
    t0 = timezone.now() - dt.timedelta(minutes=10)
    msgs = [
        Inbound(
            "http", "generic", "trk-1",
            {"device": "trk-1", "type": "position", "at": (t0 + dt.timedelta(seconds=5 * i)).isoformat(),
             "lat": lat + i * 1e-5, "lon": lon},
            timezone.now(), None, token,
        )
        for i in range(50)
    ]  # fmt: skip
    for _round in range(3):
        results, errors = race([msgs, list(reversed(msgs))])
        assert errors == []
        statuses = [o.status for r in results for o in r]
        assert statuses.count("rejected") == 0
    assert UnitPosition.objects.count() == 50
    assert DeviceMessage.objects.count() == 50
    d = Device.objects.get(ref="trk-1")
    assert d.accepted_count == 50 and d.duplicate_count == 250
    assert d.last_fix_at == t0 + dt.timedelta(seconds=5 * 49)


def test_one_panic_in_two_workers_makes_one_incident(need_postgres, kit, units):
    _d, token = kit["phone"]
    lon, lat = ingest.INSIDE[0]
    body = {"device": "andi/hp", "id": "panic-1", "type": "panic", "lat": lat, "lon": lon}
    msg = Inbound("http", "generic", "andi/hp", body, timezone.now(), None, token)
    results, errors = race([[msg], [msg]])
    assert errors == []
    assert sorted(r[0].status for r in results) == ["accepted", "duplicate"]
    assert Incident.objects.filter(panic=True).count() == 1
