"""JSON API of the patrol plans, mounted at /api/analytics/patrol/ (session authentication).

Reads go through the read gate (analytics.patrolplan view); writes through analytics.patrol, which
refuses bad input with a 4xx and stores nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from siaga.core.errors import Forbidden, Invalid, NotFound
from siaga.core.permissions import role_allows

from . import patrol
from .models import PatrolPlan, PatrolPlanItem, PlanStatus

router = Router(tags=["patrol plans"])


class Error(Schema):
    detail: str
    code: str


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def _gate(request) -> None:
    if not role_allows(request.user, patrol.RESOURCE, "view"):
        raise Forbidden(_("You may not see the patrol plans."))


def plan_row(p: PatrolPlan) -> dict[str, Any]:
    return {
        "id": p.pk,
        "polres": p.polres.code,
        "polsek": p.polsek.code if p.polsek_id else None,
        "date": p.date.isoformat(),
        "shift": p.shift,
        "starts_at": p.starts_at.isoformat(),
        "ends_at": p.ends_at.isoformat(),
        "method": p.method,
        "status": p.status,
        "params": p.params,
        "summary": p.summary,
        "dosage": p.dosage,
        "dosage_at": p.dosage_at.isoformat() if p.dosage_at else None,
        "published_at": p.published_at.isoformat() if p.published_at else None,
    }


def item_row(i: PatrolPlanItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "rank": i.rank,
        "cell": i.cell_key,
        "rt_key": i.rt_key,
        "kelurahan_code": i.kelurahan_code,
        "name": i.area_name,
        "lat": i.lat,
        "lon": i.lon,
        "intensity": i.intensity,
        "score": i.score,
        "why": i.why,
        "unit": i.unit.callsign if i.unit_id else None,
        "unit_id": i.unit_id,
        "planned_minutes": i.planned_minutes,
        "windows": i.windows,
        "dosage_minutes": i.dosage_minutes,
        "visits": i.visits,
    }


def geojson(items) -> dict:
    """The cells as a FeatureCollection (properties: the item row without the polygon)."""
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": i.polygon, "properties": item_row(i)} for i in items],
    }


def _items(plan: PatrolPlan):
    return list(plan.items.select_related("unit").order_by("rank"))


class PlanIn(Schema):
    date: str
    shift: str
    polres: str | None = None  # code; default the user's Polres
    polsek: str | None = None  # code
    method: str | None = None
    unit_ids: list[int] | None = None
    visit_minutes: int | None = None
    patrol_minutes: int | None = None
    cell_m: float | None = None
    max_cells: int | None = None


def _area(user, polres_code: str | None, polsek_code: str | None):
    from siaga.territory.models import Polres, Polsek

    polres = getattr(user, "polres", None)
    if polres_code:
        polres = Polres.objects.filter(code=polres_code).first()
        if polres is None:
            raise Invalid(_("No Polres with this code."), field="polres")
    if polres is None and getattr(user, "polsek", None) is not None:
        polres = user.polsek.polres
    if polres is None:
        raise Invalid(_("Name the Polres."), field="polres")
    polsek = getattr(user, "polsek", None) if not polsek_code else None
    if polsek_code:
        polsek = Polsek.objects.filter(polres=polres, code=polsek_code).first()
        if polsek is None:
            raise Invalid(_("No Polsek with this code in the Polres."), field="polsek")
    return polres, polsek


@router.get("/plans", response={200: dict, **ERRORS}, summary="Patrol plans (newest first)")
def plan_list(request, date: str | None = None, status: str | None = None, limit: int = 50):
    _gate(request)
    if date:
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise Invalid(_("The date must be YYYY-MM-DD."), field="date") from None
    if status and status not in PlanStatus.values:
        raise Invalid(_("Unknown status."), field="status")
    limit = max(1, min(int(limit), 200))
    return {"items": [plan_row(p) for p in patrol.plans(request.user, date=date, status=status)[:limit]]}


@router.post("/plans", response={201: dict, **ERRORS}, summary="Draw up a draft plan for a shift")
def plan_create(request, body: PlanIn):
    data = body.dict()
    polres, polsek = _area(request.user, data.pop("polres"), data.pop("polsek"))
    plan = patrol.generate(request.user, polres, data.pop("date"), data.pop("shift"), polsek=polsek, **data)
    return Status(201, {**plan_row(plan), "items": [item_row(i) for i in _items(plan)]})


@router.get("/plans/{pk}", response={200: dict, **ERRORS}, summary="A plan with its cells (GeoJSON)")
def plan_detail(request, pk: int):
    _gate(request)
    plan = patrol.get(request.user, pk)
    return {**plan_row(plan), "cells": geojson(_items(plan))}


@router.post("/plans/{pk}/publish", response={200: dict, **ERRORS}, summary="Publish a draft to the officers")
def plan_publish(request, pk: int):
    return plan_row(patrol.publish_plan(request.user, pk))


@router.get("/plans/{pk}/dosage", response={200: dict, **ERRORS}, summary="Dosage so far, from the tracks")
def plan_dosage(request, pk: int):
    _gate(request)
    return patrol.compute_dosage(patrol.get(request.user, pk))


@router.post("/plans/{pk}/dosage", response={200: dict, **ERRORS}, summary="Record the dosage on the plan")
def plan_dosage_record(request, pk: int):
    if not role_allows(request.user, patrol.RESOURCE, "change"):
        raise Forbidden(_("You may not record the dosage."))
    return patrol.record_dosage(request.user, pk)


@router.get(
    "/mine",
    response={200: dict, **ERRORS},
    url_name="analytics_patrol_mine",
    summary="This shift's cells of the officer's unit",
)
def my_plan(request, unit: int | None = None):
    from siaga.cad.pages import officer_units

    _gate(request)
    units = officer_units(request.user)
    if unit is not None:
        units = [u for u in units if u.pk == unit]
    if not units:
        raise NotFound(_("You are not in the crew of any unit."))
    return mine(request.user, units[0])


def mine(user, unit) -> dict:
    """The unit's cells in the running shift, with the minutes done so far (the officer view polls it)."""
    plan, items = patrol.unit_plan(user, unit)
    if plan is None:
        return {"unit": unit.callsign, "plan": None, "cells": geojson([])}
    done = {r["id"]: r for r in patrol.compute_dosage(plan)["items"]}
    cells = geojson(items)
    for f in cells["features"]:
        row = done.get(f["properties"]["id"], {})
        f["properties"]["done_minutes"] = row.get("by_unit", {}).get(unit.callsign, 0.0)
    return {"unit": unit.callsign, "plan": plan_row(plan), "cells": cells}
