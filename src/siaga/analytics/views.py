"""Staff pages of the risk classes: the choropleth map per level and one area's "why" and history.
Reads only, through the read gate; a Polsek user sees the areas of its Polsek."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siaga.core.permissions import role_allows

from .models import AreaLevel, RiskClass, RiskSnapshot

RESOURCE = "analytics.risksnapshot"
COMPONENT_LABELS = {
    "incidents": gettext_lazy("Incidents (severity-weighted, shrunk to the mean)"),
    "problems": gettext_lazy("Open problems (PG / AG / GN)"),
    "predicted": gettext_lazy("Predicted intensity next week"),
}


ORDER = {name: i for i, name in enumerate(COMPONENT_LABELS)}  # jsonb does not keep key order


def _gate(request):
    if not role_allows(request.user, RESOURCE, "view"):
        raise PermissionDenied


def _geometries(level: str, keys: list[str]) -> dict[str, list]:
    """GeoJSON geometries per area key (a Polsek area: the geometries of its kelurahan)."""
    from siaga.territory.models import Region, Rt, Rw

    out: dict[str, list] = {}
    if level in ("kecamatan", "kelurahan"):
        for code, g in Region.objects.filter(code__in=keys).values_list("code", "geometry"):
            if g:
                out[code] = [g]
    elif level == "rw":
        kels = {k.split("/")[0] for k in keys}
        for rw in Rw.objects.filter(kelurahan_id__in=kels).exclude(geometry=None):
            if rw.key in keys:
                out[rw.key] = [rw.geometry]
    elif level == "rt":
        kels = {k.split("/")[0] for k in keys}
        for rt in Rt.objects.filter(kelurahan_id__in=kels).exclude(geometry=None):
            if rt.key in keys:
                out[rt.key] = [rt.geometry]
    return out


def _polsek_geometries(snaps) -> dict[str, list]:
    from siaga.territory.models import Region
    from siaga.territory.selectors import _effective_kelurahan

    by_id = {s.polsek_id: s.key for s in snaps if s.polsek_id}
    eff = _effective_kelurahan(list(by_id))
    geoms = dict(
        Region.objects.filter(code__in=[c for cs in eff.values() for c in cs])
        .exclude(geometry=None)
        .values_list("code", "geometry")
    )
    return {by_id[pid]: [geoms[c] for c in codes if c in geoms] for pid, codes in eff.items()}


@login_required
def risk_map(request):
    """The choropleth of the latest computed week at one level."""
    _gate(request)
    level = request.GET.get("level", AreaLevel.KELURAHAN)
    if level not in AreaLevel.values:
        level = AreaLevel.KELURAHAN
    qs = RiskSnapshot.objects.restrict(request.user)
    week = qs.order_by("-week").values_list("week", flat=True).first()
    snaps = list(qs.filter(level=level, week=week).order_by("-score")) if week else []
    geoms = _polsek_geometries(snaps) if level == "polsek" else _geometries(level, [s.key for s in snaps])
    features = []
    for s in snaps:
        for g in geoms.get(s.key, []):
            features.append(
                {
                    "type": "Feature",
                    "geometry": g,
                    "properties": {
                        "key": s.key,
                        "name": s.name,
                        "cls": s.risk_class,
                        "label": str(RiskClass(s.risk_class).label),
                        "score": round(s.score, 2),
                        "url": reverse("analytics:risk_area", args=[level, s.key]),
                    },
                }
            )
    counts = {c: sum(1 for s in snaps if s.risk_class == c) for c in RiskClass.values}
    return render(
        request,
        "analytics/risk_map.html",
        {
            "level": level,
            "levels": AreaLevel.choices,
            "week": week,
            "snaps": snaps[:50],
            "total": len(snaps),
            "counts": [(c, RiskClass(c).label, counts[c]) for c in RiskClass.values],
            "geojson": {"type": "FeatureCollection", "features": features},
            "map_labels": {"score": _("Score"), "open": _("Open the area")},
        },
    )


@login_required
def risk_area(request, level: str, key: str):
    """One area: the why breakdown of its latest week and its class history."""
    _gate(request)
    if level not in AreaLevel.values:
        raise Http404
    history = list(RiskSnapshot.objects.restrict(request.user).filter(level=level, key=key).order_by("-week"))
    if not history:
        raise Http404(_("No risk snapshot for this area (or it is outside your area)."))
    latest = history[0]
    parts = [
        (name, COMPONENT_LABELS.get(name, name), value,
         round(100 * value / latest.score) if latest.score else 0)
        for name, value in sorted(latest.components.items(), key=lambda kv: ORDER.get(kv[0], 9))
    ]  # fmt: skip
    geom = _polsek_geometries([latest]) if level == "polsek" else _geometries(level, [key])
    return render(
        request,
        "analytics/risk_area.html",
        {
            "snap": latest,
            "level_label": AreaLevel(level).label,
            "parts": parts,
            "detail": latest.detail,
            "history": history[:52],
            "geojson": {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": g, "properties": {"cls": latest.risk_class}}
                    for g in geom.get(key, [])
                ],
            },
        },
    )


# --- hotspot and forecast maps ------------------------------------------------------------------------

FORECAST_METHODS = {
    "blend": gettext_lazy("Blend (default)"),
    "long_term_counts": gettext_lazy("Long-term counts"),
    "recent_kde": gettext_lazy("Recent KDE (8 weeks)"),
    "prospective_hotspot": gettext_lazy("Prospective hotspot (Bowers-Johnson-Pease)"),
    "sepp": gettext_lazy("Self-exciting point process"),
}
CONFIDENCE_LABELS = [
    (99, gettext_lazy("Hot spot, 99% confidence")),
    (95, gettext_lazy("Hot spot, 95% confidence")),
    (90, gettext_lazy("Hot spot, 90% confidence")),
    (-90, gettext_lazy("Cold spot, 90% confidence")),
    (-95, gettext_lazy("Cold spot, 95% confidence")),
    (-99, gettext_lazy("Cold spot, 99% confidence")),
]


def _knox_by_category(rows: list[dict], labels: dict) -> list[dict]:
    """One table row per category: each (distance, days) band as ratio and p, near repeats marked."""
    out: dict[str, dict] = {}
    for r in rows:
        row = out.setdefault(
            r["category"],
            {
                "label": labels.get(r["category"], r["category"]),
                "events": r["events"],
                "bands": [],
                "cells": [],
            },
        )
        row["bands"].append((r["space_m"], r["time_days"]))
        row["cells"].append({**r, "near_repeat": r["p"] < 0.05 and (r["ratio"] or 0) > 1})
    return list(out.values())


def _hotspot_gate(request) -> None:
    from . import hotspot_map

    if not role_allows(request.user, hotspot_map.RESOURCE, "view"):
        raise PermissionDenied


@login_required
def hotspot(request):
    """KDE or Getis-Ord Gi* of the user's incidents on the grid or on RT polygons, with Knox per category."""
    from siaga.cad.categories import CATEGORY_CHOICES
    from siaga.core.errors import ServiceError

    from . import hotspot_map

    _hotspot_gate(request)
    error, result, status = None, None, 200
    try:
        q = hotspot_map.parse(request.GET)
        result = hotspot_map.hotspot_map(request.user, q)
    except ServiceError as e:
        error, status = e.message, e.status
        q = hotspot_map.Query()
    knox = _knox_by_category((result or {}).get("knox", []), dict(CATEGORY_CHOICES))
    counts = (result or {}).get("summary", {}).get("significance", {})
    return render(
        request,
        "analytics/hotspot.html",
        {
            "q": q,
            "params": request.GET,
            "error": error,
            "result": result,
            "knox": knox,
            "categories": CATEGORY_CHOICES,
            "cell_sizes": hotspot_map.CELL_SIZES,
            "confidence": [(c, label, counts.get(c, 0)) for c, label in CONFIDENCE_LABELS],
            "knox_bands": knox[0]["bands"] if knox else [],
            "geojson": (result or {}).get("geojson", {"type": "FeatureCollection", "features": []}),
            "outline": hotspot_map.area_outline(request.user) if result else None,
            "map_labels": {
                "method": q.method,
                "edges": (result or {}).get("summary", {}).get("edges", []),
                "density": _("Incidents per km²"),
                "z": _("Gi* z-score"),
                "count": _("Incidents in the cell"),
                "confidence": {str(c): str(label) for c, label in CONFIDENCE_LABELS},
            },
        },
        status=status,
    )


@login_required
def forecast(request):
    """Next week's expected incidents per cell by the chosen method; the top 5% of cells outlined."""
    from siaga.core.errors import ServiceError

    from . import hotspot_map

    _hotspot_gate(request)
    method = request.GET.get("method") or "blend"
    error, result, status = None, None, 200
    try:
        result = hotspot_map.forecast_map(request.user, method)
    except ServiceError as e:
        error, status, method = e.message, e.status, "blend"
    return render(
        request,
        "analytics/predict.html",
        {
            "method": method,
            "methods": list(FORECAST_METHODS.items()),
            "error": error,
            "result": result,
            "top_percent": int(hotspot_map.TOP_SHARE * 100),
            "share_percent": round(100 * (result or {}).get("top_share", 0.0)),
            "geojson": (result or {}).get("geojson", {"type": "FeatureCollection", "features": []}),
            "outline": hotspot_map.area_outline(request.user) if result else None,
            "map_labels": {
                "edges": (result or {}).get("edges", []),
                "expected": _("Expected incidents next week"),
                "top": _("Top 5% cell"),
            },
        },
        status=status,
    )
