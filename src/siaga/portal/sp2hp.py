"""SP2HP: progress notices to the reporter of a case under investigation.

Codes: A1 report under review, A2 inquiry cannot proceed, A3 goes to investigation, A4 investigation
progress, A5 case stopped (SP3). Schedule (counted in days from the report): the first notice within
3 days; then ringan days 10/20/30, sedang 15/30/45/60, sulit every 15 days to day 90; and at least
monthly in any case (every 30 days after the class schedule ends, and never more than 30 days after the
last notice). The schedule is a pure function (`due_offsets`, `next_due`), property-tested.

The reporter reads the notices by report number + name + date of birth; all three must match, lookups
are rate-limited, and a failure never says which field was wrong.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid, NotFound
from siaga.core.permissions import restrict

from .common import keyed_hash, limit_or_raise, normalise_code
from .models import Report, ReportStatus, Sp2hpCode, Sp2hpNotice
from .reports import _move, _publish, check_severity, locked_for_change, normalise_name, parse_dob

FIRST_DAYS = 3
MONTHLY_DAYS = 30
CLASS_OFFSETS: dict[str, tuple[int, ...]] = {
    "ringan": (10, 20, 30),
    "sedang": (15, 30, 45, 60),
    "sulit": tuple(range(15, 91, 15)),
}
DUE_SOON = dt.timedelta(days=2)  # "due" this long before the deadline
ENDS_CASE = {Sp2hpCode.A2, Sp2hpCode.A5}
LOOKUP_LIMIT = (5, 900)  # lookups per client and per report number per 15 minutes


# --- the schedule (pure) --------------------------------------------------------------------------


def due_offsets(severity: str, horizon_days: int = 365) -> list[int]:
    """Days after the report by which each successive notice is due, up to `horizon_days`."""
    if severity not in CLASS_OFFSETS:
        raise ValueError(f"unknown case class {severity!r}")
    offs = [FIRST_DAYS, *CLASS_OFFSETS[severity]]
    while offs[-1] + MONTHLY_DAYS <= horizon_days:
        offs.append(offs[-1] + MONTHLY_DAYS)
    return [o for o in offs if o <= horizon_days]


def next_due(start: dt.datetime, severity: str, issued: list[dt.datetime]) -> dt.datetime:
    """When the next notice is due, given the notices already issued (any order)."""
    n = len(issued)
    horizon = FIRST_DAYS + 90 + MONTHLY_DAYS * (n + 1)
    deadline = start + dt.timedelta(days=due_offsets(severity, horizon)[n])
    if issued:
        deadline = min(deadline, max(issued) + dt.timedelta(days=MONTHLY_DAYS))
    return deadline


def due_state(deadline: dt.datetime, now: dt.datetime) -> str:
    if now > deadline:
        return "overdue"
    if now >= deadline - DUE_SOON:
        return "due"
    return "ok"


# --- staff ----------------------------------------------------------------------------------------


@dataclass
class Due:
    report: Report
    deadline: dt.datetime
    state: str
    issued: int
    days_late: int


def due_list(user, now: dt.datetime | None = None, *, include_ok: bool = False) -> list[Due]:
    """Cases under investigation in the user's scope with their next SP2HP deadline, most urgent first."""
    now = now or timezone.now()
    qs = restrict(Report.objects.all(), user, "view").filter(status=ReportStatus.INVESTIGATING)
    out = []
    issued_by_report: dict[int, list[dt.datetime]] = {}
    for rid, at in Sp2hpNotice.objects.filter(report__in=qs).values_list("report_id", "issued_at"):
        issued_by_report.setdefault(rid, []).append(at)
    for r in qs.select_related("polsek"):
        issued = issued_by_report.get(r.pk, [])
        deadline = next_due(r.created_at, r.severity or "sedang", issued)
        state = due_state(deadline, now)
        if state != "ok" or include_ok:
            late = max(0, (now - deadline).days)
            out.append(Due(r, deadline, state, len(issued), late))
    out.sort(key=lambda d: (d.deadline, d.report.pk))
    return out


@transaction.atomic
def issue_notice(
    user, report: Report | int, *, code: str, text: str, severity: str = "", at: dt.datetime | None = None
) -> Sp2hpNotice:
    """Issue one notice. A3 moves an accepted report into investigation (its class is then required);
    A2 and A5 end the case."""
    r = locked_for_change(user, report)
    if code not in Sp2hpCode.values:
        raise Invalid(_("The SP2HP code is A1 to A5."), field="code")
    text = str(text or "").strip()
    if len(text) < 10:
        raise Invalid(_("Write the notice in at least 10 characters."), field="text")
    if len(text) > 4000:
        raise Invalid(_("The notice is longer than 4,000 characters."), field="text")
    if r.status == ReportStatus.ACCEPTED and code == Sp2hpCode.A3:
        r.severity = check_severity(severity or r.severity)
        r.investigation_started_at = at or timezone.now()
        _move(user, r, ReportStatus.INVESTIGATING, _("Case goes to investigation."), at=at)
    elif r.status != ReportStatus.INVESTIGATING:
        raise Invalid(
            _("SP2HP notices are for cases under investigation."), code="illegal_transition", field="code"
        )
    elif severity:
        r.severity = check_severity(severity)
        r.save(update_fields=["severity"])
    now = at or timezone.now()
    seq = (r.notices.aggregate(m=Max("seq"))["m"] or 0) + 1
    notice = Sp2hpNotice.objects.create(
        report=r, seq=seq, code=code, text=text, issued_at=now, issued_by=user
    )
    from .models import ReportEvent

    ReportEvent.objects.create(
        report=r,
        at=now,
        status=r.status,
        note=_("SP2HP notice %(code)s issued to the reporter.") % {"code": code},
        sp2hp_code=code,
        author=user,
    )
    r.updated_at, r.version = now, r.version + 1
    r.save(update_fields=["updated_at", "version"])
    _publish("portal.report.sp2hp_issued", r, code=code, seq=seq)
    if code in ENDS_CASE:
        _move(user, r, ReportStatus.CLOSED, _("Case closed (SP2HP %(code)s).") % {"code": code}, at=at)
    return notice


# --- the reporter ---------------------------------------------------------------------------------


def _find(number: str) -> Report | None:
    number = str(number or "").strip()
    if not number:
        return None
    r = Report.objects.filter(tracking_code=normalise_code(number)).first()
    if r is None and "/" in number:  # a Laporan Polisi number, e.g. LP/B/12/III/2026/SPKT/…
        from siaga.cad.models import PoliceReport

        lp = PoliceReport.objects.filter(number__iexact=number[:120]).first()
        if lp is not None:
            r = Report.objects.filter(incident_id=lp.incident_id).first()
    return r


def lookup(number: Any, name: Any, dob: Any, *, client: str = "") -> dict[str, Any]:
    """The reporter's own notices: all three must match; one generic answer for any mismatch."""
    limit_or_raise("sp2hp-client", keyed_hash(client), *LOOKUP_LIMIT)
    limit_or_raise("sp2hp-number", normalise_code(str(number or "")), *LOOKUP_LIMIT)
    nope = NotFound(_("No report matches these details. Check them and try again."), code="no_match")
    try:
        dob = parse_dob(dob)
    except Invalid:
        raise nope from None
    r = _find(str(number or ""))
    name_ok = r is not None and r.identified and r.reporter_name
    same_name = bool(name_ok) and hmac.compare_digest(
        normalise_name(r.reporter_name).encode(), normalise_name(str(name or "")).encode()
    )
    if not (same_name and dob is not None and r.reporter_dob == dob):
        raise nope
    return {
        "tracking_code": r.tracking_code,
        "status": r.status,
        "status_label": str(ReportStatus(r.status).label),
        "notices": [
            {
                "seq": n.seq,
                "code": n.code,
                "code_label": str(Sp2hpCode(n.code).label),
                "text": n.text,
                "issued_at": n.issued_at,
            }
            for n in r.notices.all()
        ],
    }
