"""The staff side of a request: review, ask for a correction, approve / issue (with the letter's number,
verification code and validity), reject with a reason, revoke an issued letter. SPKT (operator) acts on
SKTLK, Intelkam on SKCK, crowd permits and STTP; the command on all. Each step is one transaction."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid

from . import letters, rules
from .common import NEXT, check_version, locked_for_change, move, text
from .models import Kind, Request, Signer, Status
from .submit import Refused, demo_checks, release


def _last_submitted(r: Request) -> dt.datetime:
    at = r.events.filter(status=Status.SUBMITTED).order_by("-at", "-pk").values_list("at", flat=True).first()
    return at or r.created_at


@transaction.atomic
def review(user, pk: Any, *, note: str = "", version: Any = None, at=None) -> Request:
    r = locked_for_change(user, pk)
    check_version(r, version)
    note = text(note, "note", required=False) or _("Your request is being reviewed.")
    return move(user, r, Status.IN_REVIEW, note, at=at)


@transaction.atomic
def ask_fix(user, pk: Any, *, message: str, version: Any = None, at=None) -> Request:
    """Back to the citizen, who corrects it with the private link and sends it again."""
    r = locked_for_change(user, pk)
    check_version(r, version)
    message = text(message, "message", lo=5, hi=1000, label=_("Message"))
    r.fix_message = message
    return move(user, r, Status.NEEDS_FIX, _("Please correct: %(m)s") % {"m": message}, at=at)


def _recheck(r: Request, now: dt.datetime) -> None:
    """The legal rules again at issue time (a forbidden place may have been added since submission)."""
    if r.kind == Kind.DEMO:
        breaches = demo_checks(
            lat=r.lat,
            lon=r.lon,
            start=r.starts_at,
            end=r.ends_at,
            indoor=bool(r.details.get("indoor")),
            polres=r.polres,
            at=_last_submitted(r),
        )
        if breaches:
            raise Refused(breaches)
    if r.kind == Kind.CROWD:
        zone = zoneinfo.ZoneInfo(r.polres.timezone or "Asia/Jakarta")
        submitted_on = _last_submitted(r).astimezone(zone).date()
        breaches = rules.crowd_breaches(r.scale, submitted_on, r.starts_at.astimezone(zone).date())
        if breaches:
            raise Refused(breaches)


@transaction.atomic
def approve(user, pk: Any, *, note: str = "", signer_name: str = "", version: Any = None, at=None) -> Request:
    """SKTLK / permit / STTP issued (numbered letter with a verification code), SKCK booking confirmed."""
    r = locked_for_change(user, pk)
    check_version(r, version)
    now = at or timezone.now()
    if r.status not in (Status.SUBMITTED, Status.IN_REVIEW):
        raise Invalid(
            _("Only a submitted or reviewed request can be approved."),
            code="illegal_transition",
            field="status",
        )
    if r.signer and rules.above_polres(r.signer):
        raise Invalid(_("This request is signed above the Polres: it was forwarded."), code="above_level")
    _recheck(r, now)
    note = text(note, "note", required=False)
    if r.kind in letters.SERIES:
        r.letter_number = letters.next_number(r.polres, r.kind, now)
        r.verify_code = letters.new_verify_code()
        r.issued_at = now
        r.valid_until = now + letters.SKTLK_VALID if r.kind == Kind.SKTLK else r.ends_at
        r.signer_name = text(signer_name, "signer_name", required=False, hi=120) or str(
            Signer(r.signer).label
        )
        note = note or _("%(kind)s issued with number %(n)s; download it with your private code.") % {
            "kind": {Kind.SKTLK: "SKTLK", Kind.CROWD: _("The permit"), Kind.DEMO: "STTP"}[r.kind],
            "n": r.letter_number,
        }
    else:
        note = note or _("Booking confirmed: come at the chosen time with your KTP, photos and the fee.")
    return move(user, r, Status.APPROVED, note, at=now, letter_number=r.letter_number)


@transaction.atomic
def reject(user, pk: Any, *, reason: str, version: Any = None, at=None) -> Request:
    r = locked_for_change(user, pk)
    check_version(r, version)
    reason = text(reason, "reason", lo=5, hi=1000, label=_("Reason"))
    if Status.REJECTED not in NEXT[r.status]:
        return move(user, r, Status.REJECTED, reason, at=at)  # raises the illegal-transition error
    r.reason = reason
    release(r)
    return move(user, r, Status.REJECTED, _("Rejected: %(r)s") % {"r": reason}, at=at)


@transaction.atomic
def revoke(user, pk: Any, *, reason: str, version: Any = None, at=None) -> Request:
    """An issued letter is withdrawn: its verification page says 'revoked' with the date and reason."""
    r = locked_for_change(user, pk)
    check_version(r, version)
    reason = text(reason, "reason", lo=5, hi=1000, label=_("Reason"))
    if r.status != Status.APPROVED or not r.issued_at:
        raise Invalid(_("Only an issued letter can be revoked."), code="illegal_transition", field="status")
    now = at or timezone.now()
    r.reason, r.revoked_at = reason, now
    return move(user, r, Status.REVOKED, _("Revoked: %(r)s") % {"r": reason}, at=now)
