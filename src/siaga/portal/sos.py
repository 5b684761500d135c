"""SOS from the public site (humanitarian quick response) and the "escort me" countdown.

An SOS is stored first (durable before it is acknowledged), then becomes a P1 incident in the
operations room through cad.incidents.create_incident under the Polres's portal account, with an
idempotency key derived from the client's key, so a retry never makes a second incident. If the incident
cannot be made at once, the SOS stays stored and the ticker retries it every tick.

Abuse control never drops an emergency: rate limits and prank scoring only add reasons to doubt, which
mark the SOS and its incident as doubtful for the operator to judge.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siaga.cad.models import Call, Disposition, Source
from siaga.core.context import acting, new_request_id
from siaga.core.errors import Conflict, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import restrict

from .common import check_key, keyed_hash, limit_stored, misses_limited, polres_for_point, portal_user
from .models import Escort, EscortStatus, Sos, SosKind
from .stations import haversine_m

log = logging.getLogger(__name__)

CATEGORY = "kemanusiaan"
RATE_WINDOW_S = 600
RATE_DEVICE = 3  # SOS per device per window before it counts as doubtful
RATE_PHONE = 3
RATE_IP = 10  # SOS per client address per window (a shared address: a campus, a carrier's NAT)
ESCORT_RATE_DEVICE = (5, 3600)  # escorts started per device per hour (refused past it: not yet an SOS)
ESCORT_RATE_IP = (20, 3600)
PING_MIN_S = 5.0  # location updates closer together than this are ignored
NOTE_EVERY_S = 30.0  # at most one position note on the incident per this many seconds…
NOTE_MOVED_M = 50.0  # …unless the phone moved this far
PING_WINDOW = dt.timedelta(hours=3)  # an SOS takes location updates this long
LOW_ACCURACY_M = 1000.0
DOUBT_SCORE = 2
ESCORT_MIN, ESCORT_MAX = 5, 60
RETRY_MAX = 30

REASONS: dict[str, tuple[int, Any]] = {
    "rate_device": (2, gettext_lazy("many SOS from this device in 10 minutes")),
    "rate_phone": (2, gettext_lazy("many SOS from this number in 10 minutes")),
    "rate_ip": (2, gettext_lazy("many SOS from this network address in 10 minutes")),
    "prank_history": (3, gettext_lazy("earlier prank from this device or number")),
    "outside_area": (2, gettext_lazy("position outside the Polres area")),
    "low_accuracy": (1, gettext_lazy("position accuracy worse than 1 km")),
    "no_location": (1, gettext_lazy("no position shared")),
    "bad_phone": (1, gettext_lazy("invalid telephone number")),
}


def reason_labels(codes: list[str]) -> list[str]:
    return [str(REASONS[c][1]) if c in REASONS else c for c in codes]


def _incident_key(prefix: str, key: str) -> str:
    """The operations-room idempotency key: derived, so the client's secret key never leaves the portal."""
    return f"portal-{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def _point(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    from siaga.cad.intake import _check_point

    if lat in (None, "") and lon in (None, ""):
        return None, None
    if lat in (None, "") or lon in (None, ""):
        raise Invalid(_("Give both latitude and longitude."), field="lat")
    return _check_point(lat, lon)


def _accuracy(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if 0 <= v < 1e7 else None


def _phone(value: Any) -> tuple[str, bool]:
    from siaga.cad.intake import _check_number

    try:
        return _check_number(str(value or "")[:40]), True
    except Invalid:
        return "", False


def _snapshot(s: Sos) -> dict[str, Any]:
    return {
        "kind": s.kind,
        "lat": s.lat,
        "lon": s.lon,
        "kelurahan_code": s.kelurahan_code,
        "polsek_id": s.polsek_id,
        "doubtful": s.doubtful,
        "doubt_reasons": s.doubt_reasons,
        "has_phone": bool(s.phone),  # no personal data in the audit trail
        "incident_id": s.incident_id,
    }


def score(codes: list[str]) -> int:
    return sum(REASONS[c][0] for c in codes if c in REASONS)


def doubts(
    *, device_hash: str, phone: str, phone_ok: bool, lat, lon, accuracy, inside: bool, ip_hash: str = ""
) -> list[str]:
    """Reasons to doubt an SOS (rate limits count the hit). Never a reason to refuse it."""
    from .common import hit

    out: list[str] = []
    if device_hash and not hit("sos-device", device_hash, RATE_DEVICE, RATE_WINDOW_S):
        out.append("rate_device")
    if phone and not hit("sos-phone", phone, RATE_PHONE, RATE_WINDOW_S):
        out.append("rate_phone")
    if ip_hash and not hit("sos-ip", ip_hash, RATE_IP, RATE_WINDOW_S):
        out.append("rate_ip")
    who = Q(pk__in=[])
    if device_hash:
        who |= Q(device_hash=device_hash)
    if phone:
        who |= Q(phone=phone)
    earlier = Sos.objects.filter(who, prank=True).exists()
    if not earlier and phone:
        from siaga.cad.intake import PRANK_FLAG_MIN

        earlier = (
            Call.objects.filter(caller_number=phone, disposition=Disposition.PRANK).count() >= PRANK_FLAG_MIN
        )
    if earlier:
        out.append("prank_history")
    if lat is None:
        out.append("no_location")
    elif not inside:
        out.append("outside_area")
    if accuracy is not None and accuracy > LOW_ACCURACY_M:
        out.append("low_accuracy")
    if not phone_ok:
        out.append("bad_phone")
    return out


def raise_sos(
    *,
    key: Any,
    lat: Any = None,
    lon: Any = None,
    accuracy: Any = None,
    phone: Any = "",
    device: Any = "",
    kind: str = SosKind.SOS,
    ip: str = "",
    at: dt.datetime | None = None,
) -> Sos:
    """Store an SOS, then make its P1 incident. A retry with the same key returns the first SOS."""
    return submit_sos(
        key=key, lat=lat, lon=lon, accuracy=accuracy, phone=phone, device=device, kind=kind, ip=ip, at=at
    )[0]


def submit_sos(
    *,
    key: Any,
    lat: Any = None,
    lon: Any = None,
    accuracy: Any = None,
    phone: Any = "",
    device: Any = "",
    kind: str = SosKind.SOS,
    ip: str = "",
    at: dt.datetime | None = None,
) -> tuple[Sos, bool]:
    """raise_sos, also telling whether this call stored the SOS (False: a retry of a known key)."""
    key = check_key(key)
    first = Sos.objects.filter(key=key).first()
    if first is not None:
        return ensure_incident(first), False
    lat, lon = _point(lat, lon)
    acc = _accuracy(accuracy)
    phone, phone_ok = _phone(phone)
    device_hash = keyed_hash(str(device or "")[:100])
    polres, loc = polres_for_point(lat, lon)
    if polres is None:
        raise Invalid(_("No Polres is set up yet: call 110."), code="no_polres")
    reasons = doubts(
        device_hash=device_hash,
        phone=phone,
        phone_ok=phone_ok,
        lat=lat,
        lon=lon,
        accuracy=acc,
        inside=bool(loc),
        ip_hash=keyed_hash(ip),
    )
    now = at or timezone.now()
    place: dict[str, Any] = {}
    if lat is not None:
        import h3

        place = {"lat": lat, "lon": lon, "h3_cell": h3.latlng_to_cell(lat, lon, 9)}
    if loc is not None:
        place.update(
            kecamatan_code=loc.kecamatan_code,
            kelurahan_code=loc.kelurahan_code,
            rw=loc.rw,
            rt=loc.rt,
            polsek_id=loc.polsek_id,
        )
    sos = Sos(
        polres=polres,
        key=key,
        kind=kind if kind in SosKind.values else SosKind.SOS,
        device_hash=device_hash,
        phone=phone,
        accuracy_m=acc,
        reported_lat=lat,
        reported_lon=lon,
        doubtful=score(reasons) >= DOUBT_SCORE,
        doubt_reasons=reasons,
        received_at=now,
        incident_attempts=1,  # the attempt that follows at once, counted with the SOS in one write
        **place,
    )
    try:
        with transaction.atomic():
            sos.save(force_insert=True)
            publish(Event("portal.sos.received", "portal.sos", sos.pk, polres.pk, after=_snapshot(sos)))
    except IntegrityError:  # the same key raced in from a retry: hand back the winner
        winner = Sos.objects.filter(key=key).first()
        if winner is None:
            raise
        return ensure_incident(winner), False
    return _make_incident(sos, fresh=True), True


def _description(sos: Sos) -> str:
    lines = [_("SOS from the public site (one tap).")]
    if sos.kind == SosKind.ESCORT:
        lines = [_("The escort countdown ran out without being cancelled.")]
    if sos.phone:
        lines.append(_("Telephone: %(p)s") % {"p": sos.phone})
    if sos.reported_lat is not None:
        acc = f" ±{sos.accuracy_m:.0f} m" if sos.accuracy_m is not None else ""
        lines.append(
            _("Phone position: %(lat).6f, %(lon).6f%(acc)s")
            % {"lat": sos.reported_lat, "lon": sos.reported_lon, "acc": acc}
        )
    else:
        lines.append(_("The phone shared no position: call back."))
    if sos.doubtful:
        lines.append(_("DOUBTFUL: %(r)s") % {"r": "; ".join(reason_labels(sos.doubt_reasons))})
    elif sos.doubt_reasons:
        lines.append(_("Note: %(r)s") % {"r": "; ".join(reason_labels(sos.doubt_reasons))})
    return "\n".join(lines)


def _summary(sos: Sos) -> str:
    base = "SOS" if sos.kind == SosKind.SOS else _("SOS (escort)")
    if sos.doubtful:
        flag = _("DOUBTFUL")
        return f"{base} · {flag}: {', '.join(reason_labels(sos.doubt_reasons))}"[:200]
    return base


def _places(sos: Sos) -> list[dict[str, Any]]:
    """Where the incident goes: the phone's point inside the area; else the Polres office, else a
    kelurahan of the Polres (the real position is in the description); last, the raw point as a panic."""
    from siaga.territory.models import Level, Region

    if sos.kelurahan_code and sos.lat is not None:
        return [{"lat": sos.lat, "lon": sos.lon}]
    p = sos.polres
    out: list[dict[str, Any]] = []
    if p.lat is not None and p.lon is not None:
        out.append({"lat": p.lat, "lon": p.lon})
    kel = (
        Region.objects.filter(
            level=Level.KELURAHAN, code__startswith=f"{p.region_id}.", centroid_lat__isnull=False
        )
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    if kel:
        out.append({"kelurahan_code": kel})
    if sos.reported_lat is not None:
        out.append({"lat": sos.reported_lat, "lon": sos.reported_lon, "panic": True})
    return out


def ensure_incident(sos: Sos) -> Sos:
    """Make the SOS's incident if it has none yet (idempotent; failures are left for the retry job)."""
    if sos.incident_id:
        return sos
    return _make_incident(sos, fresh=False)


def _make_incident(sos: Sos, *, fresh: bool) -> Sos:
    """`fresh`: the SOS was stored just now with this attempt counted and its key first used."""
    from siaga.cad.incidents import create_incident

    user = portal_user(sos.polres)
    if not fresh:
        Sos.objects.filter(pk=sos.pk).update(incident_attempts=sos.incident_attempts + 1)
        sos.incident_attempts += 1
    with translation.override("id"):
        summary, description = _summary(sos), _description(sos)
    address = _("Outside the area / unknown position") if not sos.kelurahan_code else ""
    incident = None
    linked: list = []

    def link(incident) -> None:  # in the incident's own transaction: one commit, one push
        Sos.objects.filter(pk=sos.pk).update(incident=incident)
        publish(
            Event(
                "portal.sos.linked",
                "portal.sos",
                sos.pk,
                sos.polres_id,
                after={"incident_id": incident.pk, "number": incident.number},
            )
        )
        linked.append(incident)

    with acting(user, new_request_id("sos")):
        for place in _places(sos):
            try:
                incident = create_incident(
                    user,
                    category=CATEGORY,
                    priority=1,
                    summary=summary,
                    description=description,
                    source=Source.REPORT,
                    idempotency_key=_incident_key("sos", sos.key),
                    address=address,
                    polres=sos.polres,
                    at=sos.received_at,
                    key_is_new=fresh,
                    then=link,
                    **place,
                )
                break
            except Invalid:
                linked.clear()
                continue
            except Exception:
                log.exception("SOS %s: the incident could not be made yet", sos.pk)
                return sos
        if incident is None:
            log.error("SOS %s: no place the operations room accepts", sos.pk)
            return sos
        if not linked:  # the key returned an incident made earlier (a retry): link it now
            with transaction.atomic():
                link(incident)
    sos.incident = incident
    return sos


def ping(
    key: Any, lat: Any, lon: Any, accuracy: Any = None, at: dt.datetime | None = None, client: str = ""
) -> tuple[Sos, bool]:
    """A location update from an open SOS page: (sos, accepted). Throttled; notes the incident.
    `client`: the caller's address, for the limit on unknown keys."""
    key = check_key(key)
    lat, lon = _point(lat, lon)
    if lat is None:
        raise Invalid(_("A position is required."), field="lat")
    with misses_limited(client):
        sos = Sos.objects.filter(key=key).first()
        if sos is None:
            raise NotFound(_("This SOS is not known."))
    now = at or timezone.now()
    if now - sos.received_at > PING_WINDOW:
        raise Conflict(_("This SOS is closed for location updates: raise a new one."), code="expired")
    if sos.last_ping_at and (now - sos.last_ping_at).total_seconds() < PING_MIN_S:
        return sos, False
    acc = _accuracy(accuracy)
    note = sos.incident_id is not None and (
        sos.last_note_at is None
        or (now - sos.last_note_at).total_seconds() >= NOTE_EVERY_S
        or sos.reported_lat is None
        or haversine_m(lat, lon, sos.reported_lat, sos.reported_lon) >= NOTE_MOVED_M
    )
    with transaction.atomic():
        sos = Sos.objects.select_for_update().get(pk=sos.pk)
        sos.reported_lat, sos.reported_lon, sos.accuracy_m = lat, lon, acc
        sos.last_ping_at, sos.ping_count = now, sos.ping_count + 1
        fields = ["reported_lat", "reported_lon", "accuracy_m", "last_ping_at", "ping_count"]
        if note:
            sos.last_note_at = now
            fields.append("last_note_at")
        sos.save(update_fields=fields)
        # every ping is not worth an audit row; the incident note below is audited
        publish(
            Event(
                "portal.sos.location",
                "portal.sos",
                sos.pk,
                sos.polres_id,
                data={"lat": lat, "lon": lon, "incident_id": sos.incident_id},
                audit=False,
            )
        )
    if note:
        from siaga.cad.incidents import add_note

        user = portal_user(sos.polres)
        acc_txt = f" ±{acc:.0f} m" if acc is not None else ""
        with translation.override("id"), acting(user, new_request_id("sos")):
            try:
                add_note(
                    user,
                    sos.incident_id,
                    _("SOS position update: %(lat).6f, %(lon).6f%(acc)s")
                    % {"lat": lat, "lon": lon, "acc": acc_txt},
                    at=now,
                )
            except Exception:  # the position is stored on the SOS either way
                log.exception("SOS %s: position note failed", sos.pk)
    return sos, True


def mark_prank(user, sos: Sos | int, prank: bool = True) -> Sos:
    """Staff: record (or withdraw) a prank disposition; later SOS from the device or number are doubtful."""
    from siaga.core.errors import Forbidden

    pk = getattr(sos, "pk", sos)
    if not restrict(Sos.objects.filter(pk=pk), user, "view").exists():
        raise NotFound(_("Not found."))
    if not restrict(Sos.objects.filter(pk=pk), user, "change").exists():
        raise Forbidden(_("You may not change this record."))
    with transaction.atomic():
        s = Sos.objects.select_for_update().get(pk=pk)
        before = {"prank": s.prank}
        s.prank = bool(prank)
        s.save(update_fields=["prank"])
        publish(
            Event(
                "portal.sos.prank", "portal.sos", s.pk, s.polres_id, before=before, after={"prank": s.prank}
            )
        )
    return s


# --- escort me ------------------------------------------------------------------------------------


def start_escort(
    *,
    key: Any,
    minutes: Any,
    lat: Any = None,
    lon: Any = None,
    accuracy: Any = None,
    phone: Any = "",
    device: Any = "",
    ip: str = "",
    at: dt.datetime | None = None,
) -> Escort:
    """Start a countdown; the key is the client's secret for cancelling it. Idempotent on the key.
    Limited per device and per client address (429), counted once stored."""
    key = check_key(key)
    first = Escort.objects.filter(key=key).first()
    if first is not None:
        return first
    try:
        minutes = int(minutes)
    except (TypeError, ValueError) as e:
        raise Invalid(_("The countdown is a whole number of minutes."), field="minutes") from e
    if not ESCORT_MIN <= minutes <= ESCORT_MAX:
        raise Invalid(
            _("The countdown must be %(a)d to %(b)d minutes.") % {"a": ESCORT_MIN, "b": ESCORT_MAX},
            field="minutes",
        )
    lat, lon = _point(lat, lon)
    phone, _ok = _phone(phone)
    now = at or timezone.now()
    device_hash = keyed_hash(str(device or "")[:100])
    e = Escort(
        key=key,
        device_hash=device_hash,
        phone=phone,
        lat=lat,
        lon=lon,
        accuracy_m=_accuracy(accuracy),
        started_at=now,
        deadline_at=now + dt.timedelta(minutes=minutes),
    )
    try:
        with transaction.atomic():
            limit_stored("escort-device", device_hash, *ESCORT_RATE_DEVICE)
            limit_stored("escort-ip", keyed_hash(ip), *ESCORT_RATE_IP)
            e.save(force_insert=True)
            publish(
                Event(
                    "portal.escort.started",
                    "portal.escort",
                    e.pk,
                    after={"deadline_at": e.deadline_at, "minutes": minutes},
                )
            )
    except IntegrityError:
        winner = Escort.objects.filter(key=key).first()
        if winner is None:
            raise
        return winner
    return e


def _escort(key: Any, client: str = "") -> Escort:
    key = check_key(key)
    with misses_limited(client):
        e = Escort.objects.filter(key=key).first()
        if e is None:
            raise NotFound(_("This escort is not known."))
    return e


def cancel_escort(key: Any, at: dt.datetime | None = None, client: str = "") -> Escort:
    """Cancel before the deadline: no SOS. Cancelling twice is harmless; after it fired, a Conflict."""
    e = _escort(key, client)
    with transaction.atomic():
        n = Escort.objects.filter(pk=e.pk, status=EscortStatus.ACTIVE).update(
            status=EscortStatus.CANCELLED, ended_at=at or timezone.now()
        )
        e.refresh_from_db()
        if n:
            publish(Event("portal.escort.cancelled", "portal.escort", e.pk, after={"status": e.status}))
    if e.status == EscortStatus.FIRED:
        raise Conflict(_("The countdown already ran out and raised an SOS."), code="fired")
    return e


def escort_ping(key: Any, lat: Any, lon: Any, accuracy: Any = None, client: str = "") -> Escort:
    e = _escort(key, client)
    lat, lon = _point(lat, lon)
    if lat is None:
        raise Invalid(_("A position is required."), field="lat")
    if e.status == EscortStatus.FIRED and e.sos_id:
        ping(e.sos.key, lat, lon, accuracy)
        return e
    Escort.objects.filter(pk=e.pk, status=EscortStatus.ACTIVE).update(
        lat=lat, lon=lon, accuracy_m=_accuracy(accuracy)
    )
    e.refresh_from_db()
    return e


def escort_sos_key(e: Escort) -> str:
    return f"escort-{hashlib.sha256(e.key.encode()).hexdigest()[:40]}"


def fire_escort(key: Any, at: dt.datetime | None = None, client: str = "") -> Escort:
    """The page's own timer ran out: fire now (the same path as the ticker, so it fires only once)."""
    e = _escort(key, client)
    now = at or timezone.now()
    if e.status == EscortStatus.ACTIVE and e.deadline_at > now + dt.timedelta(seconds=5):
        raise Conflict(_("The countdown has not run out yet."), code="not_due")
    fire_due_escorts(now + dt.timedelta(seconds=5), only=e.pk)
    e.refresh_from_db()
    return e


def fire_due_escorts(now: dt.datetime | None = None, limit: int = 100, only: int | None = None) -> int:
    """Raise the SOS of every active escort past its deadline (ticker job; safe from two tickers)."""
    now = now or timezone.now()
    fired = 0
    due = Escort.objects.filter(status=EscortStatus.ACTIVE, deadline_at__lte=now)
    if only is not None:
        due = due.filter(pk=only)
    for e in list(due[:limit]):
        with transaction.atomic():
            won = Escort.objects.filter(pk=e.pk, status=EscortStatus.ACTIVE).update(
                status=EscortStatus.FIRED, ended_at=now
            )
            if won:
                publish(Event("portal.escort.fired", "portal.escort", e.pk, after={"status": "fired"}))
        if not won:
            continue
        sos = raise_sos(
            key=escort_sos_key(e),
            lat=e.lat,
            lon=e.lon,
            accuracy=e.accuracy_m,
            phone=e.phone,
            kind=SosKind.ESCORT,
            at=now,
        )
        Escort.objects.filter(pk=e.pk).update(sos=sos)
        fired += 1
    return fired


def retry_unlinked(now: dt.datetime | None = None) -> int:
    """Make the incident of every stored SOS that has none yet (ticker job)."""
    now = now or timezone.now()
    n = 0
    for sos in Sos.objects.filter(
        incident__isnull=True,
        received_at__gte=now - dt.timedelta(days=1),
        incident_attempts__lt=RETRY_MAX,
    ).select_related("polres")[:50]:
        if ensure_incident(sos).incident_id:
            n += 1
    return n
