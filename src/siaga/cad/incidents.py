"""Incident lifecycle: create (numbered per Polres and year), duplicates, transitions, reopen, notes,
involved persons and vehicles, attachments, and the Laporan Polisi made from an incident.

Lifecycle (each step stamps its timestamp; the first dispatch / en route / on scene times are kept
when an incident is reopened, so response times measure the first response):

    received → answered → created → dispatched → en_route → on_scene → cleared → closed
                                  ╰──────────────────────── closed (handled without a unit)

`dispatched` is reached only by dispatching a unit (cad.dispatching.dispatch). Every update names the
version it read (optimistic concurrency): a stale version is a Conflict and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zoneinfo
from collections.abc import Callable
from typing import Any

import numpy as np
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import can, restrict, role_allows

from .categories import BY_CODE
from .intake import config, locked, now_utc, require_change, resolve_location, visible
from .models import (
    Assignment,
    Call,
    CallStatus,
    Disposition,
    Incident,
    IncidentAttachment,
    IncidentNote,
    IncidentStatus,
    InvolvedPerson,
    InvolvedVehicle,
    PersonRole,
    PoliceReport,
    Priority,
    ReportModel,
    Source,
    Unit,
    UnitStatus,
    VehicleRole,
)
from .routing import haversine_m

S = IncidentStatus
ORDER = [S.RECEIVED, S.ANSWERED, S.CREATED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE, S.CLEARED, S.CLOSED]
# the transitions transition() allows; dispatched is reached through dispatching.dispatch
ALLOWED: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.ANSWERED}),
    S.ANSWERED: frozenset({S.CREATED}),
    S.CREATED: frozenset({S.DISPATCHED, S.CLOSED}),
    S.DISPATCHED: frozenset({S.EN_ROUTE}),
    S.EN_ROUTE: frozenset({S.ON_SCENE}),
    S.ON_SCENE: frozenset({S.CLEARED}),
    S.CLEARED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
STAMP = {s: f"{s}_at" for s in ORDER}
FIRST_ONLY = {S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE}  # kept from the first response after a reopen
OPEN = [s for s in ORDER if s != S.CLOSED]
ACTIVE = [S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE]

MAX_ATTACHMENT = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "audio/mpeg": (".mp3",),
    "audio/ogg": (".ogg", ".oga"),
    "video/mp4": (".mp4",),
    "text/plain": (".txt",),
}
MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF",),
    "video/mp4": (),
    "image/webp": (b"RIFF",),
    "audio/ogg": (b"OggS",),
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    "text/plain": (),
}
NIK_ROLES = frozenset({"admin", "commander", "kabag_ops", "operator"})  # who sees a person's NIK in full
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


# --- snapshots and events -------------------------------------------------------------------------


def snapshot(i: Incident) -> dict[str, Any]:
    return {
        "number": i.number,
        "status": i.status,
        "category": i.category,
        "priority": i.priority,
        "version": i.version,
        "polsek_id": i.polsek_id,
        "kelurahan_code": i.kelurahan_code,
        "rw": i.rw,
        "rt": i.rt,
        "lat": i.lat,
        "lon": i.lon,
        "summary": i.summary,
        "duplicate_of_id": i.duplicate_of_id,
        "panic": i.panic,
        "reopen_count": i.reopen_count,
        **{STAMP[s]: getattr(i, STAMP[s]) for s in ORDER},
    }


def publish_incident(name: str, i: Incident, before: dict | None = None, **data) -> None:
    publish(
        Event(
            name,
            "cad.incident",
            i.pk,
            polres_id=i.polres_id,
            before=before,
            after=snapshot(i),
            data={
                "number": i.number,
                "status": i.status,
                "priority": i.priority,
                "version": i.version,
                "polsek_id": i.polsek_id,
                "panic": i.panic,
                **data,
            },
        )
    )


def _check_version(current: Incident, version: int | None) -> None:
    if version is None:
        return
    if not isinstance(version, int) or isinstance(version, bool):
        raise Invalid(_("The version must be a whole number."), field="version")
    if version != current.version:
        raise Conflict(
            _("The incident was changed by someone else (version %(have)d, you sent %(sent)d): reload it.")
            % {"have": current.version, "sent": version},
            code="stale_version",
        )


def _bump(i: Incident, fields: list[str]) -> None:
    i.version += 1
    i.save(update_fields=[*fields, "version"])


def lock_for_change(user, incident: Incident | int, version: int | None) -> Incident:
    """The incident re-read under a row lock after the permission and version checks."""
    pk = getattr(incident, "pk", incident)
    probe = Incident(pk=pk)
    require_change(user, probe)
    current = locked(Incident, pk)
    _check_version(current, version)
    return current


def get_incident(user, pk: int, action: str = "view") -> Incident:
    i = restrict(Incident.objects.all(), user, action).filter(pk=pk).first()
    if i is None:
        raise NotFound(_("Incident not found."))
    return i


# --- numbering ------------------------------------------------------------------------------------


def local_year(polres, at: dt.datetime) -> int:
    return at.astimezone(zoneinfo.ZoneInfo(polres.timezone)).year


def _next_number(polres, at: dt.datetime) -> str:
    from .services import _next_numbers  # the same numbering as the history import

    return _next_numbers(polres, np.array([local_year(polres, at)], dtype=np.int64))[0]


def _insert_numbered(incident: Incident) -> None:
    """Insert with the next free number. Writers of one Polres queue on its row (FOR UPDATE, held to
    commit; SQLite's single writer queues anyway), so the highest number read is the highest there is:
    without it, several workers' concurrent creates raced for the same number and ran out of retries.
    The retry stays as a safety net (e.g. a number written by the history import).

    FOR NO KEY UPDATE, not FOR UPDATE: PostgreSQL checks a foreign key to the Polres at COMMIT with
    FOR KEY SHARE on its row, which FOR UPDATE blocks. A writer holding the audit head (core/audit.py) and
    committing a row of the Polres then waited for this one, which waited for the audit head: deadlock."""
    from siaga.territory.models import Polres

    list(Polres.objects.select_for_update(no_key=True).filter(pk=incident.polres_id).values_list("pk"))
    for _attempt in range(20):
        incident.number = _next_number(incident.polres, incident.received_at)
        try:
            with transaction.atomic():
                incident.save(force_insert=True)
            return
        except IntegrityError:
            if (
                incident.idempotency_key
                and Incident.objects.filter(
                    polres_id=incident.polres_id, idempotency_key=incident.idempotency_key
                ).exists()
            ):
                raise
            incident.pk = None
    raise Conflict(_("Could not number the incident: try again."))


# --- create ---------------------------------------------------------------------------------------


def _existing_for_key(user, polres_id: int, key: str) -> Incident | None:
    first = Incident.objects.filter(polres_id=polres_id, idempotency_key=key).first()
    if first is not None and not visible(user, first):
        raise Conflict(_("This idempotency key was already used."), code="idempotency_key")
    return first


def _user_polres(user, place_polres_id: int | None):
    from siaga.territory.models import Polres

    polres_id = user.polres_id or place_polres_id
    if polres_id is None:
        raise Invalid(_("The place is outside the Polres area."), code="outside", field="lat")
    return Polres.objects.get(pk=polres_id)


def create_incident(
    user,
    *,
    category: str,
    priority: int | None = None,
    lat: Any = None,
    lon: Any = None,
    kelurahan_code: str = "",
    rw: int | None = None,
    rt: int | None = None,
    address: str = "",
    summary: str = "",
    description: str = "",
    call: Call | None = None,
    source: str = Source.CALL,
    idempotency_key: str | None = None,
    link_duplicate_of: Incident | int | None = None,
    panic: bool = False,
    polres=None,
    at: dt.datetime | None = None,
    key_is_new: bool = False,
    then: Callable[[Incident], None] | None = None,
) -> Incident:
    """Create an incident at a place (position, kelurahan + RW/RT, or address text).

    A repeat with the same idempotency key returns the first incident unchanged. With
    `link_duplicate_of` the report is kept as its own record, closed at once and linked to the open
    incident it duplicates (the call, if any, is dispositioned `linked`), so no second response starts.
    `key_is_new`: the caller has just made the key (an SOS it stored), so no look-up for an earlier
    incident is made (the unique constraint still catches a racing repeat). `then(incident)` runs
    inside the creating transaction (the caller links its record in the same commit); not when the
    key returns an earlier incident.
    """
    if not role_allows(user, "cad.incident", "change"):
        raise Forbidden(_("You may not create incidents."))
    key = (idempotency_key or "").strip()
    if len(key) > 64:
        raise Invalid(_("The idempotency key is longer than 64 characters."), field="idempotency_key")
    if key and not key_is_new and user.polres_id and (first := _existing_for_key(user, user.polres_id, key)):
        return first
    # Checks and the place lookup are reads: done before the write transaction, so that SQLite's single
    # writer is held only for the numbering, the insert and the audit (a shorter turn for every writer).
    # Inside an enclosing transaction (close_call) this changes nothing: it is all one transaction.
    priority, polres, place = _prepare(
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
        description=description,
        call=call,
        source=source,
        panic=panic,
        polres=polres,
    )
    try:
        with transaction.atomic():
            return _create(
                user,
                category=category,
                priority=priority,
                place=place,
                summary=summary,
                description=description,
                call=call,
                source=source,
                key=key,
                duplicate_of=link_duplicate_of,
                panic=panic,
                polres=polres,
                at=at,
                then=then,
                key_is_new=key_is_new,
            )
    except IntegrityError:
        if key:  # the same key raced in from a retry: hand back the winner
            polres_id = user.polres_id or (call.polres_id if call else None)
            first = Incident.objects.filter(
                idempotency_key=key, **({"polres_id": polres_id} if polres_id else {})
            )
            if (winner := first.first()) is not None:
                return winner
        raise


def _prepare(
    user,
    *,
    category,
    priority,
    lat,
    lon,
    kelurahan_code,
    rw,
    rt,
    address,
    summary,
    description,
    call,
    source,
    panic,
    polres,
):
    """Validate the input and resolve the place: (priority, polres, place). Reads only."""
    if category not in BY_CODE:
        raise Invalid(_("Unknown category %(c)s.") % {"c": str(category)[:30]}, field="category")
    if category == "prank":
        raise Invalid(_("A prank is a call disposition, not an incident."), field="category")
    if priority is None:
        priority = BY_CODE[category].default_priority
    if priority not in Priority.values:
        raise Invalid(_("Priority must be 1 to 4."), field="priority")
    if source not in Source.values:
        raise Invalid(_("Unknown source %(s)s.") % {"s": str(source)[:30]}, field="source")
    if len(summary) > 200:
        raise Invalid(_("The summary is longer than 200 characters."), field="summary")
    if len(description) > 10_000:
        raise Invalid(_("The description is longer than 10,000 characters."), field="description")
    if call is not None:
        polres = call.polres
    elif polres is not None and user.polres_id and polres.pk != user.polres_id:
        raise Forbidden(_("This place is outside your jurisdiction."))
    polres = polres or (user.polres if user.polres_id else None)
    place = resolve_location(
        polres,
        lat=lat,
        lon=lon,
        kelurahan_code=kelurahan_code,
        rw=rw,
        rt=rt,
        address=address,
        allow_outside=panic,
    )
    polres = polres or _user_polres(user, place.polres_id)
    return priority, polres, place


def _create(
    user,
    *,
    category,
    priority,
    place,
    summary,
    description,
    call,
    source,
    key,
    duplicate_of,
    panic,
    polres,
    at,
    then=None,
    key_is_new=False,
) -> Incident:
    # a new key needs no look-up: the unique (polres, key) constraint turns a racing repeat into an
    # IntegrityError, and create_incident then hands back the winner
    if key and not key_is_new and (first := _existing_for_key(user, polres.pk, key)):
        return first
    now = now_utc(at)
    received, answered = now, now
    if call is not None:
        require_change(user, call)
        call = locked(Call, call.pk)
        if call.incident_id and call.disposition != Disposition.LINKED:
            raise Conflict(_("An incident was already created from this call."))
        received, answered = call.received_at, call.answered_at or now
        if call.status == CallStatus.ENDED:
            raise Invalid(_("This call has already ended."), field="call")
        if call.status == CallStatus.RINGING:
            raise Invalid(_("Answer the call first."), field="call")
    dup = None
    if duplicate_of is not None:
        dup = restrict(Incident.objects.all(), user, "view").filter(
            pk=getattr(duplicate_of, "pk", duplicate_of)
        )
        dup = dup.first()
        if dup is None or dup.polres_id != polres.pk:
            raise NotFound(_("Incident not found."))
        if dup.status == S.CLOSED:
            raise Invalid(_("Link only to an open incident."), field="link_duplicate_of")
    incident = Incident(
        polres=polres,
        category=category,
        priority=Priority.P1 if panic else priority,
        status=S.CLOSED if dup else S.CREATED,
        source=source,
        summary=summary.strip(),
        description=description,
        received_at=received,
        answered_at=answered,
        created_at=now,
        closed_at=now if dup else None,
        idempotency_key=key,
        duplicate_of=dup,
        panic=panic,
        created_by=user,
        **place.fields(),
    )
    _insert_numbered(incident)
    if not panic and not can(
        user, "change", incident
    ):  # e.g. a Polsek dispatcher creating in another Polsek's area
        raise Forbidden(_("This place is outside your jurisdiction."))
    publish_incident("cad.incident.created", incident, duplicate_of=dup.pk if dup else None)
    if call is not None:
        before = {"incident_id": call.incident_id, "disposition": call.disposition}
        call.incident = dup or incident
        call.category = category
        if dup is not None:
            call.disposition = Disposition.LINKED
        elif not call.disposition:
            call.disposition = Disposition.INCIDENT
        if not call.kelurahan_code:
            for k, v in place.fields().items():
                setattr(call, k, v)
        call.save()
        publish(
            Event(
                "cad.call.linked",
                "cad.call",
                call.pk,
                polres_id=call.polres_id,
                before=before,
                after={"incident_id": call.incident_id, "disposition": call.disposition},
            )
        )
    if then is not None:
        then(incident)
    return incident


# --- duplicates -----------------------------------------------------------------------------------


def find_duplicates(
    user,
    lat: Any,
    lon: Any,
    category: str,
    at: dt.datetime | None = None,
    *,
    polres=None,
    exclude: int | None = None,
) -> list[tuple[Incident, float]]:
    """Open incidents of a compatible category (same group) within the Polres's radius and time window,
    nearest first, as (incident, distance in metres)."""
    if category not in BY_CODE:
        raise Invalid(_("Unknown category %(c)s.") % {"c": str(category)[:30]}, field="category")
    from .intake import _check_point

    lat, lon = _check_point(lat, lon)
    at = now_utc(at)
    polres_id = getattr(polres, "pk", polres) or user.polres_id
    qs = restrict(Incident.objects.all(), user, "view").filter(status__in=OPEN, duplicate_of__isnull=True)
    if polres_id:
        qs = qs.filter(polres_id=polres_id)
    cfg = config(polres_id) if polres_id else config(None)
    radius = cfg.duplicate_radius_m
    dlat = radius / 111_000 * 1.5
    dlon = dlat / max(np.cos(np.radians(lat)), 0.1)
    group = BY_CODE[category].group
    codes = [c.code for c in BY_CODE.values() if c.group == group]
    qs = qs.filter(
        category__in=codes,
        received_at__gte=at - cfg.duplicate_window,
        received_at__lte=at + dt.timedelta(minutes=5),
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    rows = list(qs[:500])
    if not rows:
        return []
    d = haversine_m([r.lon for r in rows], [r.lat for r in rows], lon, lat)
    out = [(r, float(x)) for r, x in zip(rows, d, strict=True) if x <= radius]
    out.sort(key=lambda t: (t[1], t[0].pk))
    return out


# --- transitions ----------------------------------------------------------------------------------


def _stamp(i: Incident, status: str, when: dt.datetime) -> list[str]:
    name = STAMP[status]
    if status in FIRST_ONLY and getattr(i, name) is not None:
        return []
    setattr(i, name, when)
    return [name]


def _free_units(i: Incident, when: dt.datetime) -> list[int]:
    """Clear every active assignment of the incident and make its units available again."""
    freed = []
    for a in Assignment.objects.select_for_update().filter(incident=i, active=True):
        a.active, a.cleared_at = False, when
        a.save(update_fields=["active", "cleared_at"])
        Unit.objects.filter(pk=a.unit_id).update(status=UnitStatus.AVAILABLE)
        freed.append(a.unit_id)
    return freed


@transaction.atomic
def transition(user, incident: Incident | int, to_status: str, version: int, at: dt.datetime | None = None):
    """Move an incident one step along its lifecycle. Clearing frees its units."""
    if version is None:
        raise Invalid(_("The version you read is required."), field="version")
    i = lock_for_change(user, incident, version)
    if to_status not in S.values:
        raise Invalid(_("Unknown status %(s)s.") % {"s": str(to_status)[:30]}, field="status")
    if to_status not in ALLOWED[i.status]:
        allowed = ", ".join(sorted(ALLOWED[i.status])) or _("none (closed incidents are reopened)")
        raise Invalid(
            _("An incident cannot go from %(a)s to %(b)s; next allowed: %(allowed)s.")
            % {"a": i.status, "b": to_status, "allowed": allowed},
            code="illegal_transition",
            field="status",
        )
    if to_status == S.DISPATCHED and not Assignment.objects.filter(incident=i, active=True).exists():
        raise Invalid(
            _("Dispatch a unit to the incident instead."), code="illegal_transition", field="status"
        )
    return apply_status(i, to_status, now_utc(at))


def apply_status(i: Incident, to_status: str, when: dt.datetime, **data) -> Incident:
    """Set status + timestamp, bump the version and publish (caller holds the lock and checked rules)."""
    before = snapshot(i)
    fields = ["status", *_stamp(i, to_status, when)]
    i.status = to_status
    freed = _free_units(i, when) if to_status in (S.CLEARED, S.CLOSED) else []
    _bump(i, fields)
    publish_incident(f"cad.incident.{to_status}", i, before, freed_units=freed, **data)
    return i


@transaction.atomic
def reopen(user, incident: Incident | int, reason: str, version: int | None = None, at=None) -> Incident:
    """Reopen a cleared or closed incident: back to `created`, ready for a new dispatch."""
    i = lock_for_change(user, incident, version)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason for reopening."), field="reason")
    if len(reason) > 1000:
        raise Invalid(_("The reason is longer than 1,000 characters."), field="reason")
    if i.status not in (S.CLEARED, S.CLOSED):
        raise Invalid(_("Only a cleared or closed incident can be reopened."), code="illegal_transition")
    if i.duplicate_of_id:
        raise Invalid(_("A duplicate is reopened through the incident it duplicates."), field="status")
    when = now_utc(at)
    before = snapshot(i)
    i.status, i.reopened_at, i.reopen_count = S.CREATED, when, i.reopen_count + 1
    i.cleared_at = i.closed_at = None
    _bump(i, ["status", "reopened_at", "reopen_count", "cleared_at", "closed_at"])
    IncidentNote.objects.create(
        incident=i, author=user, text=_("Reopened: %(r)s") % {"r": reason}, created_at=when
    )
    publish_incident("cad.incident.reopened", i, before, reason=reason)
    return i


# --- notes, persons, vehicles, attachments --------------------------------------------------------


def _child_event(name: str, i: Incident, obj, after: dict) -> None:
    publish(
        Event(
            name,
            "cad.incident",
            i.pk,
            polres_id=i.polres_id,
            after={"id": obj.pk, **after},
            data={"number": i.number, "id": obj.pk},
        )
    )


def _editable(user, incident) -> Incident:
    i = lock_for_change(user, incident, None)
    return i


@transaction.atomic
def add_note(user, incident: Incident | int, text: str, at=None) -> IncidentNote:
    i = _editable(user, incident)
    text = (text or "").strip()
    if not text:
        raise Invalid(_("A note needs text."), field="text")
    if len(text) > 4000:
        raise Invalid(_("A note is at most 4,000 characters."), field="text")
    note = IncidentNote.objects.create(incident=i, author=user, text=text, created_at=now_utc(at))
    _child_event("cad.incident.note_added", i, note, {"text": text})
    return note


def _clean_nik(nik: str) -> str:
    from lokal import wilayah  # noqa: F401
    from lokal.nik import is_valid_nik

    nik = (nik or "").replace(" ", "")
    if nik and not (len(nik) == 16 and nik.isdigit() and is_valid_nik(nik)):
        raise Invalid(_("The NIK is not valid."), field="nik")
    return nik


@transaction.atomic
def add_person(user, incident, *, role: str, name: str, nik: str = "", phone: str = "", notes: str = ""):
    i = _editable(user, incident)
    from .intake import _check_number

    if role not in PersonRole.values:
        raise Invalid(_("Unknown role %(r)s.") % {"r": str(role)[:20]}, field="role")
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid(_("A name of 1 to 120 characters is required."), field="name")
    if len(notes) > 300:
        raise Invalid(_("Notes are at most 300 characters."), field="notes")
    p = InvolvedPerson.objects.create(
        incident=i,
        role=role,
        name=name,
        nik=_clean_nik(nik),
        phone=_check_number(phone),
        notes=notes,
        created_at=timezone.now(),
    )
    _child_event("cad.incident.person_added", i, p, {"role": role, "has_nik": bool(p.nik)})  # no PII in audit
    return p


def person_view(p: InvolvedPerson, user) -> dict[str, Any]:
    """A person as the user may see them: NIK and phone masked for roles that do not need them."""
    from lokal import wilayah  # noqa: F401
    from lokal.samaran import partial_mask

    full = getattr(user, "role", None) in NIK_ROLES
    return {
        "id": p.pk,
        "role": p.role,
        "name": p.name,
        "nik": p.nik if full or not p.nik else partial_mask("NIK", p.nik),
        "phone": p.phone if full or not p.phone else partial_mask("PHONE", p.phone),
        "notes": p.notes,
        "masked": not full,
    }


@transaction.atomic
def add_vehicle(user, incident, *, plate: str = "", kind: str = "", role: str, description: str = ""):
    i = _editable(user, incident)
    if role not in VehicleRole.values:
        raise Invalid(_("Unknown role %(r)s.") % {"r": str(role)[:20]}, field="role")
    plate = " ".join((plate or "").upper().split())
    if len(plate) > 15 or (plate and not all(c.isalnum() or c == " " for c in plate)):
        raise Invalid(_("%(p)s is not a number plate.") % {"p": plate[:20]}, field="plate")
    if not plate and not description:
        raise Invalid(_("Give a plate or a description."), field="plate")
    if len(kind) > 30 or len(description) > 200:
        raise Invalid(_("Kind or description is too long."), field="description")
    v = InvolvedVehicle.objects.create(
        incident=i, plate=plate, kind=kind, role=role, description=description, created_at=timezone.now()
    )
    _child_event("cad.incident.vehicle_added", i, v, {"plate": plate, "role": role})
    return v


@transaction.atomic
def attach(user, incident, file, *, name: str = "", content_type: str = "") -> IncidentAttachment:
    """Store a file under MEDIA_ROOT: images, PDF, audio/video clips and text, at most 10 MB."""
    i = _editable(user, incident)
    name = os.path.basename(name or getattr(file, "name", "") or "").strip()[:200]
    content_type = (content_type or getattr(file, "content_type", "") or "").split(";")[0].strip().lower()
    if not name:
        raise Invalid(_("The file needs a name."), field="file")
    if content_type not in ATTACHMENT_TYPES:
        raise Invalid(_("Files of type %(t)s are not accepted.") % {"t": content_type[:60]}, field="file")
    if not name.lower().endswith(ATTACHMENT_TYPES[content_type]):
        raise Invalid(_("The file name does not match its type."), field="file")
    size = getattr(file, "size", None)
    if size is not None and size > MAX_ATTACHMENT:
        raise Invalid(_("The file is larger than 10 MB."), field="file")
    data = file.read(MAX_ATTACHMENT + 1) if hasattr(file, "read") else bytes(file)
    if len(data) > MAX_ATTACHMENT:
        raise Invalid(_("The file is larger than 10 MB."), field="file")
    if not data:
        raise Invalid(_("The file is empty."), field="file")
    magic = MAGIC.get(content_type, ())
    if magic and not data.startswith(magic):
        raise Invalid(_("The file content does not match its type."), field="file")
    digest = hashlib.sha256(data).hexdigest()
    a = IncidentAttachment(
        incident=i,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=user,
        uploaded_at=timezone.now(),
    )
    a.file.save(f"{i.pk}-{digest[:16]}{os.path.splitext(name)[1].lower()}", ContentFile(data), save=False)
    # content-addressed name: a rolled-back upload leaves at most an unreferenced copy of the same bytes
    a.save()
    _child_event("cad.incident.attached", i, a, {"name": name, "size": len(data), "sha256": digest})
    return a


# --- Laporan Polisi -------------------------------------------------------------------------------


def police_report_number(polres, model: str, seq: int, at: dt.datetime) -> str:
    local = at.astimezone(zoneinfo.ZoneInfo(polres.timezone))
    return f"LP/{model}/{seq}/{ROMAN[local.month - 1]}/{local.year}/SPKT/{polres.name.upper()}"


@transaction.atomic
def create_police_report(user, incident, model: str = ReportModel.B, at=None) -> PoliceReport:
    """A Laporan Polisi from an incident: model A (an officer found it) or B (the public reported it)."""
    i = _editable(user, incident)
    if model not in ReportModel.values:
        raise Invalid(_("The report model is A or B."), field="model")
    if i.duplicate_of_id:
        raise Invalid(_("Make the report on the incident this one duplicates."), field="model")
    if PoliceReport.objects.filter(incident=i).exists():
        raise Conflict(_("This incident already has a Laporan Polisi."))
    when = now_utc(at)
    year = local_year(i.polres, when)
    for _attempt in range(20):
        last = (
            PoliceReport.objects.filter(polres_id=i.polres_id, model=model, year=year)
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
        )
        seq = (last or 0) + 1
        report = PoliceReport(
            incident=i,
            polres_id=i.polres_id,
            model=model,
            year=year,
            seq=seq,
            created_at=when,
            created_by=user,
            number=police_report_number(i.polres, model, seq, when),
        )
        try:
            with transaction.atomic():
                report.save(force_insert=True)
            break
        except IntegrityError:
            continue
    else:
        raise Conflict(_("Could not number the report: try again."))
    publish(
        Event(
            "cad.police_report.created",
            "cad.incident",
            i.pk,
            polres_id=i.polres_id,
            after={"number": report.number, "model": model},
            data={"number": report.number},
        )
    )
    Incident.objects.filter(pk=i.pk).update(version=F("version") + 1)
    return report
