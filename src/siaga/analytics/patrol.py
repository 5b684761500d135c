"""Patrol plans: per shift, the hot-spot cells to patrol with the units available, and the dosage delivered.

generate → a draft plan: the shift's forecast surface inside the area (analytics.patrol_surface), the top K
cells where K = units × patrol minutes ÷ minutes per visit (Koper: 15), each named by the RT holding its
centre, allocated to the nearest free unit (analytics.patrol_allocate) with suggested visit windows.
publish → the plan goes to the officers; an earlier published plan of the same shift is superseded.
record_dosage → minutes each unit spent in each cell, from the unit tracks (analytics.patrol_dosage).

References: Mohler et al. (2015) daily 150 m boxes; Koper (1995) 10-16 minute visits; Bowers, Johnson &
Pease (2004) prospective hot-spotting.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.context import acting
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import can, restrict, role_allows

from . import patrol_allocate as alloc
from . import patrol_dosage, patrol_surface, predict
from .grid import Projection
from .models import PatrolPlan, PatrolPlanItem, PlanStatus

RESOURCE = "analytics.patrolplan"
DEFAULTS = {
    "method": "blend",
    "cell_m": 150.0,
    "visit_minutes": 15,
    "patrol_minutes": 120,  # per unit per shift; the rest is left for calls for service
    "max_cells": 200,
    "history_days": 365,
    "gap_cap_minutes": 10,
}
PATROL_KINDS = ("r4", "r2", "foot")
MAX_ID = 2**63  # larger ids cannot exist (and SQLite cannot even compare them)
ON_DUTY = ("available", "dispatched", "en_route", "on_scene")
CUSTOM_SHIFT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


# --- shifts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    name: str
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime
    start_hour: int  # local

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600.0


def shift_window(polres, date, shift: str) -> Shift:
    """The shift `shift` (a name of the Polres's shifts, or 'HH:MM-HH:MM') starting on local `date`."""
    from siaga.cad.intake import config

    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise Invalid(_("The date must be YYYY-MM-DD."), field="date") from None
    if not isinstance(date, dt.date):
        raise Invalid(_("The date must be YYYY-MM-DD."), field="date")
    zone = zoneinfo.ZoneInfo(polres.timezone)
    shift = str(shift or "").strip().lower()
    m = CUSTOM_SHIFT.match(shift)
    if m:
        h0, m0, h1, m1 = (int(v) for v in m.groups())
        start = dt.datetime.combine(date, dt.time(h0, m0), zone)
        end = dt.datetime.combine(date, dt.time(h1, m1), zone)
    else:
        shifts = sorted(config(polres).shifts, key=lambda s: int(s["start"]))
        names = [s["name"] for s in shifts]
        if shift not in names:
            raise Invalid(
                _("Unknown shift: choose one of %(names)s or HH:MM-HH:MM.") % {"names": ", ".join(names)},
                field="shift",
            )
        i = names.index(shift)
        h0 = int(shifts[i]["start"])
        h1 = int(shifts[(i + 1) % len(shifts)]["start"]) if len(shifts) > 1 else h0
        start = dt.datetime.combine(date, dt.time(h0), zone)
        end = dt.datetime.combine(date, dt.time(h1), zone)
    if end <= start:
        end += dt.timedelta(days=1)
    return Shift(shift, start.astimezone(dt.UTC), end.astimezone(dt.UTC), start.hour)


def current_shift(polres, at: dt.datetime) -> Shift:
    """The configured shift of the Polres running at `at`."""
    from siaga.cad.intake import config

    local = at.astimezone(zoneinfo.ZoneInfo(polres.timezone))
    for day in (local.date(), local.date() - dt.timedelta(days=1)):
        for s in config(polres).shifts:
            w = shift_window(polres, day, s["name"])
            if w.starts_at <= at < w.ends_at:
                return w
    return shift_window(polres, local.date(), config(polres).shifts[0]["name"])


# --- inputs -----------------------------------------------------------------------------------------------


def _number(value, name: str, lo: float, hi: float, integer: bool = False):
    try:
        v = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise Invalid(_("%(name)s must be a number.") % {"name": name}, field=name) from None
    if integer and float(value) != v:
        raise Invalid(_("%(name)s must be a whole number.") % {"name": name}, field=name)
    if not lo <= v <= hi:
        raise Invalid(
            _("%(name)s must be between %(lo)s and %(hi)s.") % {"name": name, "lo": lo, "hi": hi}, field=name
        )
    return v


def params_of(shift: Shift, **given) -> dict:
    """Validated parameters, defaults filled in."""
    p = {**DEFAULTS, **{k: v for k, v in given.items() if v is not None}}
    unknown = set(p) - set(DEFAULTS)
    if unknown:
        raise Invalid(_("Unknown parameter(s): %(names)s") % {"names": ", ".join(sorted(unknown))})
    if p["method"] not in predict.METHODS:
        raise Invalid(
            _("The method must be one of %(names)s.") % {"names": ", ".join(predict.METHODS)}, field="method"
        )
    shift_min = round(shift.hours * 60)
    p["cell_m"] = _number(p["cell_m"], "cell_m", 50, 1000)
    p["visit_minutes"] = _number(p["visit_minutes"], "visit_minutes", 5, 60, integer=True)
    p["patrol_minutes"] = _number(p["patrol_minutes"], "patrol_minutes", p["visit_minutes"], shift_min, True)
    p["max_cells"] = _number(p["max_cells"], "max_cells", 1, 2000, integer=True)
    p["history_days"] = _number(p["history_days"], "history_days", 7, 3650, integer=True)
    p["gap_cap_minutes"] = _number(p["gap_cap_minutes"], "gap_cap_minutes", 1, 120, integer=True)
    return p


def available_units(actor, polres, polsek=None, unit_ids=None) -> list:
    """On-duty patrol units (cars, motorbikes, foot) of the Polres or Polsek, or exactly `unit_ids`."""
    from siaga.cad.models import Unit

    qs = Unit.objects.filter(polres=polres)
    if actor is not None:
        qs = restrict(qs, actor, "view")
    if unit_ids is not None:
        try:
            ids = sorted({int(u) for u in unit_ids})
        except (TypeError, ValueError):
            raise Invalid(_("Units are given by their ids."), field="units") from None
        if any(not 0 < i < MAX_ID for i in ids):
            raise Invalid(_("Some units are not of this Polres (or not yours to see)."), field="units")
        units = list(qs.filter(pk__in=ids).order_by("callsign"))
        if len(units) != len(ids):
            raise Invalid(_("Some units are not of this Polres (or not yours to see)."), field="units")
        return units
    qs = qs.filter(status__in=ON_DUTY, kind__in=PATROL_KINDS)
    if polsek is not None:
        qs = qs.filter(polsek=polsek)
    return [u for u in qs.order_by("callsign") if not u.capabilities or "patrol" in u.capabilities]


# --- generate ---------------------------------------------------------------------------------------------


def _cell_polygon(proj: Projection, x0: float, y0: float, cell: float) -> dict:
    xs = np.array([x0, x0 + cell, x0 + cell, x0, x0])
    ys = np.array([y0, y0, y0 + cell, y0 + cell, y0])
    lon, lat = proj.inverse(xs, ys)
    return {
        "type": "Polygon",
        "coordinates": [[[round(a, 6), round(b, 6)] for a, b in zip(lon, lat, strict=True)]],
    }


def _places(lon, lat, polres) -> list[dict]:
    """RT key, kelurahan, a readable name, the Polsek and the latest risk class of each point."""
    from siaga.territory.lookup import locate_many
    from siaga.territory.models import Region

    from .models import RiskSnapshot

    loc = locate_many(np.asarray(lon), np.asarray(lat))
    kels = {str(c) for c in loc.kelurahan_code if c}
    names = dict(Region.objects.filter(code__in=kels).values_list("code", "name"))
    out = []
    for i in range(len(loc)):
        kel = str(loc.kelurahan_code[i]) if loc.inside[i] else ""
        rw, rt = int(loc.rw[i]), int(loc.rt[i])
        key = f"{kel}/{rw:03d}/{rt:03d}" if kel and rt else ""
        name = names.get(kel, "")
        if key:
            name = f"RT {rt:03d}/RW {rw:03d} {name}"
        pid = int(loc.polsek_id[i]) if loc.inside[i] else -1
        out.append({"rt_key": key, "kelurahan_code": kel, "name": name, "polsek": pid})
    latest = (
        RiskSnapshot.objects.filter(polres=polres).order_by("-week").values_list("week", flat=True).first()
    )
    if latest:
        keys = {p["rt_key"] for p in out if p["rt_key"]} | {
            p["kelurahan_code"] for p in out if p["kelurahan_code"]
        }
        cls = dict(
            RiskSnapshot.objects.filter(
                polres=polres, week=latest, level__in=["rt", "kelurahan"], key__in=keys
            ).values_list("key", "risk_class")
        )
        for p in out:
            p["risk_class"] = cls.get(p["rt_key"]) or cls.get(p["kelurahan_code"], "")
    return out


def _check_area(actor, polres, polsek) -> None:
    """Refuse early (before the forecast) an area outside the actor's; the saved plan is checked again."""
    if actor is None:
        return
    outside = (
        (actor.polsek_id and (polsek is None or polsek.pk != actor.polsek_id))
        or (actor.polres_id and actor.polres_id != polres.pk)
        or (actor.polda_id and actor.polda_id != polres.polda_id)
    )
    if outside:
        raise Forbidden(_("This area is outside yours."))


def generate(
    actor, polres, date, shift: str, *, polsek=None, unit_ids=None, now=None, **params
) -> PatrolPlan:
    """Draw up a draft plan for one shift; bad input or an area outside the actor's raises, storing
    nothing."""
    if actor is not None and not role_allows(actor, RESOURCE, "change"):
        raise Forbidden(_("You may not draw up patrol plans."))
    if polsek is not None and polsek.polres_id != polres.pk:
        raise Invalid(_("The Polsek is not of this Polres."), field="polsek")
    _check_area(actor, polres, polsek)
    w = shift_window(polres, date, shift)
    p = params_of(w, **params)
    units = available_units(actor, polres, polsek, unit_ids)
    if not units:
        raise Invalid(_("No patrol unit is on duty in this area: nothing to plan with."), field="units")
    now = now or timezone.now()
    proj = Projection(polres.utm_epsg)
    hist = patrol_surface.history(polres, proj, w.starts_at, p["history_days"])
    grid = patrol_surface.area_grid(polres, polsek, proj, hist, p["cell_m"])
    hours = patrol_surface.shift_hours(w.start_hour, w.hours)
    surf = patrol_surface.surface(hist, grid, p["method"], hours, w.hours)
    intensity = surf["intensity"]
    valid = np.flatnonzero(grid.valid)
    cap = alloc.capacity(p["patrol_minutes"], p["visit_minutes"])
    k = alloc.cells_to_plan(
        len(units), p["patrol_minutes"], p["visit_minutes"], int((intensity[valid] > 0).sum()), p["max_cells"]
    )
    top = valid[np.argsort(-intensity[valid], kind="stable")[:k]]
    cx, cy = grid.centres()
    lon, lat = proj.inverse(cx[top], cy[top])
    places = _places(lon, lat, polres) if k else []
    ux, uy = proj.forward(
        np.array([u.lon if u.lon is not None else np.nan for u in units], dtype=float),
        np.array([u.lat if u.lat is not None else np.nan for u in units], dtype=float),
    )
    unit_xy = np.column_stack([ux, uy])
    who = alloc.allocate(
        np.column_stack([cx[top], cy[top]]),
        unit_xy,
        [cap] * len(units),
        np.array([pl["polsek"] for pl in places], dtype=int),
        np.array([u.polsek_id or -1 for u in units], dtype=int),
    )
    mean = float(intensity[valid].mean()) if len(valid) else 0.0
    total = float(intensity[valid].sum())
    shift_s = w.hours * 3600.0
    visit_s = p["visit_minutes"] * 60.0
    when: dict[int, tuple[float, float]] = {}
    for u in range(len(units)):
        mine = np.flatnonzero(who == u)
        order = alloc.route(unit_xy[u], np.column_stack([cx[top][mine], cy[top][mine]]))
        for j, (a, b) in zip(order, alloc.windows(len(order), shift_s, visit_s), strict=True):
            when[int(mine[j])] = (a, b)
    ix0, iy0 = round(grid.x0 / grid.cell), round(grid.y0 / grid.cell)
    items = []
    for r, flat in enumerate(top):
        iy, ix = divmod(int(flat), grid.nx)
        pl = places[r]
        a, b = when.get(r, (0.0, 0.0))
        items.append(
            PatrolPlanItem(
                rank=r + 1,
                cell_key=f"{proj.epsg}:{int(grid.cell)}:{ix0 + ix}:{iy0 + iy}",
                rt_key=pl["rt_key"],
                kelurahan_code=pl["kelurahan_code"],
                area_name=pl["name"][:160],
                lat=round(float(lat[r]), 6),
                lon=round(float(lon[r]), 6),
                polygon=_cell_polygon(proj, grid.x0 + ix * grid.cell, grid.y0 + iy * grid.cell, grid.cell),
                intensity=round(float(intensity[flat]), 5),
                score=round(float(intensity[flat]) / mean, 3) if mean > 0 else 0.0,
                why={
                    "method": p["method"],
                    "daily_expected": round(float(surf["daily"][flat]), 5),
                    "shift_share": round(float(surf["share"][flat]), 3),
                    "risk_class": pl.get("risk_class", ""),
                    "rank_of": len(valid),
                },
                unit=units[who[r]] if who[r] >= 0 else None,
                planned_minutes=p["visit_minutes"] if who[r] >= 0 else 0,
                windows=[
                    [
                        (w.starts_at + dt.timedelta(seconds=a)).isoformat(),
                        (w.starts_at + dt.timedelta(seconds=b)).isoformat(),
                    ]
                ]
                if who[r] >= 0
                else [],
            )
        )
    covered = float(intensity[top].sum())
    summary = {
        "cells": k,
        "area_cells": len(valid),
        "units": len(units),
        "unit_ids": [u.pk for u in units],
        "visits_per_unit": cap,
        "planned_minutes": int(sum(i.planned_minutes for i in items)),
        "expected_events": round(covered, 4),
        "area_expected_events": round(total, 4),
        "share_of_expected": round(covered / total, 4) if total > 0 else 0.0,
        "share_of_area": round(k / len(valid), 4) if len(valid) else 0.0,
        "area_shift_share": round(surf["area_share"], 4),
        "history_incidents": len(hist.x),
    }
    with acting(actor), transaction.atomic():
        plan = PatrolPlan.objects.create(
            polres=polres,
            polsek=polsek,
            date=w.starts_at.astimezone(zoneinfo.ZoneInfo(polres.timezone)).date(),
            shift=w.name,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            method=p["method"],
            params=p,
            summary=summary,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
        )
        if actor is not None and not can(actor, "change", plan):
            raise Forbidden(_("This area is outside yours."))
        for it in items:
            it.plan = plan
        PatrolPlanItem.objects.bulk_create(items)
        publish(
            Event(
                "analytics.patrolplan.generated",
                RESOURCE,
                plan.pk,
                polres.pk,
                after={"date": plan.date.isoformat(), "shift": plan.shift, **summary},
            )
        )
    return plan


# --- publish and dosage -----------------------------------------------------------------------------------


def get(user, pk, action: str = "view") -> PatrolPlan:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("Not found.")) from None
    if not 0 < pk < MAX_ID:
        raise NotFound(_("Not found."))
    qs = PatrolPlan.objects.select_related("polres", "polsek")
    plan = (restrict(qs, user, action) if user is not None else qs).filter(pk=pk).first()
    if plan is None:
        raise NotFound(_("Not found."))
    return plan


def publish_plan(actor, pk, *, now=None) -> PatrolPlan:
    """Send a draft to the officers; the plan published before for the same shift and area is superseded."""
    if actor is not None and not role_allows(actor, RESOURCE, "change"):
        raise Forbidden(_("You may not publish patrol plans."))
    now = now or timezone.now()
    with acting(actor), transaction.atomic():
        plan = PatrolPlan.objects.select_for_update().get(pk=get(actor, pk, "change").pk)
        if plan.status != PlanStatus.DRAFT:
            raise Conflict(_("Only a draft can be published."))
        older = PatrolPlan.objects.select_for_update().filter(
            polres=plan.polres_id,
            polsek=plan.polsek_id,
            date=plan.date,
            shift=plan.shift,
            status=PlanStatus.PUBLISHED,
        )
        superseded = list(older.values_list("pk", flat=True))
        older.update(status=PlanStatus.SUPERSEDED)
        plan.status, plan.published_at = PlanStatus.PUBLISHED, now
        plan.save(update_fields=["status", "published_at"])
        publish(
            Event(
                "analytics.patrolplan.published",
                RESOURCE,
                plan.pk,
                plan.polres_id,
                before={"status": "draft"},
                after={"status": "published", "superseded": superseded},
            )
        )
    return plan


def compute_dosage(plan: PatrolPlan, *, now=None) -> dict:
    """Minutes per item (all units) and per unit, from the tracks, up to now or the end of the shift."""
    from siaga.cad.models import Unit, UnitPosition

    now = now or timezone.now()
    items = list(plan.items.all())
    start, end = plan.starts_at, min(plan.ends_at, max(now, plan.starts_at))
    gap = float(plan.params.get("gap_cap_minutes", DEFAULTS["gap_cap_minutes"])) * 60.0
    rows = list(
        UnitPosition.objects.filter(
            polres=plan.polres_id, at__gte=start - dt.timedelta(seconds=gap), at__lte=end
        ).values_list("unit_id", "at", "lat", "lon")
    )
    unit_ids = sorted({r[0] for r in rows})
    col = {u: i for i, u in enumerate(unit_ids)}
    t0 = start.timestamp()
    uix = np.array([col[r[0]] for r in rows], dtype=np.int64)
    t = np.array([r[1].timestamp() - t0 for r in rows], dtype=float)
    cells = patrol_dosage.cell_index(
        [i.cell_key for i in items], plan.polres.utm_epsg, [r[3] for r in rows], [r[2] for r in rows]
    )
    d = patrol_dosage.dwell(uix, t, cells, len(items), len(unit_ids), 0.0, end.timestamp() - t0, gap)
    minutes = d.seconds / 60.0
    callsign = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "callsign"))
    per_item = []
    for i, it in enumerate(items):
        by_unit = {
            callsign[unit_ids[j]]: round(float(minutes[i, j]), 1) for j in np.flatnonzero(minutes[i] > 0)
        }
        per_item.append(
            {
                "id": it.pk,
                "rank": it.rank,
                "minutes": round(float(minutes[i].sum()), 1),
                "visits": int(d.visits[i]),
                "by_unit": by_unit,
                "planned_minutes": it.planned_minutes,
            }
        )
    planned = sum(it.planned_minutes for it in items)
    delivered = float(minutes.sum())
    visited = sum(1 for r in per_item if r["minutes"] > 0)
    per_unit = minutes.sum(axis=0)
    return {
        "as_of": end.isoformat(),
        "planned_minutes": planned,
        "delivered_minutes": round(delivered, 1),
        "delivered_pct": round(100.0 * delivered / planned, 1) if planned else 0.0,
        "cells": len(items),
        "cells_visited": visited,
        "visited_pct": round(100.0 * visited / len(items), 1) if items else 0.0,
        "by_unit": {
            callsign[u]: round(float(per_unit[j]), 1) for j, u in enumerate(unit_ids) if per_unit[j] > 0
        },
        "items": per_item,
    }


def record_dosage(actor, pk, *, now=None) -> dict:
    """Store the dosage on the plan and its items (a published plan only)."""
    now = now or timezone.now()
    with acting(actor), transaction.atomic():
        plan = PatrolPlan.objects.select_for_update().get(pk=get(actor, pk, "change" if actor else "view").pk)
        if plan.status != PlanStatus.PUBLISHED:
            raise Conflict(_("Dosage is recorded for a published plan."))
        res = compute_dosage(plan, now=now)
        rows = {r["id"]: r for r in res["items"]}
        items = list(plan.items.all())
        for it in items:
            it.dosage_minutes, it.visits = rows[it.pk]["minutes"], rows[it.pk]["visits"]
        PatrolPlanItem.objects.bulk_update(items, ["dosage_minutes", "visits"])
        totals = {k: v for k, v in res.items() if k != "items"}
        before = plan.dosage
        plan.dosage, plan.dosage_at = totals, now
        plan.save(update_fields=["dosage", "dosage_at"])
        publish(
            Event(
                "analytics.patrolplan.dosage", RESOURCE, plan.pk, plan.polres_id, before=before, after=totals
            )
        )
    return res


# --- reads ------------------------------------------------------------------------------------------------


def plans(user, *, date=None, status=None):
    qs = restrict(PatrolPlan.objects.select_related("polres", "polsek"), user, "view")
    if date:
        qs = qs.filter(date=date)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-date", "-starts_at", "-pk")


def unit_plan(user, unit, *, at=None) -> tuple[PatrolPlan | None, list[PatrolPlanItem]]:
    """The published plan of the shift running at `at` (else the next one today) and the unit's cells."""
    at = at or timezone.now()
    qs = restrict(PatrolPlan.objects.select_related("polres"), user, "view").filter(
        polres=unit.polres_id, status=PlanStatus.PUBLISHED, items__unit=unit
    )
    plan = qs.filter(starts_at__lte=at, ends_at__gt=at).order_by("-published_at").first()
    if plan is None:
        plan = (
            qs.filter(starts_at__gt=at, starts_at__lt=at + dt.timedelta(hours=12))
            .order_by("starts_at")
            .first()
        )
    if plan is None:
        return None, []
    items = list(plan.items.filter(unit=unit).select_related("unit"))
    return plan, sorted(items, key=lambda i: (i.windows[0][0] if i.windows else "", i.rank))
