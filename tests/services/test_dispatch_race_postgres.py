"""PostgreSQL only: two dispatchers send the same unit to two incidents at the same instant.

Exactly one wins (one active Assignment, the unit dispatched to the winner's incident); the other gets a
Conflict and its incident is unchanged. Also: concurrent creates with one idempotency key make one
incident, and concurrent creates get distinct consecutive numbers. Runs when the suite runs on
PostgreSQL (SIAGA_DATABASE_URL).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from siaga.cad import dispatching, incidents
from siaga.cad.models import Assignment, Incident, Unit
from siaga.core import audit
from siaga.core.errors import Conflict
from tests.cad.conftest import bekasi_kelurahan, world  # noqa: F401  (fixtures)
from tests.cad.ops_fixtures import P_S1, ops  # noqa: F401  (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(user, incident_ids: list[int], unit_id: int) -> tuple[list, list[BaseException]]:
    start = threading.Barrier(len(incident_ids))
    wins, errors = [], []

    def worker(incident_id: int) -> None:
        try:
            start.wait()
            wins.append(dispatching.dispatch(user, incident_id, unit_id).incident_id)
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()  # each thread has its own connection

    pool = [threading.Thread(target=worker, args=(i,)) for i in incident_ids]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    return wins, errors


def test_two_concurrent_dispatches_of_one_unit_exactly_one_wins(need_postgres, ops):  # noqa: F811
    dispatcher = ops.u("dispatcher")
    for _round in range(5):
        unit = ops.units["S1-R4"]
        pair = [
            incidents.create_incident(dispatcher, category="curat", lat=P_S1[1], lon=P_S1[0]).pk
            for _ in range(2)
        ]
        wins, errors = race(dispatcher, pair, unit.pk)
        assert len(wins) == 1 and len(errors) == 1, errors
        assert isinstance(errors[0], Conflict) and errors[0].status == 409
        winner, loser = wins[0], next(p for p in pair if p != wins[0])
        active = list(Assignment.objects.filter(unit=unit, active=True))
        assert [a.incident_id for a in active] == [winner]
        assert Incident.objects.get(pk=winner).status == "dispatched"
        lost = Incident.objects.get(pk=loser)
        assert lost.status == "created" and lost.version == 1 and lost.dispatched_at is None
        assert Unit.objects.get(pk=unit.pk).status == "dispatched"
        dispatching.set_unit_status(dispatcher, unit, "cleared")  # free it for the next round
    assert audit.verify().ok


def test_many_dispatchers_one_unit(need_postgres, ops):  # noqa: F811
    dispatcher = ops.u("dispatcher")
    ids = [
        incidents.create_incident(dispatcher, category="curat", lat=P_S1[1], lon=P_S1[0]).pk for _ in range(6)
    ]
    wins, errors = race(dispatcher, ids, ops.units["S1-R2"].pk)
    assert len(wins) == 1 and len(errors) == 5 and all(isinstance(e, Conflict) for e in errors)
    assert Assignment.objects.filter(active=True).count() == 1


def test_concurrent_creates_with_one_idempotency_key_make_one_incident(need_postgres, ops):  # noqa: F811
    operator = ops.u("operator")
    start = threading.Barrier(4)
    got, errors = [], []

    def worker() -> None:
        try:
            start.wait()
            i = incidents.create_incident(
                operator, category="curat", lat=P_S1[1], lon=P_S1[0], idempotency_key="tablet-retry-1"
            )
            got.append(i.pk)
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert errors == [] and len(got) == 4 and len(set(got)) == 1
    assert Incident.objects.count() == 1


def test_concurrent_creates_get_distinct_numbers(need_postgres, ops):  # noqa: F811
    operator = ops.u("operator")
    start = threading.Barrier(4)
    numbers, errors = [], []

    def worker() -> None:
        try:
            start.wait()
            for _ in range(3):
                numbers.append(
                    incidents.create_incident(operator, category="curat", lat=P_S1[1], lon=P_S1[0]).number
                )
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert errors == [] and len(numbers) == 12 and len(set(numbers)) == 12
    assert sorted(int(n.rsplit("/", 1)[1]) for n in numbers) == list(range(1, 13))
