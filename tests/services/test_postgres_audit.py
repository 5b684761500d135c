"""PostgreSQL only: concurrent writers keep the audit chain gapless (the AuditHead row lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from siaga.core import audit
from siaga.core.events import Event, publish
from siaga.core.models import AuditEntry, AuditHead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def hammer(threads: int, per_thread: int) -> list[BaseException]:
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    publish(Event("test.concurrent", "test.thing", f"{k}-{i}", after={"k": k, "i": i}))
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()  # each thread has its own connection

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return errors


def test_two_threads_appending_keep_a_gapless_chain(need_postgres):
    assert not AuditHead.objects.exists()  # both threads race to create the head row too
    errors = hammer(threads=2, per_thread=40)
    assert errors == []
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 81))
    assert AuditEntry.objects.values("object_id").distinct().count() == 80
    result = audit.verify()
    assert result.ok and result.checked == 80


def test_many_threads_appending_keep_a_gapless_chain(need_postgres):
    errors = hammer(threads=6, per_thread=15)
    assert errors == []
    assert audit.verify().ok and AuditHead.objects.get().last_seq == 90


def test_vendor_is_postgresql(need_postgres):
    assert need_postgres.vendor == "postgresql"
    with need_postgres.cursor() as cur:
        cur.execute("show server_version_num")
        assert int(cur.fetchone()[0]) >= 150000  # PostgreSQL 15+
