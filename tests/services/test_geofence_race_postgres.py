"""PostgreSQL only: two workers observe the same transition at the same instant; exactly one alert.

Covers a first fix (both insert the subject's state: the unique key decides), a later transition (both
update the state: the version guard decides), the dwell sweep run by two tickers at once, and the real
ingest.alerts.raise_alert end to end. Runs when the suite runs on PostgreSQL (SIAGA_DATABASE_URL).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from siaga.geofences import engine, services
from siaga.geofences.models import GeofenceState
from tests.geofences.conftest import CENTRE, minutes, raised, square, w  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

IN = (CENTRE[1], CENTRE[0])
OUT = (CENTRE[1] + 0.05, CENTRE[0])


def together(n: int, fn) -> list[BaseException]:
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            fn()
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()  # each thread has its own connection

    pool = [threading.Thread(target=worker) for _ in range(n)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    return errors


def _fence(w, rules):  # noqa: F811
    k = w.u("kabag_ops")
    f = services.create_fence(k, name="Zona terlarang", kind="forbidden_zone", geometry=square())
    for r in rules:
        services.add_rule(k, f.pk, **r)
    return f


def test_two_workers_one_transition_one_alert(need_postgres, w, raised):  # noqa: F811
    _fence(w, [{"trigger": "enter"}, {"trigger": "leave"}])
    u = w.units["R4-01"]
    polres = w.tree.a.pk
    for m, where, kind in ((0, IN, "geofence.enter"), (1, OUT, "geofence.leave"), (2, IN, "geofence.enter")):
        before = len(raised.calls)
        fix = (u.pk, None, "", where[0], where[1], minutes(m))
        errors = together(4, lambda fix=fix: engine.observe(polres, [fix]))
        assert errors == []
        assert [c["kind"] for c in raised.calls[before:]] == [kind]
    s = GeofenceState.objects.get()
    assert s.inside and s.last_fix_at == minutes(2)


def test_two_tickers_one_dwell_alert(need_postgres, w, raised):  # noqa: F811
    _fence(w, [{"trigger": "dwell", "dwell_minutes": 5}])
    engine.observe(w.tree.a.pk, [(w.units["POS-01"].pk, None, "", IN[0], IN[1], minutes(0))])
    assert together(3, lambda: engine.sweep(minutes(10))) == []
    assert [c["kind"] for c in raised.calls] == ["geofence.dwell"]


def test_real_alerts_end_to_end(need_postgres, w):  # noqa: F811
    from siaga.ingest.models import DeviceAlert

    _fence(w, [{"trigger": "enter"}])
    u = w.units["R2-01"]
    fixes = [(u.pk, None, "", IN[0], IN[1], minutes(0)), (u.pk, None, "", IN[0], IN[1], minutes(1))]
    assert together(2, lambda: engine.observe(w.tree.a.pk, fixes)) == []
    assert list(DeviceAlert.objects.values_list("kind", flat=True)) == ["geofence.enter"]
