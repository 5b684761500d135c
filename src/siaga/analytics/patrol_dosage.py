"""Patrol dosage: minutes each unit spent in each plan cell during the shift, from its position fixes.

Between two consecutive fixes of a unit the time goes to the cell of both fixes; when they lie in
different cells it is split in half (the crossing is assumed half way). An interval is clipped to the
shift and capped at `gap_cap_s` (a device that went quiet for an hour is not credited the hour).
Vectorised over all fixes of all units at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GAP_CAP_S = 600.0


@dataclass
class Dosage:
    seconds: np.ndarray  # (cells, units) seconds credited
    visits: np.ndarray  # (cells,) entries into the cell (runs of consecutive fixes in it)


def dwell(
    unit_ix,
    t_s,
    cell_ix,
    n_cells: int,
    n_units: int,
    start_s: float,
    end_s: float,
    gap_cap_s: float = GAP_CAP_S,
) -> Dosage:
    """Seconds per (cell, unit). `unit_ix`, `t_s`, `cell_ix` are per fix; `cell_ix` -1 outside the plan."""
    unit_ix = np.asarray(unit_ix, dtype=np.int64)
    t_s = np.asarray(t_s, dtype=float)
    cell_ix = np.asarray(cell_ix, dtype=np.int64)
    out = np.zeros((n_cells, n_units))
    visits = np.zeros(n_cells, dtype=np.int64)
    if len(t_s) == 0 or n_cells == 0:
        return Dosage(out, visits)
    order = np.lexsort((t_s, unit_ix))
    u, t, c = unit_ix[order], t_s[order], cell_ix[order]
    same_unit = u[1:] == u[:-1]
    a, b = np.maximum(t[:-1], start_s), np.minimum(t[1:], end_s)
    span = np.clip(b - a, 0.0, None)
    span = np.where(same_unit, np.minimum(span, gap_cap_s), 0.0)
    c0, c1 = c[:-1], c[1:]
    whole = c0 == c1
    flat = n_units * n_cells

    def add(cells, weights):
        ok = cells >= 0
        key = cells[ok] * n_units + u[:-1][ok]
        return np.bincount(key, weights=weights[ok], minlength=flat)

    credit = add(c0, np.where(whole, span, span / 2)) + add(np.where(whole, -1, c1), span / 2)
    out = credit.reshape(n_cells, n_units)
    # a visit starts at a fix inside the shift in a cell the unit was not in at its previous fix
    inside = (t >= start_s) & (t < end_s) & (c >= 0)
    new_run = np.ones(len(t), dtype=bool)
    new_run[1:] = ~same_unit | (c[1:] != c[:-1]) | (t[:-1] < start_s)
    starts = c[inside & new_run]
    visits = np.bincount(starts, minlength=n_cells)[:n_cells]
    return Dosage(out, visits)


def cell_index(cell_keys: list[str], epsg: int, lon, lat) -> np.ndarray:
    """Plan item index for each fix (-1 outside every plan cell); keys are '<epsg>:<cell>:<ix>:<iy>'."""
    from .grid import Projection

    lon = np.asarray(lon, dtype=float)
    out = np.full(len(lon), -1, dtype=np.int64)
    if not cell_keys or not len(lon):
        return out
    parts = np.array([[int(v) for v in k.split(":")[2:4]] for k in cell_keys], dtype=np.int64)
    cell = float(cell_keys[0].split(":")[1])
    x, y = Projection(epsg).forward(lon, np.asarray(lat, dtype=float))
    fix_key = _pack(np.floor(x / cell).astype(np.int64), np.floor(y / cell).astype(np.int64))
    plan_key = _pack(parts[:, 0], parts[:, 1])
    order = np.argsort(plan_key)
    pos = np.clip(np.searchsorted(plan_key[order], fix_key), 0, len(order) - 1)
    hit = plan_key[order][pos] == fix_key
    out[hit] = order[pos[hit]]
    return out


def _pack(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    return (ix + (1 << 30)) * (1 << 31) + (iy + (1 << 30))
