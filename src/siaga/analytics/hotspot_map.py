"""Hotspot and forecast maps for staff: the incidents a user may see (read gate on cad.Incident), put on the
metric grid of grid.py or on RT polygons, through the statistics of hotspots.py and predict.py, and
returned as GeoJSON cells in lon/lat (cell corners projected back with the grid's projection).

A Polsek or kelurahan user gets his area only: his incidents, and the grid masked to the cells whose centre
lies in his area (so that Gi* compares his cells with each other, not with empty fields outside it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Forbidden, Invalid
from siaga.core.permissions import restrict, role_allows

from . import hotspots, predict
from .grid import Grid, Projection

RESOURCE = "analytics.risksnapshot"  # hotspots are read by the same roles as the risk classes
CELL_SIZES = (100, 150, 200, 250, 300, 500)
METHODS = ("kde", "gistar")
AGGREGATES = ("grid", "rt")
SIGNIFICANCE = ((0.01, 99), (0.05, 95), (0.10, 90))  # p below -> confidence level
DEFAULT_DAYS = 365
MAX_DAYS = 3 * 366
MAX_FEATURES = 4000  # the densest cells or areas of a surface are drawn, at most this many
FLOOR = 0.05  # and only those above this share of the maximum: fainter ones would not show
KNOX_MIN_EVENTS = 20
KNOX_CATEGORIES = 6  # the Knox test runs for the most frequent categories only (99 permutations each)
FORECAST_HISTORY_DAYS = 2 * 365
TOP_SHARE = 0.05


@dataclass(frozen=True)
class Query:
    method: str = "kde"
    aggregate: str = "grid"
    cell: int = 150
    bandwidth: float = 300.0
    category: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def may_view(user) -> None:
    if not role_allows(user, RESOURCE, "view"):
        raise Forbidden(_("You may not read the hotspot maps."))


def _date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as e:
        raise Invalid(_("Not a valid date (YYYY-MM-DD)."), field=field) from e


def parse(params: Mapping, today: dt.date | None = None) -> Query:
    """The query of a page or API call; bad input raises Invalid naming the field."""
    from siaga.cad.categories import CATEGORY_CHOICES

    today = today or timezone.localdate()
    method = str(params.get("method") or "kde")
    if method not in METHODS:
        raise Invalid(_("method must be one of %(v)s") % {"v": ", ".join(METHODS)}, field="method")
    aggregate = str(params.get("aggregate") or "grid")
    if aggregate not in AGGREGATES:
        raise Invalid(_("aggregate must be one of %(v)s") % {"v": ", ".join(AGGREGATES)}, field="aggregate")
    try:
        cell = int(params.get("cell") or 150)
    except (TypeError, ValueError) as e:
        raise Invalid(_("The cell size must be a whole number of metres."), field="cell") from e
    if cell not in CELL_SIZES:
        raise Invalid(
            _("The cell size must be one of %(v)s metres.") % {"v": ", ".join(map(str, CELL_SIZES))},
            field="cell",
        )
    try:
        bandwidth = float(params.get("bandwidth") or 300)
    except (TypeError, ValueError) as e:
        raise Invalid(_("The bandwidth must be a number of metres."), field="bandwidth") from e
    if not 50 <= bandwidth <= 2000:
        raise Invalid(_("The bandwidth must be between 50 and 2000 metres."), field="bandwidth")
    category = str(params.get("category") or "")
    if category and category not in {c for c, _label in CATEGORY_CHOICES}:
        raise Invalid(_("Unknown category."), field="category")
    end = _date(params.get("end"), "end") or today
    start = _date(params.get("start"), "start") or end - dt.timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise Invalid(_("The start date is after the end date."), field="start")
    if (end - start).days > MAX_DAYS:
        raise Invalid(_("At most %(n)d days at once.") % {"n": MAX_DAYS}, field="start")
    return Query(method, aggregate, cell, bandwidth, category, start, end)


# --- data ---------------------------------------------------------------------------------------------


@dataclass
class Points:
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    days: np.ndarray  # days before `until` (negative: the past)
    category: np.ndarray
    rt_key: np.ndarray
    proj: Projection

    def __len__(self) -> int:
        return len(self.x)


def _bounds(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def home_polres(user):
    if user.polres_id:
        return user.polres
    if user.polsek_id:
        return user.polsek.polres
    return None


def incidents(user, start: dt.datetime, until: dt.datetime, category: str = "") -> Points:
    """Located, non-duplicate incidents of the user's area received in [start, until)."""
    from siaga.cad.models import Incident

    qs = restrict(Incident.objects.all(), user, "view").filter(
        received_at__gte=start, received_at__lt=until, lat__isnull=False, lon__isnull=False, duplicate_of=None
    )
    if category:
        qs = qs.filter(category=category)
    rows = list(qs.values_list("lon", "lat", "received_at", "category", "kelurahan_code", "rw", "rt"))
    lon = np.array([r[0] for r in rows], dtype=float)
    lat = np.array([r[1] for r in rows], dtype=float)
    polres = home_polres(user)
    proj = (
        Projection(polres.utm_epsg)
        if polres
        else Projection.for_points(lon if len(rows) else [107.0], lat if len(rows) else [-6.2])
    )
    x, y = proj.forward(lon, lat)
    days = np.array([(r[2] - until).total_seconds() / 86400.0 for r in rows], dtype=float)
    keys = np.array(
        [f"{r[4]}/{r[5]:03d}/{r[6]:03d}" if r[4] and r[5] and r[6] else "" for r in rows], dtype=object
    )
    return Points(lon, lat, x, y, days, np.array([r[3] for r in rows], dtype=object), keys, proj)


def area_grid(user, pts: Points, cell: float, pad: float) -> Grid:
    """A grid over the user's incidents, masked to the cells whose centre is in the user's area (every
    cell holding an incident stays in; without territory polygons the whole box is kept)."""
    from siaga.territory.lookup import locate_many

    g = Grid.covering(pts.x, pts.y, cell, pad=pad)
    cx, cy = g.centres()
    clon, clat = pts.proj.inverse(cx, cy)
    loc = locate_many(clon, clat)
    inside = loc.inside
    if user.kelurahan_code:
        inside = inside & (loc.kelurahan_code == user.kelurahan_code)
    elif user.polsek_id:
        inside = inside & (loc.polsek_id == user.polsek_id)
    mask = inside.reshape(g.shape) | (g.counts(pts.x, pts.y) > 0)
    if not inside.any():
        mask = np.ones(g.shape, dtype=bool)
    return Grid(g.x0, g.y0, g.cell, g.nx, g.ny, mask)


def cell_polygons(grid: Grid, proj: Projection, flat: np.ndarray) -> list[list]:
    """GeoJSON rings (lon/lat) of the given flat cell indices: the four corners projected back."""
    flat = np.asarray(flat, dtype=int)
    ix, iy = flat % grid.nx, flat // grid.nx
    x0 = grid.x0 + ix * grid.cell
    y0 = grid.y0 + iy * grid.cell
    xs = np.stack([x0, x0 + grid.cell, x0 + grid.cell, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + grid.cell, y0 + grid.cell, y0], axis=1)
    lon, lat = proj.inverse(xs.ravel(), ys.ravel())
    lon = np.round(lon, 5).reshape(xs.shape)
    lat = np.round(lat, 5).reshape(xs.shape)
    return [[list(zip(lo.tolist(), la.tolist(), strict=True))] for lo, la in zip(lon, lat, strict=True)]


def top_outline(grid: Grid, proj: Projection, flat: np.ndarray) -> dict:
    """One GeoJSON (Multi)Polygon around the given cells: their union in metres, projected back."""
    import shapely

    flat = np.asarray(flat, dtype=int)
    x0 = grid.x0 + (flat % grid.nx) * grid.cell
    y0 = grid.y0 + (flat // grid.nx) * grid.cell
    union = shapely.union_all(shapely.box(x0, y0, x0 + grid.cell, y0 + grid.cell))

    def back(xy):
        lon, lat = proj.inverse(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), 5)

    return shapely.geometry.mapping(shapely.transform(union, back))


def confidence(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """+99/+95/+90 for hot spots, -99/-95/-90 for cold spots, 0 where not significant at 90%."""
    out = np.zeros(np.shape(z), dtype=int)
    for alpha, level in reversed(SIGNIFICANCE):  # strictest last, so it wins
        sig = np.nan_to_num(p, nan=1.0) < alpha
        out = np.where(sig & (np.nan_to_num(z) > 0), level, out)
        out = np.where(sig & (np.nan_to_num(z) < 0), -level, out)
    return out


def gi_star_weights(values: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray]:
    """Getis-Ord Gi* (z, two-sided p) with binary weights given as a sparse (n, n) matrix that includes
    each area itself: the formula of hotspots.getis_ord, for areas that are not grid cells (RT polygons)."""
    from scipy import stats

    x = np.asarray(values, dtype=float)
    n = x.size
    xbar = x.mean()
    s = np.sqrt((x**2).mean() - xbar**2)
    wx = np.asarray(weights @ x).ravel()
    w = np.asarray(weights.sum(axis=1)).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (wx - xbar * w) / (s * np.sqrt((n * w - w**2) / (n - 1)))
    z = np.where(np.isfinite(z), z, np.nan)
    return z, 2.0 * stats.norm.sf(np.abs(z))


# --- hotspots -----------------------------------------------------------------------------------------


def _classes(values: np.ndarray, k: int = 5) -> tuple[np.ndarray, list[float]]:
    """Quantile classes 1..k of positive values, and the class upper edges for the legend."""
    if values.size == 0:
        return np.zeros(0, dtype=int), []
    edges = np.unique(np.quantile(values, np.linspace(0, 1, k + 1)[1:]))
    return np.searchsorted(edges, values, side="left") + 1, [float(e) for e in edges]


def _grid_features(q: Query, pts: Points, user) -> tuple[list, dict]:
    grid = area_grid(user, pts, q.cell, pad=2 * q.bandwidth if q.method == "kde" else q.cell)
    if q.method == "kde":
        density = hotspots.kde(grid, pts.x, pts.y, q.bandwidth).ravel()
        per_km2 = density / (q.cell / 1000.0) ** 2
        keep = np.flatnonzero(per_km2 >= FLOOR * per_km2.max()) if per_km2.max() > 0 else np.array([], int)
        keep = keep[np.argsort(-per_km2[keep])][:MAX_FEATURES]
        cls, edges = _classes(per_km2[keep])
        rings = cell_polygons(grid, pts.proj, keep)
        feats = [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": r},
             "properties": {"v": round(float(per_km2[i]), 2), "c": int(c)}}
            for r, i, c in zip(rings, keep, cls, strict=True)
        ]  # fmt: skip
        return feats, {
            "unit": "per_km2",
            "edges": [round(e, 2) for e in edges],
            "cells": int(grid.mask.sum()),
        }
    gi = hotspots.getis_ord(grid, grid.counts(pts.x, pts.y), band=None, alpha=SIGNIFICANCE[-1][0])
    conf = confidence(gi.z, gi.p).ravel()
    keep = np.flatnonzero(conf != 0)[:MAX_FEATURES]
    counts = grid.counts(pts.x, pts.y).ravel()
    rings = cell_polygons(grid, pts.proj, keep)
    feats = [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": r},
         "properties": {"z": round(float(gi.z.ravel()[i]), 2), "p": round(float(gi.p.ravel()[i]), 4),
                        "c": int(conf[i]), "n": int(counts[i])}}
        for r, i in zip(rings, keep, strict=True)
    ]  # fmt: skip
    summary = {level: int((conf == level).sum()) for level in (99, 95, 90, -90, -95, -99)}
    return feats, {"significance": summary, "cells": int(grid.mask.sum())}


def _area_kelurahan(user) -> list[str]:
    from siaga.territory.models import Level, Region

    if user.kelurahan_code:
        return [user.kelurahan_code]
    if user.polsek_id:
        from siaga.territory.selectors import _effective_kelurahan

        return _effective_kelurahan([user.polsek_id]).get(user.polsek_id, [])
    polres = home_polres(user)
    qs = Region.objects.filter(level=Level.KELURAHAN)
    if polres is not None:
        qs = qs.filter(code__startswith=f"{polres.region_id}.")
    elif getattr(user, "role", None) != "admin":
        return []
    return list(qs.values_list("code", flat=True))


def area_outline(user) -> dict:
    """The kelurahan boundaries of the user's area, drawn thin under the cells for orientation."""
    from siaga.territory.models import Region

    rows = Region.objects.filter(code__in=_area_kelurahan(user)).exclude(geometry=None)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g, "properties": {"name": name}}
            for name, g in rows.values_list("name", "geometry")
        ],
    }


def _rt_features(q: Query, pts: Points, user) -> tuple[list, dict]:
    """Counts (Gi*) or density at the centroid (KDE) per RT polygon of the user's area."""
    import shapely
    from scipy import sparse
    from shapely.geometry import shape

    from siaga.territory.models import Rt

    rts = list(Rt.objects.filter(kelurahan_id__in=_area_kelurahan(user)).exclude(geometry=None))
    if not rts:
        return [], {"areas": 0}
    keys = [t.key for t in rts]
    if q.method == "kde":
        grid = area_grid(user, pts, q.cell, pad=2 * q.bandwidth)
        density = hotspots.kde(grid, pts.x, pts.y, q.bandwidth).ravel() / (q.cell / 1000.0) ** 2
        cx, cy = pts.proj.forward([t.centroid_lon for t in rts], [t.centroid_lat for t in rts])
        idx = grid.index(cx, cy)
        values = np.where(idx >= 0, density[np.maximum(idx, 0)], 0.0)
        keep = np.flatnonzero(values >= FLOOR * values.max()) if values.max() > 0 else np.array([], int)
        keep = keep[np.argsort(-values[keep])][:MAX_FEATURES]
        cls, edges = _classes(values[keep])
        feats = [
            {"type": "Feature", "geometry": rts[i].geometry,
             "properties": {"key": keys[i], "v": round(float(values[i]), 2), "c": int(c)}}
            for i, c in zip(keep, cls, strict=True)
        ]  # fmt: skip
        return feats, {"unit": "per_km2", "edges": [round(e, 2) for e in edges], "areas": len(rts)}
    pos = {k: i for i, k in enumerate(keys)}
    counts = np.zeros(len(rts))
    for k in pts.rt_key:
        if k in pos:
            counts[pos[k]] += 1
    geoms = [shape(t.geometry) for t in rts]
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=1e-6)  # touching neighbours, itself included
    w = sparse.csr_matrix((np.ones(a.size), (a, b)), shape=(len(rts), len(rts)))
    w.data[:] = 1.0
    z, p = gi_star_weights(counts, w)
    conf = confidence(z, p)
    feats = [
        {"type": "Feature", "geometry": rts[i].geometry,
         "properties": {"key": keys[i], "z": round(float(z[i]), 2), "p": round(float(p[i]), 4),
                        "c": int(conf[i]), "n": int(counts[i])}}
        for i in np.flatnonzero(conf != 0)
    ]  # fmt: skip
    summary = {level: int((conf == level).sum()) for level in (99, 95, 90, -90, -95, -99)}
    return feats, {"significance": summary, "areas": len(rts)}


def knox_table(pts: Points) -> list[dict]:
    """Knox near-repeat test per category (most frequent first): pairs within 200/400 m and 7/14 days."""
    cats, n = np.unique(pts.category.astype(str), return_counts=True) if len(pts) else ([], [])
    top = [c for c, k in sorted(zip(cats, n, strict=True), key=lambda cn: -cn[1]) if k >= KNOX_MIN_EVENTS]
    rows = []
    for c in top[:KNOX_CATEGORIES]:
        sel = pts.category == c
        k = hotspots.knox(pts.x[sel], pts.y[sel], pts.days[sel])
        ratio = k.ratio
        for i, s in enumerate(k.space_bands):
            for j, t in enumerate(k.time_bands):
                rows.append({
                    "category": str(c), "events": int(sel.sum()),
                    "space_m": [float(k.space_bands[i - 1]) if i else 0.0, float(s)],
                    "time_days": [float(k.time_bands[j - 1]) if j else 0.0, float(t)],
                    "observed": int(k.observed[i, j]), "expected": round(float(k.expected[i, j]), 2),
                    "ratio": None if not np.isfinite(ratio[i, j]) else round(float(ratio[i, j]), 2),
                    "p": round(float(k.p[i, j]), 3),
                })  # fmt: skip
    return rows


def hotspot_map(user, q: Query) -> dict:
    """The hotspot surface of the user's incidents for a query, as GeoJSON plus a legend summary."""
    may_view(user)
    until = _bounds(q.end + dt.timedelta(days=1))
    pts = incidents(user, _bounds(q.start), until, q.category)
    out = {
        "query": {"method": q.method, "aggregate": q.aggregate, "cell": q.cell, "bandwidth": q.bandwidth,
                  "category": q.category, "start": q.start.isoformat(), "end": q.end.isoformat()},
        "incidents": len(pts),
        "geojson": {"type": "FeatureCollection", "features": []},
        "summary": {},
        "knox": [],
    }  # fmt: skip
    if len(pts) == 0:
        return out
    feats, summary = (_grid_features if q.aggregate == "grid" else _rt_features)(q, pts, user)
    out["geojson"]["features"] = feats
    out["summary"] = summary
    out["knox"] = knox_table(pts)
    return out


# --- forecast -----------------------------------------------------------------------------------------


def forecast_map(user, method: str = "blend", now: dt.datetime | None = None, cell: int = 150) -> dict:
    """Next week's expected incidents per cell by one method of predict.py; the top 5% of the area's cells
    are flagged (the cells a patrol plan would cover first)."""
    may_view(user)
    if method not in predict.METHODS:
        raise Invalid(_("method must be one of %(v)s") % {"v": ", ".join(predict.METHODS)}, field="method")
    now = now or timezone.now()
    pts = incidents(user, now - dt.timedelta(days=FORECAST_HISTORY_DAYS), now)
    out = {"method": method, "incidents": len(pts), "cell": cell, "expected": 0.0, "top_cells": 0,
           "top_share": 0.0, "geojson": {"type": "FeatureCollection", "features": []}}  # fmt: skip
    if len(pts) < 2:
        return out
    grid = area_grid(user, pts, cell, pad=300.0)
    ev = predict.Events(pts.x, pts.y, pts.days, pts.category)
    surface = np.where(grid.valid, predict.METHODS[method](ev, 0.0, grid, 7.0).ravel(), 0.0)
    inside = np.flatnonzero(grid.valid)
    n_top = max(1, int(np.ceil(TOP_SHARE * inside.size)))
    top = inside[np.argsort(-surface[inside], kind="stable")[:n_top]]
    top = top[surface[top] > 0]
    shown = np.flatnonzero(surface >= FLOOR * surface.max()) if surface.max() > 0 else np.array([], int)
    shown = np.union1d(shown[np.argsort(-surface[shown])][:MAX_FEATURES], top)
    cls, edges = _classes(surface[shown])
    is_top = np.isin(shown, top)
    rings = cell_polygons(grid, pts.proj, shown)
    out["geojson"]["features"] = [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": r},
         "properties": {"v": round(float(surface[i]), 4), "c": int(c), "top": bool(t)}}
        for r, i, c, t in zip(rings, shown, cls, is_top, strict=True)
    ]  # fmt: skip
    if top.size:
        out["geojson"]["features"].append(
            {"type": "Feature", "geometry": top_outline(grid, pts.proj, top), "properties": {"outline": True}}
        )
    total = float(surface.sum())
    out.update(
        expected=round(total, 1),
        top_cells=int(top.size),
        top_share=round(float(surface[top].sum()) / total, 3) if total > 0 else 0.0,
        edges=[round(e, 4) for e in edges],
    )
    return out
