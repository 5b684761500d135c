"""The hash-chained audit trail: append inside the writer's transaction, verify from the CLI."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from . import context
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _stable(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):  # NaN/Infinity are not JSON; PostgreSQL rejects them
            return None
        # jsonb keeps numbers as numeric and gives 1e16 back as 10000000000000000 (an int): store
        # integral floats as ints so the value hashes the same after the round trip on every engine
        return int(value) if value.is_integer() else value
    if isinstance(value, str):  # PostgreSQL text and jsonb cannot hold NUL: same copy on every engine
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_stable(k): _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def canonical(value: Any) -> Any:
    """JSON-safe copy with stable types, so the stored JSON hashes the same after a round trip."""
    return _stable(json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True)))


def _digest(fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _fields(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": e.actor_id,
        "actor_label": e.actor_label,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "polres_id": e.polres_id,
        "before": e.before,
        "after": e.after,
        "request_id": e.request_id,
        "prev_hash": e.prev_hash,
    }


def append(
    action: str,
    *,
    object_type: str = "",
    object_id: Any = "",
    polres_id: int | None = None,
    before: Any = None,
    after: Any = None,
    actor: Any = None,
) -> AuditEntry:
    """Append one row. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.append must run inside the writer's transaction")
    actor = actor if actor is not None else context.current_actor()
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    entry = AuditEntry(
        seq=head.last_seq + 1,
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_label=(getattr(actor, "username", "") or "system")[:150],
        action=action[:100],
        object_type=object_type[:100],
        object_id=str(object_id)[:100],
        polres_id=polres_id,
        before=canonical(before),
        after=canonical(after),
        request_id=context.request_id()[:64],
        prev_hash=head.last_hash,
    )
    entry.hash = _digest(_fields(entry))
    entry.save()
    head.last_seq, head.last_hash = entry.seq, entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    checked: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _rows(batch: int = 5000) -> Iterator[AuditEntry]:
    last = None  # no lower bound: a row slipped in below seq 1 must be seen too
    while True:
        qs = AuditEntry.objects.order_by("seq")
        chunk = list((qs if last is None else qs.filter(seq__gt=last))[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def verify(progress=None) -> Verification:
    """Walk the chain in seq order and report the first broken link (edited, deleted or reordered rows)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for e in _rows():
        if e.seq < expected_seq:  # only possible below 1: seq is unique
            return Verification(checked, Break(e.seq, f"row {e.seq} is outside the chain (starts at 1)"))
        if e.seq != expected_seq:
            return Verification(
                checked, Break(expected_seq, f"row {expected_seq} is missing (next is {e.seq})")
            )
        if e.prev_hash != expected_prev:
            return Verification(checked, Break(e.seq, "link to the previous row does not match"))
        if _digest(_fields(e)) != e.hash:
            return Verification(checked, Break(e.seq, "row content does not match its hash"))
        expected_prev, expected_seq, checked = e.hash, e.seq + 1, checked + 1
        if progress:
            progress(1)
    head = AuditHead.objects.filter(id=1).first()
    last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS)
    if last_seq != expected_seq - 1 or last_hash != expected_prev:
        return Verification(
            checked, Break(expected_seq, f"chain ends at {expected_seq - 1}, head says {last_seq}")
        )
    return Verification(checked, None)
