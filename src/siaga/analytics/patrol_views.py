"""Staff pages of the patrol plans: the list with the form that draws up a plan, and one plan on a map with
its units and dosage. Thin: reads through the read gate, writes through analytics.patrol."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from siaga.core.errors import NotFound, ServiceError
from siaga.core.permissions import restrict, role_allows

from . import patrol, predict
from .patrol_api import geojson, item_row

MAP_LABELS = {
    "rank": gettext_lazy("Rank"),
    "unit": gettext_lazy("Unit"),
    "unassigned": gettext_lazy("Not assigned"),
    "planned": gettext_lazy("Planned minutes"),
    "done": gettext_lazy("Minutes done"),
    "expected": gettext_lazy("Expected incidents in the shift"),
    "window": gettext_lazy("Visit"),
    "risk": gettext_lazy("Risk class"),
}


def _gate(request, action: str = "view") -> None:
    if not role_allows(request.user, patrol.RESOURCE, action):
        raise PermissionDenied


def _zone(user) -> str:
    polres = getattr(user, "polres", None) or getattr(getattr(user, "polsek", None), "polres", None)
    return getattr(polres, "timezone", "Asia/Jakarta")


def _shift_names(user) -> list[str]:
    from siaga.cad.intake import DEFAULT_SHIFTS, config

    polres = getattr(user, "polres", None) or getattr(getattr(user, "polsek", None), "polres", None)
    shifts = config(polres).shifts if polres is not None else DEFAULT_SHIFTS
    return [s["name"] for s in sorted(shifts, key=lambda s: int(s["start"]))]


def _polseks(user):
    from siaga.territory.models import Polsek

    return restrict(Polsek.objects.all(), user, "view").order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request):
    """The plans of the user's area, newest first; writers also get the form (POST draws up a draft)."""
    _gate(request)
    may_change = role_allows(request.user, patrol.RESOURCE, "change")
    zone = zoneinfo.ZoneInfo(_zone(request.user))
    form = {
        "date": timezone.now().astimezone(zone).date().isoformat(),
        "shift": "pagi",
        "method": "blend",
        "patrol_minutes": 120,
        "visit_minutes": 15,
        "polsek": "",
    }
    if request.method == "POST":
        _gate(request, "change")
        form.update({k: request.POST.get(k, "").strip() for k in form})
        try:
            from .patrol_api import _area

            polres, polsek = _area(request.user, None, form["polsek"] or None)
            plan = patrol.generate(
                request.user,
                polres,
                form["date"],
                form["shift"],
                polsek=polsek,
                method=form["method"],
                patrol_minutes=form["patrol_minutes"] or None,
                visit_minutes=form["visit_minutes"] or None,
            )
            messages.success(request, _("Draft plan drawn up: check it, then publish it."))
            return redirect("patrol:plan", pk=plan.pk)
        except ServiceError as e:
            messages.error(request, e.message)
    plans = list(patrol.plans(request.user)[:100])
    return render(
        request,
        "analytics/patrol_list.html",
        {
            "plans": plans,
            "may_change": may_change,
            "form": form,
            "methods": list(predict.METHODS),
            "shifts": _shift_names(request.user),
            "polseks": _polseks(request.user) if may_change else [],
        },
    )


def _outline(plan) -> dict:
    """The plan's area for context on the map: the Polsek's kelurahan, else the Polres's kecamatan."""
    from siaga.territory.models import Level, Region
    from siaga.territory.selectors import _effective_kelurahan

    if plan.polsek_id:
        qs = Region.objects.filter(code__in=_effective_kelurahan([plan.polsek_id]).get(plan.polsek_id, []))
    else:
        qs = Region.objects.filter(code__startswith=f"{plan.polres.region_id}.", level=Level.KECAMATAN)
    feats = [
        {"type": "Feature", "geometry": g, "properties": {"name": n}}
        for n, g in qs.exclude(geometry=None).values_list("name", "geometry")
    ]
    return {"type": "FeatureCollection", "features": feats}


@login_required
def plan_detail(request, pk: int):
    """One plan: the cells on the map coloured by unit, the list with the why, the dosage so far."""
    _gate(request)
    try:
        plan = patrol.get(request.user, pk)
    except NotFound:
        from django.http import Http404

        raise Http404 from None
    items = list(plan.items.select_related("unit").order_by("rank"))
    dosage = patrol.compute_dosage(plan) if plan.status == "published" else None
    done = {r["id"]: r for r in (dosage or {}).get("items", [])}
    cells = geojson(items)
    for f in cells["features"]:
        f["properties"]["done_minutes"] = done.get(f["properties"]["id"], {}).get("minutes", 0.0)
    units = {}
    for i in items:
        if i.unit_id and i.unit_id not in units:
            u = i.unit
            units[i.unit_id] = {
                "callsign": u.callsign,
                "lat": u.lat,
                "lon": u.lon,
                "status": u.status,
                "cells": 0,
                "planned": 0,
                "done": (dosage or {}).get("by_unit", {}).get(u.callsign, 0),
            }
        if i.unit_id:
            units[i.unit_id]["cells"] += 1
            units[i.unit_id]["planned"] += i.planned_minutes
    rows = [(i, item_row(i), done.get(i.pk, {})) for i in items]
    return render(
        request,
        "analytics/patrol_plan.html",
        {
            "plan": plan,
            "pct": {
                k: 100.0 * float(plan.summary.get(k) or 0) for k in ("share_of_expected", "share_of_area")
            },
            "rows": rows,
            "units": list(units.values()),
            "dosage": dosage,
            "may_change": role_allows(request.user, patrol.RESOURCE, "change"),
            "map": {
                "cells": cells,
                "units": list(units.values()),
                "zone": plan.polres.timezone,
                "outline": _outline(plan),
                "labels": {k: str(v) for k, v in MAP_LABELS.items()},
            },
        },
    )


@login_required
@require_POST
def plan_publish(request, pk: int):
    _gate(request, "change")
    try:
        patrol.publish_plan(request.user, pk)
        messages.success(request, _("Plan published: the officers see their cells."))
    except ServiceError as e:
        messages.error(request, e.message)
    return redirect("patrol:plan", pk=pk)


@login_required
@require_POST
def plan_dosage(request, pk: int):
    _gate(request, "change")
    try:
        patrol.record_dosage(request.user, pk)
        messages.success(request, _("Dosage recorded."))
    except ServiceError as e:
        messages.error(request, e.message)
    return redirect("patrol:plan", pk=pk)


def officer_patrol(user, unit) -> dict | None:
    """What the officer view needs for "This shift's patrol" (None when the role may not see plans)."""
    from django.urls import reverse

    if not role_allows(user, patrol.RESOURCE, "view"):
        return None
    return {
        "url": f"{reverse('api:analytics_patrol_mine')}?unit={unit.pk}",
        "every_ms": 60000,
        "zone": unit.polres.timezone,
        "labels": {
            **{k: str(v) for k, v in MAP_LABELS.items()},
            "none": str(gettext_lazy("No patrol plan for your unit in this shift.")),
            "of": str(gettext_lazy("of")),
            "minutes": str(gettext_lazy("min")),
        },
    }
