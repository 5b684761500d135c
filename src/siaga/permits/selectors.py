"""Reads: the public status of a request (status and reasons only), and the staff queues through the one
read gate (restrict), narrowed to the kinds the user's unit handles."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from siaga.core.errors import NotFound
from siaga.core.permissions import restrict

from .common import kind_label, kinds_for, status_label
from .models import Request, Scale, Signer


def rupiah(n: int) -> str:
    return "Rp" + f"{int(n):,}".replace(",", ".")


def public_view(r: Request, owner: bool = False) -> dict[str, Any]:
    """What the public status page shows: kind, status, dates, public notes and reasons; no personal
    data. The owner (with the private code) also sees the correction asked for and the letter link."""
    out = {
        "tracking_code": r.tracking_code,
        "kind": r.kind,
        "kind_label": kind_label(r.kind),
        "status": r.status,
        "status_label": status_label(r.kind, r.status),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "reason": r.reason,
        "office": r.polsek.name if r.polsek_id else r.polres.name,
        "letter_number": r.letter_number,
        "has_letter": bool(r.issued_at),
        "events": [
            {"at": e.at, "status": e.status, "status_label": status_label(r.kind, e.status), "note": e.note}
            for e in r.events.all()
        ],
    }
    if r.slot_id:
        out["slot"] = {"starts_at": r.slot.starts_at, "ends_at": r.slot.ends_at}
        out["fee_rp"] = r.details.get("fee_rp")
        out["fee_text"] = rupiah(r.details.get("fee_rp") or 0)
    if owner:
        out["fix_message"] = r.fix_message
        out["verify_code"] = r.verify_code or ""
    return out


def staff_queue(user, kind: str | None = None, status: str | None = None, limit: int = 200):
    qs = restrict(Request.objects.all(), user, "view").filter(kind__in=kinds_for(user))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("polres", "polsek", "slot").order_by("created_at")[:limit]


def queue_counts(user) -> dict[tuple[str, str], int]:
    rows = (
        restrict(Request.objects.all(), user, "view")
        .filter(kind__in=kinds_for(user))
        .values("kind", "status")
        .annotate(n=Count("pk"))
    )
    return {(r["kind"], r["status"]): r["n"] for r in rows}


def staff_request(user, pk: int) -> Request:
    r = (
        restrict(Request.objects.all(), user, "view")
        .filter(kind__in=kinds_for(user), pk=pk)
        .select_related("polres", "polsek", "slot")
        .first()
    )
    if r is None:
        raise NotFound(_("Not found."))
    return r


def staff_row(r: Request) -> dict[str, Any]:
    return {
        "id": r.pk,
        "tracking_code": r.tracking_code,
        "kind": r.kind,
        "status": r.status,
        "status_label": status_label(r.kind, r.status),
        "name": r.name,
        "polres_id": r.polres_id,
        "polsek_id": r.polsek_id,
        "scale": r.scale,
        "scale_label": str(Scale(r.scale).label) if r.scale else "",
        "signer": r.signer,
        "signer_label": str(Signer(r.signer).label) if r.signer else "",
        "starts_at": r.starts_at,
        "slot_id": r.slot_id,
        "letter_number": r.letter_number,
        "reason": r.reason,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "version": r.version,
    }
