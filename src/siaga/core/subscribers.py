"""The standing subscribers: every event is audited in its transaction and pushed to realtime after commit."""

from __future__ import annotations

from . import audit, realtime
from .events import Event, subscribe


@subscribe("*", phase="in_transaction")
def write_audit(event: Event) -> None:
    if event.audit:
        audit.append(
            event.name,
            object_type=event.object_type,
            object_id=event.object_id,
            polres_id=event.polres_id,
            before=event.before,
            after=event.after,
        )


@subscribe("*", phase="after_commit")
def push_realtime(event: Event) -> None:
    realtime.push(event)
