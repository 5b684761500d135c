"""PostgreSQL only: creating an incident while another writer holds the audit head does not deadlock.

An incident's number is drawn under a lock on its Polres row (cad/incidents.py), and every write then
appends to the audit trail under the audit head's lock (core/audit.py). Another writer that already holds
the audit head and stored a row pointing at the Polres (a citizen's report, a unit) has PostgreSQL
check that foreign key at COMMIT with FOR KEY SHARE on the Polres row. With FOR UPDATE on the Polres, each
waited for the other: PostgreSQL broke the cycle after a second and one write failed (seen under load as
503s and a throughput collapse). FOR NO KEY UPDATE lets the key check through. Runs when the suite runs on
PostgreSQL (SIAGA_DATABASE_URL).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from siaga.cad import incidents
from siaga.cad import services as cad_services
from siaga.cad.models import Incident
from siaga.core import audit
from siaga.core.context import acting
from tests.cad.conftest import bekasi_kelurahan, world  # noqa: F401  (fixtures)
from tests.cad.ops_fixtures import P_S1, ops  # noqa: F401  (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cur.fetchone()
    return bool(row) and row[0] == "Lock"


def test_an_incident_created_while_another_writer_holds_the_audit_head_does_not_deadlock(
    need_postgres,
    ops,  # noqa: F811
):
    operator = ops.u("operator")
    polres = operator.polres
    holding, creator_pid = threading.Event(), []
    outcome: dict[str, object] = {}

    def other_writer():
        """Holds the audit head with a row that points at the Polres, until the creator waits for it."""
        try:
            with acting(None, "test-writer"), transaction.atomic():
                # a unit of the Polres: the audit head locked, a row with a foreign key to the Polres
                cad_services.bulk_create_units(polres, [{"callsign": "LOCK-1", "kind": "r2"}])
                holding.set()
                deadline = time.monotonic() + 20
                while not (creator_pid and waiting_on_a_lock(creator_pid[0])):
                    assert time.monotonic() < deadline, "the creator never waited for the audit head"
                    time.sleep(0.02)
            outcome["writer"] = "committed"  # the foreign key to the Polres was checked at COMMIT
        except BaseException as e:
            outcome["writer"] = e
        finally:
            connections.close_all()

    def creator():
        try:
            holding.wait(20)
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                creator_pid.append(cur.fetchone()[0])
            i = incidents.create_incident(operator, category="curat", lat=P_S1[1], lon=P_S1[0])
            outcome["creator"] = i.pk
        except BaseException as e:
            outcome["creator"] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=other_writer), threading.Thread(target=creator)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcome.get("writer") == "committed", outcome
    assert isinstance(outcome.get("creator"), int), outcome
    assert Incident.objects.filter(pk=outcome["creator"]).exists()
    assert audit.verify().ok
