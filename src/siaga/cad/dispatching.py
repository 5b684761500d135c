"""Units on incidents: recommendation, dispatch, unit status, positions and the officer panic button.

A unit is on at most one incident at a time. `dispatch` claims the unit with a conditional UPDATE
(status available → dispatched, so of two concurrent dispatches exactly one changes a row) and inserts
the Assignment; the partial unique index "one active assignment per unit" is the backstop. The loser
gets a Conflict and nothing changes.

Unit statuses: available, dispatched, en_route, on_scene, off_duty, out_of_service. A unit's en route /
on scene is stamped on its assignment and carried to the incident (the first unit's time is the
incident's); `cleared` frees the unit, and when the last unit clears the incident is cleared.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import can, restrict

from . import incidents as inc
from .intake import _check_point, locked, now_utc, visible
from .models import Assignment, Incident, IncidentStatus, Source, Unit, UnitStatus
from .recommend import (
    LOAD_WINDOW,  # noqa: F401 (re-exported: the load window is part of this service's rules)
    Candidates,
    IncidentPoint,
    Recommendation,
    rank,
    read_candidates,
    read_incident,
)
from .routing import default_estimator

S = IncidentStatus
U = UnitStatus
PANIC_CATEGORY = "kemanusiaan"  # an officer needing help; the incident carries panic=True
# what a unit may report next (dispatch is its own service; "cleared" frees the unit)
UNIT_NEXT: dict[str, frozenset[str]] = {
    U.AVAILABLE: frozenset({U.OFF_DUTY, U.OUT_OF_SERVICE}),
    U.DISPATCHED: frozenset({U.EN_ROUTE, U.ON_SCENE, "cleared"}),
    U.EN_ROUTE: frozenset({U.ON_SCENE, "cleared"}),
    U.ON_SCENE: frozenset({"cleared"}),
    U.OFF_DUTY: frozenset({U.AVAILABLE, U.OUT_OF_SERVICE}),
    U.OUT_OF_SERVICE: frozenset({U.AVAILABLE, U.OFF_DUTY}),
}
UNIT_STATUSES = frozenset({*U.values, "cleared"})


def _unit_snapshot(u: Unit) -> dict[str, Any]:
    return {
        "callsign": u.callsign,
        "status": u.status,
        "lat": u.lat,
        "lon": u.lon,
        "position_at": u.position_at,
    }


def _publish_unit(name: str, u: Unit, before: dict | None = None, audit: bool = True, **data) -> None:
    publish(
        Event(
            name,
            "cad.unit",
            u.pk,
            polres_id=u.polres_id,
            before=before,
            after=_unit_snapshot(u),
            data={"callsign": u.callsign, "status": u.status, "lat": u.lat, "lon": u.lon, **data},
            audit=audit,
        )
    )


def get_unit(user, pk: int, action: str = "view") -> Unit:
    u = restrict(Unit.objects.all(), user, action).filter(pk=pk).first()
    if u is None:
        raise NotFound(_("Unit not found."))
    return u


def is_crew(user, unit: Unit) -> bool:
    return unit.crew.filter(user_id=getattr(user, "pk", None)).exists()


def require_unit_change(user, unit: Unit) -> None:
    """Dispatchers (cad.unit change) or the unit's own crew (a patrol officer on their phone)."""
    if not visible(user, unit):
        raise NotFound(_("Unit not found."))
    if not (can(user, "change", unit) or is_crew(user, unit)):
        raise Forbidden(_("You may not change this unit."))


# --- recommendation -------------------------------------------------------------------------------


def local_hour(polres, at: dt.datetime) -> int:
    return at.astimezone(zoneinfo.ZoneInfo(polres.timezone)).hour


def candidates(user, incident: Incident | IncidentPoint, now: dt.datetime) -> Candidates:
    """Available units with a position, in the user's scope and the incident's Polres, with their loads
    (cached per process, validated by the Polres's unit stamp: see cad.recommend)."""
    return read_candidates(user, incident.polres_id, now)


def recommend(
    user, incident: Incident | int, limit: int = 5, *, now=None, estimator=None
) -> list[Recommendation]:
    """Available units ranked for the incident (cad.recommend.rank), each with the reasons for its place.

    One query for the incident through the read gate, one for the unit stamp; the unit columns come
    from the process cache while the stamp is unchanged."""
    i = read_incident(user, getattr(incident, "pk", incident))
    if i.lat is None or i.lon is None:
        raise Invalid(_("The incident has no position."), field="lat")
    if not 1 <= limit <= 50:
        raise Invalid(_("The limit is 1 to 50."), field="limit")
    now = now_utc(now)
    return rank(
        read_candidates(user, i.polres_id, now),
        lon=i.lon,
        lat=i.lat,
        category=i.category,
        priority=i.priority,
        polsek_id=i.polsek_id,
        hour=i.local_hour(now),
        limit=limit,
        estimator=estimator or default_estimator(),
    )


# --- dispatch -------------------------------------------------------------------------------------


@transaction.atomic
def dispatch(
    user, incident: Incident | int, unit: Unit | int, *, version: int | None = None, at=None
) -> Assignment:
    """Send a unit to an incident. Of two concurrent dispatches of one unit exactly one wins."""
    i = inc.lock_for_change(user, incident, version)
    u_pk = getattr(unit, "pk", unit)
    u = restrict(Unit.objects.all(), user, "view").filter(pk=u_pk).first()
    if u is None:
        raise NotFound(_("Unit not found."))
    if not can(user, "change", u):
        raise Forbidden(_("You may not dispatch units."))
    if u.polres_id != i.polres_id:
        raise Invalid(_("The unit belongs to another Polres."), field="unit_id")
    if i.status not in (S.CREATED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE):
        raise Invalid(
            _("An incident that is %(s)s cannot take a unit.") % {"s": i.get_status_display()},
            code="illegal_transition",
        )
    if i.duplicate_of_id:
        raise Invalid(_("Dispatch to the incident this one duplicates."), field="unit_id")
    when = now_utc(at)
    claimed = Unit.objects.filter(pk=u.pk, status=U.AVAILABLE).update(status=U.DISPATCHED)
    if not claimed:
        raise Conflict(_("Unit %(u)s is no longer available.") % {"u": u.callsign}, code="unit_busy")
    try:
        with transaction.atomic():
            a = Assignment.objects.create(incident=i, unit=u, dispatched_at=when, dispatched_by=user)
    except IntegrityError as e:  # an active assignment exists: the backstop of the claim above
        raise Conflict(_("Unit %(u)s is already assigned.") % {"u": u.callsign}, code="unit_busy") from e
    u.refresh_from_db()
    _publish_unit("cad.unit.dispatched", u, {"status": U.AVAILABLE}, incident_id=i.pk, assignment_id=a.pk)
    if i.status == S.CREATED:
        inc.apply_status(i, S.DISPATCHED, when, unit_id=u.pk, assignment_id=a.pk)
    else:
        before = inc.snapshot(i)
        inc._bump(i, [])
        inc.publish_incident("cad.incident.unit_added", i, before, unit_id=u.pk, assignment_id=a.pk)
    return a


# --- unit status and position ---------------------------------------------------------------------


def _advance_incident(i: Incident, to_status: str, when: dt.datetime, unit_id: int) -> None:
    """Carry a unit's en route / on scene / cleared to its incident when it moves the incident forward."""
    order = inc.ORDER
    if i.status in (S.CLEARED, S.CLOSED) or order.index(to_status) <= order.index(i.status):
        return
    inc.apply_status(i, to_status, when, unit_id=unit_id)


@transaction.atomic
def set_unit_status(
    user, unit: Unit | int, status: str, lat: Any = None, lon: Any = None, *, at=None
) -> Unit:
    """A unit reports its status (dispatcher or the unit's crew); optionally with its position."""
    u = Unit(pk=getattr(unit, "pk", unit))
    require_unit_change(user, u)
    u = locked(Unit, u.pk)
    if status not in UNIT_STATUSES:
        raise Invalid(_("Unknown unit status %(s)s.") % {"s": str(status)[:30]}, field="status")
    if status == U.DISPATCHED:
        raise Invalid(
            _("Dispatch the unit to an incident instead."), field="status", code="illegal_transition"
        )
    if status not in UNIT_NEXT[u.status]:
        raise Invalid(
            _("Unit %(u)s cannot go from %(a)s to %(b)s.") % {"u": u.callsign, "a": u.status, "b": status},
            field="status",
            code="illegal_transition",
        )
    when = now_utc(at)
    before = _unit_snapshot(u)
    if lat is not None or lon is not None:
        lat, lon = _check_point(lat, lon)
        u.lat, u.lon, u.position_at = lat, lon, when
    a = Assignment.objects.select_for_update().filter(unit=u, active=True).first()
    if status in (U.EN_ROUTE, U.ON_SCENE, "cleared") and a is None:
        raise Conflict(_("Unit %(u)s has no active assignment.") % {"u": u.callsign})
    if a is not None:
        i = locked(Incident, a.incident_id)
        if status == "cleared":
            a.active, a.cleared_at = False, when
            a.save(update_fields=["active", "cleared_at"])
            u.status = U.AVAILABLE
            u.save(update_fields=["status", "lat", "lon", "position_at"])
            if not Assignment.objects.filter(incident=i, active=True).exists():
                _advance_incident(i, S.CLEARED, when, u.pk)
        else:
            field = f"{status}_at"
            if getattr(a, field) is None:
                setattr(a, field, when)
                a.save(update_fields=[field])
            u.status = status
            u.save(update_fields=["status", "lat", "lon", "position_at"])
            _advance_incident(i, status, when, u.pk)
    else:
        u.status = status
        u.save(update_fields=["status", "lat", "lon", "position_at"])
    _publish_unit("cad.unit.status_changed", u, before, incident_id=a.incident_id if a else None)
    return u


@transaction.atomic
def update_position(unit: Unit | int, lat: Any, lon: Any, at: dt.datetime | None = None) -> bool:
    """A position fix from the officer view or a single device (batches go through ingest.pipeline).

    Every fix joins the unit's track (UnitPosition, source "officer"); older fixes than the stored one
    do not move the unit (returns False). Positions are pushed live but not written to the audit
    trail (they are telemetry, not decisions)."""
    from .models import UnitPosition

    lat, lon = _check_point(lat, lon)
    when = now_utc(at)
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise Invalid(_("The position is timestamped in the future."), field="at")
    pk = getattr(unit, "pk", unit)
    moved = (
        Unit.objects.filter(pk=pk)
        .filter(Q(position_at__isnull=True) | Q(position_at__lte=when))
        .update(lat=lat, lon=lon, position_at=when)
    )
    polres_id = Unit.objects.filter(pk=pk).values_list("polres_id", flat=True).first()
    if polres_id is None:
        raise NotFound(_("Unit not found."))
    UnitPosition.objects.create(unit_id=pk, polres_id=polres_id, lat=lat, lon=lon, at=when, source="officer")
    if not moved:
        return False
    u = Unit.objects.get(pk=pk)
    _publish_unit("cad.unit.position", u, audit=False)
    return True


def update_position_as(user, unit: Unit | int, lat: Any, lon: Any, at=None) -> bool:
    u = Unit(pk=getattr(unit, "pk", unit))
    require_unit_change(user, u)
    return update_position(u.pk, lat, lon, at)


def panic(user, unit: Unit | int, lat: Any = None, lon: Any = None, *, at=None) -> Incident:
    """Officer panic: a P1 incident at the unit's position (or its last known one), flagged panic."""
    u = get_unit(user, getattr(unit, "pk", unit))
    if not (can(user, "change", u) or is_crew(user, u)):
        raise Forbidden(_("You may not raise a panic for this unit."))
    if lat is None and lon is None:
        lat, lon = u.lat, u.lon
    if lat is None or lon is None:
        raise Invalid(_("The unit's position is unknown: send it with the panic."), field="lat")
    lat, lon = _check_point(lat, lon)
    if not math.isfinite(lat):
        raise Invalid(_("The position is not valid."), field="lat")
    with transaction.atomic():
        incident = inc.create_incident(
            user,
            category=PANIC_CATEGORY,
            priority=1,
            lat=lat,
            lon=lon,
            summary=_("Officer panic: %(u)s") % {"u": u.callsign},
            source=Source.DEVICE,
            panic=True,
            polres=u.polres,
            at=at,
        )
        Unit.objects.filter(pk=u.pk).update(lat=lat, lon=lon, position_at=now_utc(at))
        u.refresh_from_db()
        _publish_unit("cad.unit.panic", u, incident_id=incident.pk, number=incident.number)
    return incident
