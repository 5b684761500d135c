"""Shared by the permits services: codes and secrets, the workflow table, who acts on which kind,
status labels per kind, audit snapshots, events and notices to the requester."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siaga.core.errors import Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.notifications import Notice, notify
from siaga.core.permissions import restrict
from siaga.core.roles import Role
from siaga.portal.common import CROCKFORD, keyed_hash, misses_limited, normalise_code, note_miss

from .models import Kind, Request, RequestEvent, Status

St = Status
SECRET_LEN = 16  # 80 bits: the requester's private code
VERIFY_LEN = 20  # 100 bits: the verification code printed in the QR

# the workflow: which state may follow which (staff moves and the citizen's resubmit / cancel)
NEXT: dict[str, frozenset[str]] = {
    St.SUBMITTED: frozenset(
        {St.IN_REVIEW, St.NEEDS_FIX, St.APPROVED, St.REJECTED, St.CANCELLED, St.FORWARDED}
    ),
    St.IN_REVIEW: frozenset({St.NEEDS_FIX, St.APPROVED, St.REJECTED, St.CANCELLED}),
    St.NEEDS_FIX: frozenset({St.SUBMITTED, St.REJECTED, St.CANCELLED}),
    St.APPROVED: frozenset({St.REVOKED, St.CANCELLED}),
    St.REJECTED: frozenset(),
    St.FORWARDED: frozenset(),
    St.CANCELLED: frozenset(),
    St.REVOKED: frozenset(),
}
OPEN = (St.SUBMITTED, St.IN_REVIEW, St.NEEDS_FIX)

# which role handles which kind: SPKT (operator) the SKTLK, Intelkam the rest; the command may act on all
ACTS_ON: dict[str, frozenset[str]] = {
    Role.OPERATOR: frozenset({Kind.SKTLK}),
    Role.INTELKAM: frozenset({Kind.SKCK, Kind.CROWD, Kind.DEMO}),
    Role.COMMANDER: frozenset(Kind.values),
    Role.KABAG_OPS: frozenset(Kind.values),
    Role.ADMIN: frozenset(Kind.values),
}

APPROVED_LABEL = {
    Kind.SKTLK: gettext_lazy("SKTLK issued"),
    Kind.SKCK: gettext_lazy("Pre-registration confirmed"),
    Kind.CROWD: gettext_lazy("Permit issued"),
    Kind.DEMO: gettext_lazy("STTP issued"),
}
PATHS = {Kind.SKTLK: "sktlk", Kind.SKCK: "skck", Kind.CROWD: "keramaian", Kind.DEMO: "unjuk-rasa"}


def kinds_for(user) -> frozenset[str]:
    return ACTS_ON.get(getattr(user, "role", None), frozenset())


def status_label(kind: str, status: str) -> str:
    if status == St.APPROVED:
        return str(APPROVED_LABEL[kind])
    return str(St(status).label)


def kind_label(kind: str) -> str:
    return str(Kind(kind).label)


def new_code(n: int) -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(n))


def new_secret() -> str:
    return new_code(SECRET_LEN)


def secret_ok(r: Request, secret: Any) -> bool:
    given = normalise_code(str(secret or ""))
    return bool(given) and hmac.compare_digest(keyed_hash("permits:" + given), r.secret_hash)


def hash_secret(secret: str) -> str:
    return keyed_hash("permits:" + normalise_code(secret))


def _by_code(code: Any) -> Request:
    r = (
        Request.objects.select_related("polres", "polsek", "slot")
        .filter(tracking_code=normalise_code(code))
        .first()
    )
    if r is None:
        raise NotFound(_("No request has this tracking code."))
    return r


def by_code(code: Any, client: str = "") -> Request:
    """The request behind a tracking code; `client` (the caller's address) for the limit on unknown codes."""
    with misses_limited(client):
        return _by_code(code)


def by_code_and_secret(code: Any, secret: Any, client: str = "") -> Request:
    """The requester's own request: the tracking code and the private code given at submission. An unknown
    code or a wrong private code counts against `client`'s lookup limit."""
    with misses_limited(client):
        r = _by_code(code)
        if not secret_ok(r, secret):
            raise Forbidden(_("The private code does not match this request."), code="bad_secret")
    return r


def is_owner(r: Request, secret: Any, client: str = "") -> bool:
    """Does `secret` open the owner's view? A wrong one (not an empty one) counts as a lookup miss."""
    if secret_ok(r, secret):
        return True
    if str(secret or "").strip():
        note_miss(client)
    return False


def snapshot(r: Request) -> dict[str, Any]:
    """What the audit trail keeps: no name, NIK, contact or date of birth."""
    return {
        "tracking_code": r.tracking_code,
        "kind": r.kind,
        "status": r.status,
        "polsek_id": r.polsek_id,
        "slot_id": r.slot_id,
        "signer": r.signer,
        "letter_number": r.letter_number,
        "reason": r.reason,
        "version": r.version,
    }


def emit(name: str, r: Request, before=None, **data) -> None:
    publish(Event(name, "permits.request", r.pk, r.polres_id, before=before, after=snapshot(r), data=data))


def tell_requester(r: Request, note: str) -> None:
    """An e-mail (and any other channel) to the requester on a change of state; sent after commit."""
    if not (r.email or r.phone):
        return
    link = f"/layanan/status/{r.tracking_code}/"  # the stable address (no URLconf needed in CLI jobs)
    body = _(
        "Your request %(code)s (%(kind)s) is now: %(status)s.\n\n%(note)s\n\n"
        "Follow it at %(link)s (tracking code %(code)s)."
    ) % {
        "code": r.tracking_code,
        "kind": kind_label(r.kind),
        "status": status_label(r.kind, r.status),
        "note": note,
        "link": link,
    }
    notify(
        Notice(
            subject=_("Request %(code)s: %(status)s")
            % {"code": r.tracking_code, "status": status_label(r.kind, r.status)},
            body=body,
            email=r.email,
            phone=r.phone,
            kind=f"permits.request.{r.status}",
            data={"tracking_code": r.tracking_code},
        )
    )


def move(user, r: Request, to: str, note: str, *, staff_note: str = "", at=None, **data) -> Request:
    """One step of the workflow: checked against NEXT, timestamped, audited, told to the requester."""
    if to not in NEXT[r.status]:
        raise Invalid(
            _("A request cannot go from %(a)s to %(b)s.")
            % {"a": status_label(r.kind, r.status), "b": status_label(r.kind, to)},
            code="illegal_transition",
            field="status",
        )
    before = snapshot(r)
    now = at or timezone.now()
    r.status, r.updated_at, r.version = to, now, r.version + 1
    r.save()
    RequestEvent.objects.create(request=r, at=now, status=to, note=note, staff_note=staff_note, author=user)
    emit(f"permits.request.{to}", r, before, **data)
    tell_requester(r, note)
    return r


def locked_for_change(user, pk: Any) -> Request:
    """The request, locked, if this staff member may act on it (scope, role and kind); else 404/403."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as e:
        raise NotFound(_("Not found.")) from e
    seen = restrict(Request.objects.filter(pk=pk), user, "view").first()
    if seen is None:
        raise NotFound(_("Not found."))
    if not restrict(Request.objects.filter(pk=pk), user, "change").exists():
        raise Forbidden(_("You may not change this record."))
    if seen.kind not in kinds_for(user):
        raise Forbidden(
            _("%(kind)s requests are handled by another unit.") % {"kind": kind_label(seen.kind)},
            code="wrong_unit",
        )
    return (
        Request.objects.select_for_update(of=("self",)).select_related("polres", "polsek", "slot").get(pk=pk)
    )


def check_version(r: Request, version: Any) -> None:
    from siaga.core.errors import check_version as check

    check(r.version, version, _("The request was changed by someone else: reload it."))


def text(
    value: Any, field: str, *, required: bool = True, lo: int = 1, hi: int = 1000, label: str = ""
) -> str:
    value = str(value or "").strip()
    if field not in {"chronology", "description", "note", "message", "reason"}:
        value = " ".join(value.split())
    if not value:
        if required:
            raise Invalid(_("%(f)s is required.") % {"f": label or field}, field=field)
        return ""
    if len(value) < lo:
        raise Invalid(
            _("%(f)s needs at least %(n)d characters.") % {"f": label or field, "n": lo}, field=field
        )
    if len(value) > hi:
        raise Invalid(
            _("%(f)s has more than %(n)d characters.") % {"f": label or field, "n": hi}, field=field
        )
    return value
