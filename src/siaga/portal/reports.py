"""Citizen reports (laporan / pengaduan): submission with photos and a place, the public timeline
behind an unguessable tracking code, nearby-duplicate suggestions, and the SPKT back office
(accept → incident or case under investigation, reject with reason, status notes, close).

Identity: by default the report is anonymous to the public (a public page never shows who reported);
the reporter may also send it without any identity, then nothing identifying is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.cad.categories import BY_CODE
from siaga.cad.models import Source
from siaga.core.errors import Forbidden, Invalid, NotFound, check_version
from siaga.core.events import Event, publish
from siaga.core.permissions import restrict

from . import photos as photo_rules
from .common import (
    check_key,
    insert_with_tracking_code,
    keyed_hash,
    limit_stored,
    misses_limited,
    normalise_code,
)
from .models import Report, ReportEvent, ReportKind, ReportPhoto, ReportStatus, Severity
from .stations import haversine_m

St = ReportStatus
# categories the public may report online (emergencies in progress belong to SOS / 110)
PUBLIC_CATEGORIES = (
    "pencurian",
    "curat",
    "curanmor",
    "curas",
    "penipuan",
    "penganiayaan",
    "kdrt",
    "narkoba",
    "judi",
    "tawuran",
    "keributan",
    "laka",
    "kebakaran",
    "kemanusiaan",
    "informasi",
)
OPEN = (St.NEW, St.ACCEPTED, St.INVESTIGATING)
DUPLICATE_RADIUS_M = 50.0
DUPLICATE_WINDOW = dt.timedelta(days=30)
RATE_DEVICE = (5, 3600)  # reports per device per hour
RATE_IP = (20, 3600)
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 4000
NEXT: dict[str, frozenset[str]] = {
    St.NEW: frozenset({St.ACCEPTED, St.INVESTIGATING, St.REJECTED}),
    St.ACCEPTED: frozenset({St.INVESTIGATING, St.CLOSED}),
    St.INVESTIGATING: frozenset({St.CLOSED}),
    St.REJECTED: frozenset(),
    St.CLOSED: frozenset(),
}


def _snapshot(r: Report) -> dict[str, Any]:
    """What the audit trail keeps: no name, phone or date of birth."""
    return {
        "tracking_code": r.tracking_code,
        "kind": r.kind,
        "category": r.category,
        "status": r.status,
        "identified": r.identified,
        "kelurahan_code": r.kelurahan_code,
        "polsek_id": r.polsek_id,
        "incident_id": r.incident_id,
        "severity": r.severity,
        "version": r.version,
    }


def _publish(name: str, r: Report, before=None, **data) -> None:
    publish(Event(name, "portal.report", r.pk, r.polres_id, before=before, after=_snapshot(r), data=data))


def parse_dob(value: Any, today: dt.date | None = None) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError as e:
            raise Invalid(_("The date of birth must be a date (YYYY-MM-DD)."), field="reporter_dob") from e
    today = today or timezone.localdate()
    if value > today or value.year < 1900:
        raise Invalid(_("The date of birth is not plausible."), field="reporter_dob")
    return value


def normalise_name(name: str) -> str:
    return " ".join(str(name or "").split()).casefold()


def _polres_of(place) -> Any:
    from siaga.territory.models import Polres

    p = None
    if place.polres_id:
        p = Polres.objects.filter(pk=place.polres_id).first()
    if p is None and place.kelurahan_code:
        p = Polres.objects.filter(region_id=place.kelurahan_code.rsplit(".", 2)[0]).first()
    if p is None:
        raise Invalid(_("The place is outside the area this service covers."), code="outside", field="lat")
    return p


def _int_or_none(v: Any, field: str) -> int | None:
    if v in (None, ""):
        return None
    try:
        return int(v)
    except (TypeError, ValueError) as e:
        raise Invalid(_("%(f)s must be a number from 1 to 999.") % {"f": field.upper()}, field=field) from e


def submit_report(
    *,
    key: Any,
    category: str,
    description: str,
    kind: str = ReportKind.LAPORAN,
    lat: Any = None,
    lon: Any = None,
    address: str = "",
    kelurahan_code: str = "",
    rw: Any = None,
    rt: Any = None,
    photos: list[tuple[str, bytes]] | None = None,
    use_photo_location: bool = False,
    without_identity: bool = False,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_dob: Any = None,
    device: str = "",
    ip: str = "",
    at: dt.datetime | None = None,
) -> Report:
    """Validate everything, then store the report, its photos and its first timeline step at once.

    A retry with the same key returns the first report; bad input raises and stores nothing."""
    from siaga.cad.intake import _check_number, resolve_location

    key = check_key(key)
    first = Report.objects.filter(key=key).first()
    if first is not None:
        return first
    device_hash = keyed_hash(str(device or "")[:100])
    if category not in PUBLIC_CATEGORIES:
        raise Invalid(_("Choose a category from the list."), field="category")
    if kind not in ReportKind.values:
        raise Invalid(_("Choose report or complaint."), field="kind")
    description = (description or "").strip()
    if len(description) < DESCRIPTION_MIN:
        raise Invalid(_("Describe what happened in at least 10 characters."), field="description")
    if len(description) > DESCRIPTION_MAX:
        raise Invalid(_("The description is longer than 4,000 characters."), field="description")
    name = " ".join((reporter_name or "").split())
    if len(name) > 120:
        raise Invalid(_("The name is longer than 120 characters."), field="reporter_name")
    phone = _check_number(reporter_phone) if reporter_phone else ""
    dob = parse_dob(reporter_dob)
    if without_identity:
        name, phone, dob = "", "", None
    cleaned = photo_rules.clean_all(photos or [])
    rw_i, rt_i = _int_or_none(rw, "rw"), _int_or_none(rt, "rt")
    gps_used = None
    has_place = (lat not in (None, "") or lon not in (None, "")) or kelurahan_code or (address or "").strip()
    if not has_place and use_photo_location:
        gps_used = next((p for p in cleaned if p.gps), None)
        if gps_used is not None:
            lat, lon = gps_used.gps
    if not has_place and gps_used is None:
        raise Invalid(_("Mark the place on the map or write the address."), field="lat")
    place = resolve_location(
        None,
        lat=None if lat in (None, "") else lat,
        lon=None if lon in (None, "") else lon,
        kelurahan_code=(kelurahan_code or "").strip(),
        rw=rw_i,
        rt=rt_i,
        address=address,
    )
    polres = _polres_of(place)
    now = at or timezone.now()
    with transaction.atomic():
        limit_stored("report-device", device_hash, *RATE_DEVICE)
        limit_stored("report-ip", keyed_hash(ip), *RATE_IP)
        r = Report(
            polres=polres,
            key=key,
            kind=kind,
            category=category,
            description=description,
            identified=bool(name or phone or dob),
            reporter_name=name,
            reporter_phone=phone,
            reporter_dob=dob,
            exif_location_consent=bool(use_photo_location),
            device_hash=device_hash,
            created_at=now,
            updated_at=now,
            **place.fields(),
        )
        r, created = insert_with_tracking_code(r, key)
        if not created:
            return r
        ReportEvent.objects.create(report=r, at=now, status=St.NEW, note=_("Report received."))
        for p in cleaned:
            photo = ReportPhoto(
                report=r,
                content_type=p.content_type,
                size=len(p.data),
                width=p.width,
                height=p.height,
                sha256=p.sha256,
                gps_used=p is gps_used,
            )
            photo.file.save(f"{r.tracking_code}-{p.sha256[:16]}{p.ext}", ContentFile(p.data), save=False)
            photo.save()
        _publish("portal.report.submitted", r, photos=len(cleaned))
    return r


# --- public reads --------------------------------------------------------------------------------


def by_code(code: str, client: str = "") -> Report:
    """The report behind a tracking code; `client` (the caller's address) for the limit on unknown codes."""
    with misses_limited(client):
        r = Report.objects.filter(tracking_code=normalise_code(code)).first()
        if r is None:
            raise NotFound(_("No report has this tracking code."))
    return r


def public_view(r: Report) -> dict[str, Any]:
    """A report as anyone may see it: category, status, area name and timeline; never the reporter."""
    from siaga.territory.models import Region

    kec = Region.objects.filter(code=r.kecamatan_code).values_list("name", flat=True).first()
    return {
        "tracking_code": r.tracking_code,
        "kind": r.kind,
        "kind_label": str(ReportKind(r.kind).label),
        "category": r.category,
        "category_label": str(BY_CODE[r.category].label) if r.category in BY_CODE else r.category,
        "status": r.status,
        "status_label": str(St(r.status).label),
        "area": kec or "",
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "has_sp2hp": r.notices.exists(),
        "events": [
            {
                "at": e.at,
                "status": e.status,
                "status_label": str(St(e.status).label),
                "note": e.note,
                "sp2hp_code": e.sp2hp_code,
            }
            for e in r.events.all()
        ],
    }


def nearby_open(lat: Any, lon: Any, category: str, at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Open reports of the same category group within 50 m in the last 30 days (FixMyStreet-like)."""
    from siaga.cad.intake import _check_point

    lat, lon = _check_point(lat, lon)
    if category not in BY_CODE:
        raise Invalid(_("Choose a category from the list."), field="category")
    group = BY_CODE[category].group
    codes = [c.code for c in BY_CODE.values() if c.group == group]
    d = DUPLICATE_RADIUS_M / 111_000 * 1.5
    now = at or timezone.now()
    rows = Report.objects.filter(
        status__in=OPEN,
        category__in=codes,
        created_at__gte=now - DUPLICATE_WINDOW,
        lat__range=(lat - d, lat + d),
        lon__range=(lon - d * 1.1, lon + d * 1.1),
    ).order_by("-created_at")[:50]
    out = []
    for r in rows:
        dist = haversine_m(lat, lon, r.lat, r.lon)
        if dist <= DUPLICATE_RADIUS_M:
            out.append(
                {
                    "tracking_code": r.tracking_code,
                    "category_label": str(BY_CODE[r.category].label),
                    "status_label": str(St(r.status).label),
                    "created_at": r.created_at,
                    "distance_m": round(dist),
                }
            )
    out.sort(key=lambda x: x["distance_m"])
    return out[:5]


# --- back office ---------------------------------------------------------------------------------


def locked_for_change(user, report: Report | int) -> Report:
    pk = getattr(report, "pk", report)
    if not restrict(Report.objects.filter(pk=pk), user, "view").exists():
        raise NotFound(_("Not found."))
    if not restrict(Report.objects.filter(pk=pk), user, "change").exists():
        raise Forbidden(_("You may not change this record."))
    return Report.objects.select_for_update().get(pk=pk)


def _check_version(r: Report, version: Any) -> None:
    check_version(r.version, version, _("The report was changed by someone else: reload it."))


def _move(user, r: Report, to: str, note: str, staff_note: str = "", at=None, **data) -> Report:
    if to not in NEXT[r.status]:
        raise Invalid(
            _("A report cannot go from %(a)s to %(b)s.") % {"a": St(r.status).label, "b": St(to).label},
            code="illegal_transition",
            field="status",
        )
    before = _snapshot(r)
    now = at or timezone.now()
    r.status, r.updated_at, r.version = to, now, r.version + 1
    r.save()
    ReportEvent.objects.create(report=r, at=now, status=to, note=note, staff_note=staff_note, author=user)
    _publish(f"portal.report.{to}", r, before, **data)
    return r


def _text(value: Any, field: str, required: bool, limit: int = 1000) -> str:
    value = " ".join(str(value or "").split()) if field != "text" else str(value or "").strip()
    if required and not value:
        raise Invalid(_("This field is required."), field=field)
    if len(value) > limit:
        raise Invalid(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return value


def check_severity(severity: Any) -> str:
    if severity not in Severity.values:
        raise Invalid(_("Choose the case class: ringan, sedang or sulit."), field="severity")
    return severity


@transaction.atomic
def accept(
    user,
    report: Report | int,
    *,
    mode: str = "incident",
    severity: str = "",
    note: str = "",
    version: Any = None,
    at=None,
) -> Report:
    """Accept a new report: as an operations-room incident, or as a case under investigation."""
    r = locked_for_change(user, report)
    _check_version(r, version)
    note = _text(note, "note", False)
    if r.status != St.NEW:
        raise Invalid(_("Only a new report can be accepted."), code="illegal_transition", field="status")
    if mode == "incident":
        from siaga.cad.incidents import create_incident

        incident = create_incident(
            user,
            category=r.category,
            lat=r.lat,
            lon=r.lon,
            summary=_("Online report %(c)s") % {"c": r.tracking_code},
            description=r.description,
            source=Source.REPORT,
            idempotency_key=f"portal-report-{r.tracking_code}",
            polres=r.polres,
        )
        r.incident = incident
        return _move(user, r, St.ACCEPTED, note or _("Report accepted and being handled."), at=at)
    if mode == "case":
        r.severity = check_severity(severity)
        r.investigation_started_at = at or timezone.now()
        return _move(user, r, St.INVESTIGATING, note or _("Report accepted for investigation."), at=at)
    raise Invalid(_("Accept as an incident or as a case."), field="mode")


@transaction.atomic
def start_investigation(user, report, *, severity: str, note: str = "", version=None, at=None) -> Report:
    r = locked_for_change(user, report)
    _check_version(r, version)
    if r.status != St.ACCEPTED:
        raise Invalid(_("Only an accepted report can go to investigation."), code="illegal_transition")
    r.severity = check_severity(severity)
    r.investigation_started_at = at or timezone.now()
    return _move(
        user, r, St.INVESTIGATING, _text(note, "note", False) or _("Case under investigation."), at=at
    )


@transaction.atomic
def reject(user, report, *, reason: str, version=None, at=None) -> Report:
    r = locked_for_change(user, report)
    _check_version(r, version)
    reason = _text(reason, "reason", True, 500)
    r.reject_reason = reason
    return _move(user, r, St.REJECTED, _("Rejected: %(r)s") % {"r": reason}, at=at)


@transaction.atomic
def close(user, report, *, note: str, version=None, at=None) -> Report:
    r = locked_for_change(user, report)
    _check_version(r, version)
    return _move(user, r, St.CLOSED, _text(note, "note", True), at=at)


@transaction.atomic
def add_note(user, report, *, note: str, public: bool = True, at=None) -> ReportEvent:
    """A status note on the timeline: public (the reporter and anyone with the code see it) or staff-only."""
    r = locked_for_change(user, report)
    note = _text(note, "note", True)
    now = at or timezone.now()
    e = ReportEvent.objects.create(
        report=r,
        at=now,
        status=r.status,
        note=note if public else "",
        staff_note="" if public else note,
        author=user,
    )
    r.updated_at, r.version = now, r.version + 1
    r.save(update_fields=["updated_at", "version"])
    _publish("portal.report.noted", r, public=bool(public))
    return e


@transaction.atomic
def erase_identity(user, report, *, reason: str, at=None) -> Report:
    """UU 27/2022 erasure on the reporter's request: name, phone and date of birth are removed for good
    (the report itself stays; SP2HP lookup is then no longer possible). The reason is kept, the data not."""
    r = locked_for_change(user, report)
    reason = _text(reason, "reason", True, 500)
    before = _snapshot(r)
    r.reporter_name, r.reporter_phone, r.reporter_dob, r.identified = "", "", None, False
    r.updated_at, r.version = at or timezone.now(), r.version + 1
    r.save()
    ReportEvent.objects.create(
        report=r,
        at=r.updated_at,
        status=r.status,
        staff_note=_("Identity erased: %(r)s") % {"r": reason},
        author=user,
    )
    _publish("portal.report.identity_erased", r, before, reason=reason)
    return r
