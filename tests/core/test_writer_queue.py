"""The SQLite backend's process-wide writer queue (siaga.core.db.sqlite3): fair, nested-safe, released
on commit / rollback / close, and the reason many concurrent writers never see "database is locked"."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connections, transaction

from siaga.core.db.sqlite3.base import WriterQueue, writer_queue


def _register(alias: str, name: str, engine: str, busy_ms: int) -> None:
    cfg = {
        "ENGINE": engine,
        "NAME": name,
        "OPTIONS": {
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={busy_ms};",
            "transaction_mode": "IMMEDIATE",
        },
    }
    both = connections.configure_settings({"default": connections.settings["default"], alias: cfg})
    connections.settings[alias] = both[alias]


@pytest.fixture
def sqlite_file(tmp_path, django_db_blocker):
    """A file database (aliases `q` with the queue, `plain` with Django's stock backend), busy timeout 0:
    any waiting that happens is the queue's, never SQLite's busy handler."""
    name = str(tmp_path / "q.sqlite3")
    _register("q", name, "siaga.core.db.sqlite3", 0)
    _register("plain", name, "django.db.backends.sqlite3", 0)
    with django_db_blocker.unblock():  # no Django test database: this file is the test's own
        with connections["q"].cursor() as c:
            c.execute("CREATE TABLE t (seq INTEGER UNIQUE, who TEXT)")
        yield name
        for alias in ("q", "plain"):
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]


def _rows(alias="q"):
    with connections[alias].cursor() as c:
        c.execute("SELECT seq, who FROM t ORDER BY seq")
        return c.fetchall()


def _writers(alias: str, threads: int, each: int, hold_s: float) -> list[Exception]:
    """Each transaction reads the last sequence number and inserts the next (a race unless serialised)."""
    errors: list[Exception] = []
    start = threading.Barrier(threads)

    def work(k):
        start.wait()
        try:
            for _ in range(each):
                try:
                    with transaction.atomic(using=alias), connections[alias].cursor() as c:
                        c.execute("SELECT coalesce(max(seq), 0) FROM t")
                        seq = c.fetchone()[0] + 1
                        time.sleep(hold_s)
                        c.execute("INSERT INTO t (seq, who) VALUES (%s, %s)", [seq, f"w{k}"])
                except Exception as e:
                    errors.append(e)
        finally:
            connections[alias].close()

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return errors


def test_many_concurrent_writers_all_succeed_in_sequence(sqlite_file):
    errors = _writers("q", threads=16, each=8, hold_s=0.002)
    assert errors == []
    rows = _rows()
    assert [r[0] for r in rows] == list(range(1, 16 * 8 + 1))  # no lost or doubled sequence number
    assert len({r[1] for r in rows}) == 16
    assert writer_queue(sqlite_file).owner is None and writer_queue(sqlite_file).depth == 0


def test_the_stock_backend_fails_the_same_load(sqlite_file):
    """The contrast that makes the test above meaningful: without the queue, with the same zero busy
    timeout, concurrent writers get "database is locked"."""
    errors = _writers("plain", threads=8, each=4, hold_s=0.005)
    assert errors and all("locked" in str(e) for e in errors)


def test_the_queue_is_first_come_first_served():
    q = WriterQueue()
    holder = object()
    assert q.acquire(holder)
    order: list[int] = []
    ts = []
    for k in range(6):
        t = threading.Thread(target=lambda k=k: (q.acquire(k, 10), order.append(k), q.release(k)))
        t.start()
        ts.append(t)
        while q.depth < k + 1:  # each waiter is queued before the next arrives
            time.sleep(0.001)
    assert q.acquire("late", 0.01) is False and q.depth == 6  # a timed-out waiter leaves the queue
    q.release(holder)
    for t in ts:
        t.join(10)
    assert order == [0, 1, 2, 3, 4, 5] and q.owner is None


def test_nested_atomic_savepoints_hold_one_turn_and_release_at_the_end(sqlite_file):
    q = writer_queue(sqlite_file)
    conn = connections["q"]
    with transaction.atomic(using="q"):
        assert q.owner is conn
        with connections["q"].cursor() as c:
            c.execute("INSERT INTO t VALUES (1, 'outer')")
        with pytest.raises(ValueError), transaction.atomic(using="q"):
            with connections["q"].cursor() as c:
                c.execute("INSERT INTO t VALUES (2, 'inner')")
            raise ValueError
        with transaction.atomic(using="q"):
            assert q.owner is conn and q.depth == 0
            with connections["q"].cursor() as c:
                c.execute("INSERT INTO t VALUES (3, 'inner kept')")
    assert q.owner is None
    assert _rows() == [(1, "outer"), (3, "inner kept")]


def test_a_failed_transaction_rolls_back_whole_and_gives_the_turn_back(sqlite_file):
    q = writer_queue(sqlite_file)
    with pytest.raises(RuntimeError), transaction.atomic(using="q"):
        with connections["q"].cursor() as c:
            c.execute("INSERT INTO t VALUES (1, 'half')")
        raise RuntimeError("boom")
    assert q.owner is None and _rows() == []  # nothing half-written


def test_autocommit_writes_wait_their_turn(sqlite_file):
    q = writer_queue(sqlite_file)
    done = threading.Event()
    with transaction.atomic(using="q"):

        def outside():
            with connections["q"].cursor() as c:
                c.execute("INSERT INTO t VALUES (2, 'autocommit')")  # no atomic block
            connections["q"].close()
            done.set()

        t = threading.Thread(target=outside)
        t.start()
        while q.depth < 1:
            time.sleep(0.001)
        assert not done.is_set()  # queued behind the open transaction, not failing on busy_timeout=0
        with connections["q"].cursor() as c:
            c.execute("INSERT INTO t VALUES (1, 'first')")
    t.join(10)
    assert done.is_set() and _rows() == [(1, "first"), (2, "autocommit")] and q.owner is None


def test_a_writer_that_waits_too_long_gets_database_is_locked_and_leaves_the_queue(sqlite_file):
    q = writer_queue(sqlite_file)
    caught: list[Exception] = []

    def late():
        connections["q"].write_wait_s = 0.05
        try:
            with transaction.atomic(using="q"), connections["q"].cursor() as c:
                c.execute("INSERT INTO t VALUES (9, 'late')")
        except OperationalError as e:
            caught.append(e)
        finally:
            connections["q"].close()

    with transaction.atomic(using="q"):
        t = threading.Thread(target=late)
        t.start()
        t.join(10)
        assert q.depth == 0
    assert len(caught) == 1 and "database is locked" in str(caught[0])
    assert _rows() == [] and q.owner is None


def test_closing_a_connection_inside_a_transaction_gives_the_turn_back(sqlite_file):
    q = writer_queue(sqlite_file)
    conn = connections["q"]
    with pytest.raises(Exception), transaction.atomic(using="q"):  # noqa: B017
        with conn.cursor() as c:
            c.execute("INSERT INTO t VALUES (1, 'x')")
        conn.close()
        assert q.owner is None
        raise RuntimeError
    assert q.owner is None and _rows() == []


def test_a_shared_cache_table_lock_is_waited_out_not_raised_at_once(tmp_path):
    """Two connections to one shared-cache database (as a live server's threads share the in-memory
    test database): a table locked by the other's open write transaction refuses at once with
    "database table is locked"; the cursor retries until the lock is gone."""
    import sqlite3
    import threading
    import time as _time

    from siaga.core.db.sqlite3 import base

    uri = f"file:locktest{id(tmp_path)}?mode=memory&cache=shared"
    a = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    b = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    a.execute("CREATE TABLE t (x)")
    a.execute("BEGIN")
    a.execute("INSERT INTO t VALUES (1)")  # a holds t's write lock until it commits
    with pytest.raises(sqlite3.OperationalError, match="table is locked"):
        b.execute("SELECT count(*) FROM t")  # without the retry: refused at once
    threading.Timer(0.1, lambda: a.execute("COMMIT")).start()
    started = _time.monotonic()
    rows = base._while_table_locked(lambda q, p: b.execute(q, p).fetchall(), "SELECT count(*) FROM t", ())
    assert rows == [(1,)] and _time.monotonic() - started >= 0.05


def test_other_errors_and_a_lock_held_too_long_are_raised(monkeypatch):
    import sqlite3

    from siaga.core.db.sqlite3 import base

    calls = []

    def broken(q, p):
        calls.append(q)
        raise sqlite3.OperationalError("no such table: t")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        base._while_table_locked(broken, "SELECT 1", ())
    assert len(calls) == 1  # not retried

    def locked(q, p):
        raise sqlite3.OperationalError("database table is locked: t")

    monkeypatch.setattr(base, "TABLE_LOCKED_WAIT_S", 0.05)
    with pytest.raises(sqlite3.OperationalError, match="table is locked"):
        base._while_table_locked(locked, "SELECT 1", ())
