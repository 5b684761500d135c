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
