"""Reads a user can trigger, through the one read gate (restrict)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from siaga.cad.categories import BY_CODE
from siaga.core.errors import NotFound
from siaga.core.permissions import restrict

from .models import Report, ReportStatus, Sos
from .sos import reason_labels

FULL_IDENTITY_ROLES = frozenset({"admin", "commander", "kabag_ops", "operator"})


def report_queue(user, status: str | None = "new", limit: int = 200):
    qs = restrict(Report.objects.all(), user, "view").select_related("polsek")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at" if status == ReportStatus.NEW else "-updated_at")[:limit]


def queue_counts(user) -> dict[str, int]:
    from django.db.models import Count

    rows = restrict(Report.objects.all(), user, "view").values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def report_for(user, pk: int) -> Report:
    r = (
        restrict(Report.objects.all(), user, "view")
        .select_related("polsek", "incident")
        .filter(pk=pk)
        .first()
    )
    if r is None:
        raise NotFound(_("Not found."))
    return r


def reporter_identity(user, r: Report) -> dict[str, Any]:
    """The reporter as this staff member may see them: masked for roles that do not need it."""
    from lokal import wilayah  # noqa: F401
    from lokal.samaran import partial_mask

    if not r.identified:
        return {"identified": False}
    full = getattr(user, "role", None) in FULL_IDENTITY_ROLES
    return {
        "identified": True,
        "name": r.reporter_name if full else (r.reporter_name[:1] + "…" if r.reporter_name else ""),
        "phone": r.reporter_phone
        if full or not r.reporter_phone
        else partial_mask("PHONE", r.reporter_phone),
        "dob": r.reporter_dob if full else None,
        "masked": not full,
    }


def category_label(code: str) -> str:
    return str(BY_CODE[code].label) if code in BY_CODE else code


def sos_list(user, limit: int = 100) -> list[dict[str, Any]]:
    rows = (
        restrict(Sos.objects.all(), user, "view").select_related("incident").order_by("-received_at")[:limit]
    )
    return [
        {
            "id": s.pk,
            "kind": s.kind,
            "received_at": s.received_at,
            "lat": s.reported_lat,
            "lon": s.reported_lon,
            "doubtful": s.doubtful,
            "reasons": reason_labels(s.doubt_reasons),
            "prank": s.prank,
            "incident_id": s.incident_id,
            "incident_number": s.incident.number if s.incident_id else "",
            "pings": s.ping_count,
        }
        for s in rows
    ]
