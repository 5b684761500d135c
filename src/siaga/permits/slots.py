"""SKCK appointment slots: Intelkam publishes a schedule per service point (Polres or Polsek) with a
capacity; a booking takes one place with a conditional UPDATE, so when two citizens race for the last
place exactly one wins (the database decides, on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import restrict, role_allows

from .models import Slot

SKCK_FEE_RP = 30_000  # PNBP for an SKCK (PP 76/2020)
MAX_SLOTS_PER_SCHEDULE = 400


def _zone(polres) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(polres.timezone or "Asia/Jakarta")


def _in_jurisdiction(user, polres, polsek) -> bool:
    if getattr(user, "role", None) == "admin" and not (user.polres_id or user.polsek_id or user.polda_id):
        return True
    if user.polsek_id:
        return polsek is not None and polsek.pk == user.polsek_id
    if user.polres_id:
        return polres.pk == user.polres_id
    if user.polda_id:
        return polres.polda_id == user.polda_id
    return False


def service_point(user, polsek_id: Any = None):
    """(polres, polsek) where this staff member publishes slots: their own Polres (or Polsek)."""
    from siaga.territory.models import Polres, Polsek

    polsek = None
    if polsek_id not in (None, ""):
        try:
            polsek = Polsek.objects.select_related("polres").filter(pk=int(polsek_id)).first()
        except (TypeError, ValueError):
            polsek = None
        if polsek is None:
            raise Invalid(_("Choose the service point from the list."), field="polsek")
        return polsek.polres, polsek
    if user.polsek_id:
        polsek = Polsek.objects.select_related("polres").get(pk=user.polsek_id)
        return polsek.polres, polsek
    polres = Polres.objects.filter(pk=user.polres_id).first() if user.polres_id else None
    if polres is None:
        raise Invalid(_("Choose the service point from the list."), field="polsek")
    return polres, None


def _date(v: Any, field: str) -> dt.date:
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v or "").strip()[:10])
    except ValueError as e:
        raise Invalid(_("Write the date as YYYY-MM-DD."), field=field) from e


def _time(v: Any) -> dt.time:
    if isinstance(v, dt.time):
        return v
    try:
        return dt.time.fromisoformat(str(v).strip()[:5])
    except ValueError as e:
        raise Invalid(_("Write each time as HH:MM."), field="times") from e


@transaction.atomic
def create_schedule(
    user,
    *,
    polres,
    polsek=None,
    date_from: Any,
    date_to: Any,
    times: list[Any] | str,
    minutes: Any = 60,
    capacity: Any = 10,
    weekdays_only: bool = True,
) -> list[Slot]:
    """Slots on each (working) day of the range at the given start times; existing ones are kept."""
    from .rules import is_working_day

    if not role_allows(user, "permits.slot", "change"):
        raise Forbidden(_("You may not change this record."))
    if polsek is not None and polsek.polres_id != polres.pk:
        raise Invalid(_("The Polsek does not belong to this Polres."), field="polsek")
    if not _in_jurisdiction(user, polres, polsek):
        raise Forbidden(_("That service point is outside your jurisdiction."))
    d0, d1 = _date(date_from, "date_from"), _date(date_to, "date_to")
    if d1 < d0 or (d1 - d0).days > 92:
        raise Invalid(_("The range must run forward and cover at most 92 days."), field="date_to")
    if isinstance(times, str):
        times = [t for t in times.replace(";", ",").split(",") if t.strip()]
    starts = sorted({_time(t) for t in times})
    if not starts:
        raise Invalid(_("Give at least one start time."), field="times")
    try:
        minutes, capacity = int(minutes), int(capacity)
    except (TypeError, ValueError) as e:
        raise Invalid(_("Duration and capacity must be whole numbers."), field="capacity") from e
    if not 10 <= minutes <= 480:
        raise Invalid(_("A slot lasts 10 to 480 minutes."), field="minutes")
    if not 1 <= capacity <= 200:
        raise Invalid(_("The capacity must be 1 to 200 people."), field="capacity")
    zone, now = _zone(polres), timezone.now()
    made, day = [], d0
    while day <= d1:
        if not weekdays_only or is_working_day(day):
            for t in starts:
                start = dt.datetime.combine(day, t, tzinfo=zone)
                if start <= now:
                    continue
                slot, created = Slot.objects.get_or_create(
                    polres=polres,
                    polsek=polsek,
                    starts_at=start,
                    defaults={
                        "ends_at": start + dt.timedelta(minutes=minutes),
                        "capacity": capacity,
                        "created_at": now,
                    },
                )
                if created:
                    made.append(slot)
                if len(made) > MAX_SLOTS_PER_SCHEDULE:
                    raise Invalid(_("At most 400 slots at once."), field="date_to")
        day += dt.timedelta(days=1)
    if made:
        publish(
            Event(
                "permits.slot.scheduled",
                "permits.slot",
                made[0].pk,
                polres.pk,
                after={"polsek_id": getattr(polsek, "pk", None), "count": len(made), "capacity": capacity},
            )
        )
    return made


def take_place(slot_id: Any) -> Slot:
    """Take one place (inside the caller's transaction). Refused when the slot is full or past."""
    try:
        slot_id = int(slot_id)
    except (TypeError, ValueError) as e:
        raise Invalid(_("Choose an appointment slot."), field="slot") from e
    slot = Slot.objects.select_related("polres", "polsek").filter(pk=slot_id).first()
    if slot is None:
        raise NotFound(_("That appointment slot does not exist."))
    if slot.starts_at <= timezone.now():
        raise Invalid(_("That appointment slot has already passed."), field="slot")
    won = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not won:
        raise Conflict(_("That appointment slot is full: choose another."), code="slot_full")
    slot.refresh_from_db(fields=["booked"])
    return slot


def free_place(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def open_slots(polres=None, days: int = 30, limit: int = 300):
    """Future slots with free places (public)."""
    now = timezone.now()
    qs = Slot.objects.filter(
        starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=days), booked__lt=F("capacity")
    )
    if polres is not None:
        qs = qs.filter(polres=polres)
    return qs.select_related("polres", "polsek").order_by("starts_at", "pk")[:limit]


def staff_slots(user, days_back: int = 1, days: int = 60):
    now = timezone.now()
    qs = restrict(Slot.objects.all(), user, "view").filter(
        starts_at__gt=now - dt.timedelta(days=days_back), starts_at__lt=now + dt.timedelta(days=days)
    )
    return qs.select_related("polres", "polsek").order_by("starts_at", "pk")
