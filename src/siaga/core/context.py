"""Who is acting and under which request id: set by the middleware, the CLI and tasks, read by the audit."""

import contextlib
import uuid
from contextvars import ContextVar
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("siaga_request_id", default=None)
_actor: ContextVar[Any] = ContextVar("siaga_actor", default=None)


def new_request_id(prefix: str = "req") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def request_id() -> str:
    rid = _request_id.get()
    if rid is None:
        rid = new_request_id("proc")
        _request_id.set(rid)
    return rid


def current_actor() -> Any:
    return _actor.get()


@contextlib.contextmanager
def acting(actor: Any = None, rid: str | None = None):
    """Run a block as `actor` (a User or None for the system) under request id `rid`."""
    t1 = _actor.set(actor)
    t2 = _request_id.set(rid or new_request_id("ctx"))
    try:
        yield
    finally:
        _actor.reset(t1)
        _request_id.reset(t2)
