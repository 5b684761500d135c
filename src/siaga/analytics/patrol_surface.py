"""The forecast surface of a patrol plan: expected incidents per 150 m cell during one shift, inside the
Polres (or Polsek) area.

The daily surface comes from an analytics.predict method (the same code the backtests score). It is
weighted by the shift: each cell's share of incidents in the shift's local hours, shrunk toward the
area's share (a cell with three incidents does not get a share of 0 or 1 from them).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import numpy as np

from siaga.core.errors import Invalid

from . import predict
from .grid import Grid, Projection

SHARE_PRIOR = 10.0  # pseudo-incidents pulling a cell's shift share toward the area's


@dataclass
class History:
    """Past incidents of the Polres on its UTM grid; t in days relative to the shift start (negative)."""

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray
    category: np.ndarray
    hour: np.ndarray  # local hour of day 0-23

    def events(self) -> predict.Events:
        return predict.Events(self.x, self.y, self.t, self.category)


def history(polres, proj: Projection, start: dt.datetime, days: float) -> History:
    """Incidents (duplicates left out) located in the `days` before `start`."""
    from siaga.cad.models import Incident

    rows = list(
        Incident.objects.filter(
            polres=polres,
            received_at__lt=start,
            received_at__gte=start - dt.timedelta(days=days),
            duplicate_of__isnull=True,
            lat__isnull=False,
            lon__isnull=False,
        ).values_list("received_at", "category", "lat", "lon")
    )
    zone = zoneinfo.ZoneInfo(polres.timezone)
    if not rows:
        e = np.array([], dtype=float)
        return History(e, e, e, np.array([], dtype=object), np.array([], dtype=int))
    at = [r[0] for r in rows]
    x, y = proj.forward(np.array([r[3] for r in rows]), np.array([r[2] for r in rows]))
    t = np.array([(a - start).total_seconds() / 86400.0 for a in at])
    hour = np.array([a.astimezone(zone).hour for a in at], dtype=int)
    return History(x, y, t, np.array([r[1] for r in rows], dtype=object), hour)


def area_polygon(polres, polsek, proj: Projection):
    """The area in metres: the Polsek's kelurahan, or the Polres's kab/kota (its kelurahan when the kab/kota
    has no polygon). None when no boundary is stored."""
    import shapely
    from shapely.geometry import shape

    from siaga.territory.geometry import to_metric
    from siaga.territory.models import Level, Region
    from siaga.territory.selectors import _effective_kelurahan

    if polsek is not None:
        codes = _effective_kelurahan([polsek.pk]).get(polsek.pk, [])
        geoms = (
            Region.objects.filter(code__in=codes).exclude(geometry=None).values_list("geometry", flat=True)
        )
    else:
        geoms = (
            Region.objects.filter(code=polres.region_id)
            .exclude(geometry=None)
            .values_list("geometry", flat=True)
        )
        if not geoms:
            geoms = (
                Region.objects.filter(code__startswith=f"{polres.region_id}.", level=Level.KELURAHAN)
                .exclude(geometry=None)
                .values_list("geometry", flat=True)
            )
    shapes = [shape(g) for g in geoms]
    if not shapes:
        return None
    return to_metric(shapely.union_all(shapes), proj.epsg)


def area_grid(polres, polsek, proj: Projection, hist: History, cell: float) -> Grid:
    """Cells whose centre lies in the area; without boundaries, the cells around the past incidents."""
    poly = area_polygon(polres, polsek, proj)
    if poly is not None and not poly.is_empty:
        return Grid.for_polygon(poly, cell)
    if len(hist.x) == 0:
        raise Invalid("The area has neither boundaries nor incidents to plan from.", field="polres")
    return Grid.covering(hist.x, hist.y, cell, pad=cell)


def shift_hours(start_hour: int, length_h: float) -> np.ndarray:
    """Local hours of day touched by a shift starting at `start_hour` (wrapping midnight)."""
    n = max(int(np.ceil(length_h)), 1)
    return (start_hour + np.arange(min(n, 24))) % 24


def shift_share(hist: History, grid: Grid, hours: np.ndarray) -> tuple[np.ndarray, float]:
    """Per cell (flat): the share of its incidents in the shift hours, shrunk toward the area's share."""
    in_shift = np.isin(hist.hour, hours)
    base = len(hours) / 24.0
    area = float(in_shift.mean()) if len(in_shift) else base
    n_all = grid.counts(hist.x, hist.y).ravel()
    n_in = grid.counts(hist.x[in_shift], hist.y[in_shift]).ravel()
    return (n_in + SHARE_PRIOR * area) / (n_all + SHARE_PRIOR), area


def surface(hist: History, grid: Grid, method: str, hours: np.ndarray, length_h: float) -> dict:
    """Expected events per cell during the shift (flat array), with the pieces that explain it."""
    if method not in predict.METHODS:
        raise Invalid(f"method must be one of {', '.join(predict.METHODS)}", field="method")
    daily = np.zeros(grid.size)
    if len(hist.x) >= 2:
        daily = predict.METHODS[method](hist.events(), 0.0, grid, 1.0)
    share, area_share = shift_share(hist, grid, hours)
    # The share is of a day's incidents; a shift shorter than its hours (e.g. 7.5 h) takes its fraction.
    factor = min(length_h / max(len(hours), 1), 1.0)
    intensity = np.where(grid.valid, daily * share * factor, 0.0)
    return {"intensity": intensity, "daily": daily, "share": share, "area_share": area_share}
