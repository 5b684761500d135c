"""The citizen's side: submit a request of any kind (validated in full, stored at once with its first
step, or refused with the reasons and nothing stored), correct it when asked, cancel it.

A retry with the same idempotency key returns the first request and the same private code: the code is
derived from the key with the server's secret, so only the client that made the key can recover it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from siaga.core.errors import Conflict, Invalid, ServiceError
from siaga.portal.common import CROCKFORD, check_key, keyed_hash, limit_stored

from . import rules, slots
from .common import (
    OPEN,
    PATHS,
    by_code_and_secret,
    emit,
    hash_secret,
    kind_label,
    move,
    new_code,
    tell_requester,
    text,
)
from .letters import ITEM_KINDS
from .models import ForbiddenPlace, Kind, Request, RequestEvent, Scale, Signer, Status

RATE_IP = (20, 3600)  # requests per client address per hour (counted once stored)
MAX_ITEMS = 10
NIK_RE = re.compile(r"^\d{16}$")
PHONE_RE = re.compile(r"^\+?\d{8,15}$")


class Refused(Invalid):
    """The request breaks one or more legal rules; every reason is kept for the citizen."""

    code = "rule"

    def __init__(self, breaches: list[rules.Breach]):
        super().__init__(
            " ".join(b.message for b in breaches), code=breaches[0].rule, field=breaches[0].field
        )
        self.breaches = breaches


@dataclass
class Submitted:
    request: Request
    secret: str
    created: bool


def secret_for_key(key: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"permits-secret:{key}".encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:10], "big")
    return "".join(CROCKFORD[(n >> (5 * i)) & 31] for i in range(16))


# --- field parsers ------------------------------------------------------------------------------------


def parse_nik(value: Any) -> str:
    """A 16-digit NIK: province code 11-94, day of birth 01-31 (41-71 for women), month 01-12."""
    nik = re.sub(r"[\s.\-]", "", str(value or ""))
    ok = bool(NIK_RE.match(nik))
    if ok:
        prov, day, month = int(nik[:2]), int(nik[6:8]), int(nik[8:10])
        ok = 11 <= prov <= 94 and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12
    if not ok:
        raise Invalid(_("The NIK must be the 16 digits printed on the KTP."), field="nik")
    return nik


def parse_email(value: Any, required: bool = True) -> str:
    email = str(value or "").strip()
    if not email:
        if required:
            raise Invalid(
                _("An e-mail address is required: we send every change of status there."), field="email"
            )
        return ""
    try:
        validate_email(email)
    except ValidationError as e:
        raise Invalid(_("The e-mail address is not valid."), field="email") from e
    return email[:254]


def parse_phone(value: Any) -> str:
    phone = re.sub(r"[\s\-().]", "", str(value or ""))
    if phone and not PHONE_RE.match(phone):
        raise Invalid(_("The telephone number is not valid."), field="phone")
    return phone


def parse_date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError as e:
        raise Invalid(_("Write the date as YYYY-MM-DD."), field=field) from e


def parse_when(value: Any, field: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """A date and time: an ISO value with a zone, or a local one (the form's datetime-local) in `zone`."""
    if isinstance(value, dt.datetime):
        v = value
    else:
        try:
            v = dt.datetime.fromisoformat(str(value or "").strip())
        except ValueError as e:
            raise Invalid(_("Write the date and time as YYYY-MM-DD HH:MM."), field=field) from e
    if v.tzinfo is None:
        v = v.replace(tzinfo=zone)
    return v.astimezone(zone)


def parse_int(value: Any, field: str, lo: int, hi: int, label: str) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError) as e:
        raise Invalid(_("%(f)s must be a whole number.") % {"f": label}, field=field) from e
    if not lo <= n <= hi:
        raise Invalid(
            _("%(f)s must be between %(lo)d and %(hi)d.") % {"f": label, "lo": lo, "hi": hi}, field=field
        )
    return n


def parse_point(lat: Any, lon: Any, required: bool) -> tuple[float | None, float | None]:
    if lat in (None, "") and lon in (None, ""):
        if required:
            raise Invalid(_("Mark the gathering point (latitude and longitude)."), field="lat")
        return None, None
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError) as e:
        raise Invalid(_("Latitude and longitude must be numbers."), field="lat") from e
    if not (-11.5 <= la <= 6.5 and 94.0 <= lo <= 141.5):
        raise Invalid(_("The point is outside Indonesia."), field="lat")
    return la, lo


def _flag(v: Any) -> bool:
    return v is True or str(v or "").strip().lower() in {"1", "true", "on", "yes", "ya"}


def parse_items(items: Any) -> list[dict[str, str]]:
    out = []
    for it in items or []:
        kind = str((it or {}).get("kind", "")).strip()
        ident = " ".join(str((it or {}).get("identifier", "")).split())
        if not kind and not ident:
            continue
        if kind not in ITEM_KINDS:
            raise Invalid(_("Choose the kind of each lost item from the list."), field="items")
        if len(ident) > 60:
            raise Invalid(_("An item's number has more than 60 characters."), field="items")
        out.append({"kind": kind, "identifier": ident})
    if not out:
        raise Invalid(_("List at least one lost item."), field="items")
    if len(out) > MAX_ITEMS:
        raise Invalid(_("At most 10 items in one certificate."), field="items")
    return out


# --- where a request belongs ----------------------------------------------------------------------------


def _office(value: Any):
    """(polres, polsek) from a form value 'polres-<id>' / 'polsek-<id>'; the first Polres by default."""
    from siaga.territory.models import Polres, Polsek

    v = str(value or "").strip()
    m = re.fullmatch(r"(polres|polsek)-(\d+)", v)
    if m and m[1] == "polsek":
        ps = Polsek.objects.select_related("polres").filter(pk=int(m[2])).first()
        if ps is not None:
            return ps.polres, ps
    if m and m[1] == "polres":
        p = Polres.objects.filter(pk=int(m[2])).first()
        if p is not None:
            return p, None
    if v:
        raise Invalid(_("Choose the police office from the list."), field="office")
    p = Polres.objects.order_by("pk").first()
    if p is None:
        raise Invalid(_("This service is not available yet."), field="office")
    return p, None


def _placed(lat, lon, office):
    """(polres, polsek) of an event: from its point when given, else from the chosen office."""
    if lat is not None:
        from siaga.portal.common import polres_for_point

        polres, loc = polres_for_point(lat, lon)
        if polres is not None:
            polsek = None
            if loc is not None and loc.polsek_id:
                from siaga.territory.models import Polsek

                polsek = Polsek.objects.filter(pk=loc.polsek_id, polres=polres).first()
            return polres, polsek
    return _office(office)


def _zone(polres) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(polres.timezone or "Asia/Jakarta")


# --- per kind ----------------------------------------------------------------------------------------------


def _person(f: dict, need_email: bool = True) -> dict[str, Any]:
    return {
        "name": text(f.get("name"), "name", lo=2, hi=120, label=_("Name")),
        "nik": parse_nik(f.get("nik")),
        "email": parse_email(f.get("email"), need_email),
        "phone": parse_phone(f.get("phone")),
    }


def _sktlk(f: dict, now: dt.datetime) -> dict[str, Any]:
    polres, polsek = _office(f.get("office"))
    lost_on = parse_date(f.get("lost_on"), "lost_on")
    today = now.astimezone(_zone(polres)).date()
    if lost_on > today:
        raise Invalid(_("The date of loss cannot be in the future."), field="lost_on")
    if lost_on < today - dt.timedelta(days=366):
        raise Invalid(
            _("The date of loss is more than a year ago: come to the SPKT in person."), field="lost_on"
        )
    details = {
        "items": parse_items(f.get("items")),
        "lost_on": lost_on.isoformat(),
        "lost_place": text(f.get("lost_place"), "lost_place", lo=3, hi=200, label=_("Place of loss")),
        "chronology": text(f.get("chronology"), "chronology", lo=20, hi=4000, label=_("Chronology")),
    }
    signer = Signer.KAPOLSEK if polsek else Signer.KAPOLRES
    return {"polres": polres, "polsek": polsek, "details": details, "signer": signer}


SKCK_PURPOSES = ("pekerjaan", "cpns", "pendidikan", "visa", "pencalonan", "adopsi", "lainnya")


def _skck(f: dict, now: dt.datetime) -> dict[str, Any]:
    dob = parse_date(f.get("dob"), "dob")
    if not dt.date(1900, 1, 1) <= dob <= now.date() - dt.timedelta(days=365 * 17):
        raise Invalid(_("An SKCK applicant must be at least 17 years old."), field="dob")
    purpose = str(f.get("purpose") or "").strip()
    if purpose not in SKCK_PURPOSES:
        raise Invalid(_("Choose the purpose of the SKCK from the list."), field="purpose")
    note = text(
        f.get("purpose_note"), "purpose_note", required=purpose == "lainnya", lo=3, hi=200, label=_("Purpose")
    )
    if f.get("slot") in (None, ""):
        raise Invalid(_("Choose an appointment slot."), field="slot")
    return {"dob": dob, "details": {"purpose": purpose, "purpose_note": note, "fee_rp": slots.SKCK_FEE_RP}}


def _scale(v: Any) -> str:
    if v not in Scale.values:
        raise Invalid(_("Choose the scale of the event from the list."), field="scale")
    return v


def _window(f: dict, zone, now: dt.datetime, max_days: int) -> tuple[dt.datetime, dt.datetime]:
    start = parse_when(f.get("starts_at"), "starts_at", zone)
    end = parse_when(f.get("ends_at"), "ends_at", zone)
    if start <= now:
        raise Invalid(_("The start must lie in the future."), field="starts_at")
    if end <= start:
        raise Invalid(_("The end must come after the start."), field="ends_at")
    if end - start > dt.timedelta(days=max_days):
        raise Invalid(_("The event lasts too long for one request."), field="ends_at")
    if start - now > dt.timedelta(days=366):
        raise Invalid(_("The start is more than a year ahead."), field="starts_at")
    return start, end


def _crowd(f: dict, now: dt.datetime) -> dict[str, Any]:
    lat, lon = parse_point(f.get("lat"), f.get("lon"), required=False)
    polres, polsek = _placed(lat, lon, f.get("office"))
    zone = _zone(polres)
    scale = _scale(f.get("scale"))
    details = {
        "title": text(f.get("title"), "title", lo=3, hi=200, label=_("Event")),
        "organiser": text(f.get("organiser"), "organiser", lo=2, hi=200, label=_("Organiser")),
        "place": text(f.get("place"), "place", lo=3, hi=300, label=_("Place")),
        "participants": parse_int(f.get("participants"), "participants", 1, 1_000_000, _("Participants")),
        "description": text(f.get("description"), "description", required=False, hi=4000),
    }
    start, end = _window(f, zone, now, 30)
    breaches = []
    if _flag(f.get("political")):
        breaches.append(
            rules.Breach(
                "crowd_political",
                _(
                    "Political activities need a notice, not a permit (%(src)s): send a notice of public "
                    "expression instead."
                )
                % {"src": rules.SRC_CROWD},
                "political",
            )
        )
    breaches += rules.crowd_breaches(scale, now.astimezone(zone).date(), start.date())
    if breaches:
        raise Refused(breaches)
    signer = rules.signer_for(scale)
    if signer == Signer.KAPOLSEK and polsek is None:
        signer = Signer.KAPOLRES  # no Polsek known for the place: the Polres signs
    return {
        "polres": polres,
        "polsek": polsek,
        "details": details,
        "starts_at": start,
        "ends_at": end,
        "lat": lat,
        "lon": lon,
        "scale": scale,
        "signer": signer,
    }


DEMO_LABELS = {
    "purpose": gettext_noop("Purpose"),
    "place": gettext_noop("Place"),
    "form": gettext_noop("Form of the activity"),
    "coordinator": gettext_noop("Coordinator"),
    "organisation": gettext_noop("Organisation"),
    "props": gettext_noop("Props"),
    "participants": gettext_noop("Participants"),
}


def demo_checks(
    *, lat: float, lon: float, start: dt.datetime, end: dt.datetime, indoor: bool, polres, at: dt.datetime
) -> list[rules.Breach]:
    """Every time and place rule of a demonstration notice (also re-checked when staff issue the STTP)."""
    zone = _zone(polres)
    start, end = start.astimezone(zone), end.astimezone(zone)
    out = []
    for b in (
        rules.demo_lead_breach(at, start),
        rules.demo_hours_breach(start, end, indoor),
        rules.demo_holiday_breach(start, end),
    ):
        if b is not None:
            out.append(b)
    out += rules.place_breaches(lat, lon, ForbiddenPlace.objects.filter(polres=polres))
    return out


def _demo(f: dict, now: dt.datetime) -> dict[str, Any]:
    missing = [k for k in rules.DEMO_FIELDS if str(f.get(k) or "").strip() == ""]
    if missing:
        names = ", ".join(_(DEMO_LABELS[k]).lower() for k in missing)
        raise Invalid(
            _("The notice must state %(fields)s (%(src)s).")
            % {"fields": names, "src": rules.SRC_DEMO_CONTENT},
            code="demo_content",
            field=missing[0],
        )
    lat, lon = parse_point(f.get("lat"), f.get("lon"), required=True)
    polres, polsek = _placed(lat, lon, f.get("office"))
    zone = _zone(polres)
    scale = _scale(f.get("scale") or Scale.KABKOTA)
    details = {
        "purpose": text(f.get("purpose"), "purpose", lo=3, hi=500, label=_("Purpose")),
        "place": text(f.get("place"), "place", lo=3, hi=300, label=_("Place")),
        "route": text(f.get("route"), "route", required=False, hi=500),
        "form": text(f.get("form"), "form", lo=3, hi=200, label=_("Form of the activity")),
        "coordinator": text(f.get("coordinator"), "coordinator", lo=2, hi=120, label=_("Coordinator")),
        "organisation": text(f.get("organisation"), "organisation", lo=2, hi=200, label=_("Organisation")),
        "props": text(f.get("props"), "props", lo=2, hi=500, label=_("Props")),
        "participants": parse_int(f.get("participants"), "participants", 1, 1_000_000, _("Participants")),
        "indoor": _flag(f.get("indoor")),
    }
    start, end = _window(f, zone, now, 1)
    breaches = demo_checks(
        lat=lat, lon=lon, start=start, end=end, indoor=details["indoor"], polres=polres, at=now
    )
    if breaches:
        raise Refused(breaches)
    signer = rules.signer_for(scale)
    if signer == Signer.KAPOLSEK and polsek is None:
        signer = Signer.KAPOLRES
    return {
        "polres": polres,
        "polsek": polsek,
        "details": details,
        "starts_at": start,
        "ends_at": end,
        "lat": lat,
        "lon": lon,
        "scale": scale,
        "signer": signer,
    }


KIND_RULES = {Kind.SKTLK: _sktlk, Kind.SKCK: _skck, Kind.CROWD: _crowd, Kind.DEMO: _demo}


def validate(kind: Any, fields: dict, now: dt.datetime) -> dict[str, Any]:
    """Every check of a request; raises on the first bad field or with every broken legal rule."""
    if kind not in KIND_RULES:
        raise Invalid(_("Choose a service from the list."), field="kind")
    values = _person(fields)
    values.update(KIND_RULES[kind](fields, now))
    return values


SCALE_WORD = {
    Scale.KECAMATAN: gettext_noop("kecamatan"),
    Scale.KABKOTA: gettext_noop("kabupaten/kota"),
    Scale.PROVINSI: gettext_noop("provincial"),
    Scale.NASIONAL: gettext_noop("national"),
    Scale.INTERNASIONAL: gettext_noop("international"),
}


def _forward_reason(r: Request) -> str:
    """Above the Polres: accepted here and passed to the level that signs (the requester is told why)."""
    to = _("Polda") if r.signer == Signer.KAPOLDA else _("Mabes Polri (Baintelkam)")
    return capfirst(
        _(
            "A %(scale)s-level %(kind)s is signed by the %(signer)s (%(src)s): it was forwarded to %(to)s, "
            "which will contact you."
        )
        % {
            "scale": _(SCALE_WORD[r.scale]),
            "kind": kind_label(r.kind).lower() if r.kind == Kind.CROWD else _("demonstration notice"),
            "signer": Signer(r.signer).label,
            "src": rules.SRC_CROWD if r.kind == Kind.CROWD else "UU 9/1998 jo. Perkap 7/2012",
            "to": to,
        }
    )


def _expire_old_bookings(nik: str, now: dt.datetime) -> None:
    """A booking whose appointment is over no longer blocks a new one for the same NIK."""
    Request.objects.filter(active_nik=nik, slot__ends_at__lt=now).update(active_nik=None)


def submit(*, kind: Any, key: Any, fields: dict, ip: str = "", at: dt.datetime | None = None) -> Submitted:
    """Store a request with its first step, or refuse it (nothing stored). Same key → the first request."""
    key = check_key(key)
    first = Request.objects.filter(key=key).first()
    if first is not None:
        return Submitted(first, secret_for_key(key), False)
    now = at or timezone.now()
    values = validate(kind, fields, now)
    secret = secret_for_key(key)
    try:
        with transaction.atomic():
            limit_stored("permits-ip", keyed_hash(ip), *RATE_IP)
            r = Request(
                kind=kind, key=key, secret_hash=hash_secret(secret), created_at=now, updated_at=now, **values
            )
            if kind == Kind.SKCK:
                _expire_old_bookings(values["nik"], now)
                if Request.objects.filter(active_nik=values["nik"]).exists():
                    raise Conflict(
                        _("This NIK already has an active SKCK booking: cancel it first."), code="one_booking"
                    )
                slot = slots.take_place(fields.get("slot"))
                r.slot, r.polres, r.polsek, r.active_nik = slot, slot.polres, slot.polsek, values["nik"]
                r.signer = Signer.KAPOLSEK if slot.polsek_id else Signer.KAPOLRES
            for _attempt in range(10):
                r.tracking_code = new_code(10)
                if not Request.objects.filter(tracking_code=r.tracking_code).exists():
                    break
            with transaction.atomic():
                r.save(force_insert=True)
            RequestEvent.objects.create(
                request=r, at=now, status=Status.SUBMITTED, note=_("Request received.")
            )
            emit("permits.request.submitted", r)
            if r.signer and rules.above_polres(r.signer):
                r.reason = _forward_reason(r)
                move(None, r, Status.FORWARDED, r.reason, at=now)
            else:
                tell_requester(r, _("Request received."))
    except IntegrityError:
        winner = Request.objects.filter(key=key).first()
        if winner is not None:
            return Submitted(winner, secret, False)
        if kind == Kind.SKCK and Request.objects.filter(active_nik=values["nik"]).exists():
            raise Conflict(
                _("This NIK already has an active SKCK booking: cancel it first."), code="one_booking"
            ) from None
        raise
    return Submitted(r, secret, True)


def resubmit(
    code: Any, secret: Any, fields: dict, at: dt.datetime | None = None, client: str = ""
) -> Request:
    """The citizen's correction after 'needs fix': the whole request is validated again (a notice's lead
    time counts from now), then it goes back to 'submitted'."""
    now = at or timezone.now()
    with transaction.atomic():
        r = by_code_and_secret(code, secret, client)
        r = Request.objects.select_for_update().get(pk=r.pk)
        if r.status != Status.NEEDS_FIX:
            raise Invalid(
                _("Only a request that needs correction can be sent again."), code="illegal_transition"
            )
        fields = {**fields, "slot": r.slot_id} if r.kind == Kind.SKCK else fields
        values = validate(r.kind, fields, now)
        before_nik = r.nik
        for k, v in values.items():
            if k in {"polres", "polsek"} and r.kind == Kind.SKCK:
                continue
            setattr(r, k, v)
        if r.kind == Kind.SKCK and r.nik != before_nik:
            raise Invalid(_("The NIK of a booking cannot be changed: cancel it and book again."), field="nik")
        r.fix_message = ""
        return move(None, r, Status.SUBMITTED, _("Corrected by the requester and sent again."), at=now)


def cancel(code: Any, secret: Any, at: dt.datetime | None = None, client: str = "") -> Request:
    """The requester withdraws; an SKCK booking frees its place."""
    with transaction.atomic():
        r = by_code_and_secret(code, secret, client)
        r = Request.objects.select_for_update().get(pk=r.pk)
        if r.status not in OPEN and not (r.kind == Kind.SKCK and r.status == Status.APPROVED):
            raise Invalid(_("This request can no longer be cancelled."), code="illegal_transition")
        release(r)
        return move(None, r, Status.CANCELLED, _("Cancelled by the requester."), at=at)


def release(r: Request) -> None:
    if r.kind == Kind.SKCK and r.slot_id and r.active_nik:
        slots.free_place(r.slot_id)
        r.active_nik = None


def page_path(kind: str) -> str:
    return f"/layanan/{PATHS[kind]}/"


__all__ = ["Refused", "ServiceError", "Submitted", "cancel", "resubmit", "submit", "validate"]
