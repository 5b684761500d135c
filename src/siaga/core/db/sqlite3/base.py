"""SQLite backend whose writers queue fairly in Python instead of in SQLite's busy handler.

SQLite has one writer at a time. Its busy handler is not a queue: every waiter sleeps and retries
(1…100 ms back-off), so under a sustained queue some writers keep losing the race until the busy timeout
expires and they fail with "database is locked". Here every write transaction first takes its turn in a
process-wide FIFO (one per database file) and only then issues `BEGIN IMMEDIATE`; the turn is handed to
the next writer at COMMIT / ROLLBACK / close. Writes outside a transaction (autocommit statements) take
a turn for the one statement. Nested atomic blocks are savepoints inside the outer transaction and take
no second turn.

Other processes writing the same file (a second `siaga` command, huey) still meet SQLite's own lock and
busy timeout; within a process, a writer waits its turn up to `WRITE_WAIT_S` and then fails with the
usual OperationalError("database is locked"), which the API answers as 503 + Retry-After.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque

from django.db import OperationalError
from django.db.backends.sqlite3 import base as sqlite_base

WRITE_WAIT_S = float(os.environ.get("SIAGA_DB_WRITE_WAIT_S", "15"))
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class WriterQueue:
    """A first-come, first-served lock with direct hand-off (a releasing holder names the next owner,
    so a newcomer can never overtake a waiter). Owners are tokens (the connection wrapper)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: object | None = None
        self._waiters: deque[tuple[threading.Event, object]] = deque()
        self.max_depth = 0  # deepest queue seen (diagnostics)

    @property
    def owner(self) -> object | None:
        return self._owner

    @property
    def depth(self) -> int:
        return len(self._waiters)

    def acquire(self, token: object, timeout: float | None = None) -> bool:
        with self._mutex:
            if self._owner is None and not self._waiters:
                self._owner = token
                return True
            entry = (threading.Event(), token)
            self._waiters.append(entry)
            self.max_depth = max(self.max_depth, len(self._waiters))
        if entry[0].wait(timeout):
            return True
        with self._mutex:
            if self._owner is token:  # handed over just as the wait ran out
                return True
            self._waiters.remove(entry)
            return False

    def release(self, token: object) -> None:
        with self._mutex:
            if self._owner is not token:
                return
            if self._waiters:
                event, self._owner = self._waiters.popleft()
                event.set()
            else:
                self._owner = None


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def writer_queue(name: str) -> WriterQueue:
    """The queue of one database file (all connections of the process to it share it)."""
    with _queues_lock:
        return _queues.setdefault(str(name), WriterQueue())


class QueuedCursor(sqlite_base.SQLiteCursorWrapper):
    """Takes a turn around a write statement run outside any transaction (autocommit)."""

    wrapper: DatabaseWrapper | None = None

    def _turn_needed(self, query: str) -> bool:
        w = self.wrapper
        return (
            w is not None
            and not w.holds_write_turn
            and not w.in_atomic_block
            and not self.connection.in_transaction
            and query[:16].lstrip()[:7].upper().startswith(_WRITES)
        )

    def execute(self, query, params=None):
        if self._turn_needed(query):
            with self.wrapper.write_turn():
                return _while_table_locked(super().execute, query, params)
        return _while_table_locked(super().execute, query, params)

    def executemany(self, query, param_list):
        if self._turn_needed(query):
            with self.wrapper.write_turn():
                return _while_table_locked(super().executemany, query, param_list)
        return _while_table_locked(super().executemany, query, param_list)


TABLE_LOCKED_WAIT_S = 2.0


def _while_table_locked(run, query, params):
    """Retry a statement refused with "database table is locked" (SQLITE_LOCKED) for up to
    TABLE_LOCKED_WAIT_S. That error comes from a shared-cache database (the in-memory test database that
    a live server's threads share), where a table lock held by another connection fails at once instead
    of waiting like the file lock (busy timeout). The refused statement changed nothing, so it can run
    again. A file database in WAL mode, as deployed, does not raise it."""
    deadline = None
    while True:
        try:
            return run(query, params)
        except sqlite_base.Database.OperationalError as e:
            if "table is locked" not in str(e):
                raise
            now = time.monotonic()
            deadline = deadline or now + TABLE_LOCKED_WAIT_S
            if now >= deadline:
                raise
            time.sleep(0.005)


class _Turn:
    def __init__(self, wrapper: DatabaseWrapper) -> None:
        self.wrapper = wrapper

    def __enter__(self):
        self.wrapper.take_write_turn()

    def __exit__(self, *exc):
        self.wrapper.give_back_write_turn()


class DatabaseWrapper(sqlite_base.DatabaseWrapper):
    holds_write_turn = False
    write_wait_s = WRITE_WAIT_S

    @property
    def _writer_queue(self) -> WriterQueue:
        return writer_queue(self.settings_dict["NAME"])

    def take_write_turn(self) -> None:
        if self.holds_write_turn:
            return
        t0 = time.monotonic()
        if not self._writer_queue.acquire(self, self.write_wait_s):
            raise OperationalError(
                f"database is locked (waited {time.monotonic() - t0:.1f} s for the writer queue)"
            )
        self.holds_write_turn = True

    def give_back_write_turn(self) -> None:
        if self.holds_write_turn:
            self.holds_write_turn = False
            self._writer_queue.release(self)

    def write_turn(self) -> _Turn:
        return _Turn(self)

    def _release_if_done(self) -> None:
        if not self.holds_write_turn:
            return
        conn = self.connection
        try:
            done = conn is None or not conn.in_transaction
        except Exception:  # a closed sqlite3 connection
            done = True
        if done:
            self.give_back_write_turn()

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=QueuedCursor)
        cursor.wrapper = self
        return cursor

    def _start_transaction_under_autocommit(self):
        self.take_write_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_if_done()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_if_done()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_if_done()

    def _close(self):
        try:
            return super()._close()
        finally:
            self.give_back_write_turn()
