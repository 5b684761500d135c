"""Every read of the operations room a user can trigger, through the one read gate (restrict)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.utils import timezone

from siaga.core.permissions import restrict

from .models import Call, Disposition, Incident, IncidentStatus, Unit

OPEN_STATUSES = tuple(s for s in IncidentStatus.values if s != IncidentStatus.CLOSED)


def incidents(
    user,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    category: str | None = None,
    status: str | None = None,
    kelurahan_code: str | None = None,
) -> QuerySet:
    """Incidents the user may see, newest first, optionally within [since, until) and filtered."""
    qs = restrict(Incident.objects.all(), user, "view")
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if until is not None:
        qs = qs.filter(received_at__lt=until)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    if kelurahan_code:
        qs = qs.filter(kelurahan_code=kelurahan_code)
    return qs.order_by("-received_at")


def recent_incidents(user, days: int = 7, *, now: dt.datetime | None = None) -> QuerySet:
    return incidents(user, since=(now or timezone.now()) - dt.timedelta(days=days))


def open_incidents(user) -> QuerySet:
    return restrict(Incident.objects.filter(status__in=OPEN_STATUSES), user, "view").order_by("-received_at")


def calls(
    user,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    disposition: str | None = None,
    caller_number: str | None = None,
) -> QuerySet:
    qs = restrict(Call.objects.all(), user, "view")
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if until is not None:
        qs = qs.filter(received_at__lt=until)
    if disposition:
        qs = qs.filter(disposition=disposition)
    if caller_number:
        qs = qs.filter(caller_number=caller_number)
    return qs.order_by("-received_at")


def call_summary(user, *, since: dt.datetime, until: dt.datetime | None = None) -> dict[str, int]:
    """Calls by disposition in the window, plus the total and the prank share (of answered calls)."""
    rows = calls(user, since=since, until=until).order_by().values("disposition").annotate(n=Count("id"))
    out = {r["disposition"] or "": r["n"] for r in rows}
    total = sum(out.values())
    answered = total - out.get(Disposition.ABANDONED, 0)
    out["total"] = total
    out["prank_share_pct"] = round(100 * out.get(Disposition.PRANK, 0) / answered) if answered else 0
    return out


def repeat_callers(user, *, since: dt.datetime, min_calls: int = 5, disposition: str = Disposition.PRANK):
    """Numbers that called at least `min_calls` times with this disposition since `since` (busiest first)."""
    return (
        calls(user, since=since, disposition=disposition)
        .exclude(caller_number="")
        .order_by()
        .values("caller_number")
        .annotate(n=Count("id"))
        .filter(n__gte=min_calls)
        .order_by("-n", "caller_number")
    )


def units(user, *, status: str | None = None, kind: str | None = None) -> QuerySet:
    qs = restrict(Unit.objects.all(), user, "view")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("callsign")


# --- live operations room (cad.api) ------------------------------------------------------------------


def incident_board(
    user,
    *,
    state: str | None = None,
    priority: int | None = None,
    polsek_id: int | None = None,
    since: dt.datetime | None = None,
    category: str | None = None,
) -> QuerySet:
    """Incidents for the board and GET /api/cad/incidents: state "open" (not closed) or "closed"."""
    qs = restrict(Incident.objects.all(), user, "view")
    if state == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        qs = qs.filter(status=IncidentStatus.CLOSED)
    if priority:
        qs = qs.filter(priority=priority)
    if polsek_id:
        qs = qs.filter(polsek_id=polsek_id)
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("-received_at", "-pk")


def units_with_incidents(
    user, *, status: str | None = None, kind: str | None = None
) -> list[tuple[Unit, int | None]]:
    """Units the user may see, each with its active incident's id (None when the incident is out of scope)."""
    from .models import Assignment

    qs = units(user, status=status, kind=kind)
    active = dict(Assignment.objects.filter(active=True, unit__in=qs).values_list("unit_id", "incident_id"))
    seen = set(
        restrict(Incident.objects.all(), user, "view")
        .filter(pk__in=set(active.values()))
        .values_list("pk", flat=True)
    )
    return [(u, active.get(u.pk) if active.get(u.pk) in seen else None) for u in qs]


def rows(qs: QuerySet, fields) -> list[dict]:
    """A (restricted, sliced) queryset as plain dicts of `fields`, in that order: no model instances."""
    return list(qs.values(*fields))


def unit_with_incident(user, pk: int) -> tuple[Unit, int | None]:
    """One unit the user may see (NotFound otherwise: outside the scope it does not exist), with its
    active incident's id when that incident is in the user's scope too."""
    from django.utils.translation import gettext as _

    from siaga.core.errors import NotFound

    from .models import Assignment

    u = restrict(Unit.objects.all(), user, "view").filter(pk=pk).first()
    if u is None:
        raise NotFound(_("Unit not found."))
    incident_id = (
        Assignment.objects.filter(active=True, unit_id=u.pk).values_list("incident_id", flat=True).first()
    )
    if (
        incident_id is not None
        and not restrict(Incident.objects.all(), user, "view").filter(pk=incident_id).exists()
    ):
        incident_id = None
    return u, incident_id
