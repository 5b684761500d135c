"""How many cells a shift can cover, which unit goes where, and when (pure functions, metres and seconds).

Koper (1995): visits of 10-16 minutes give the longest residual deterrence, so a unit's patrol minutes
become short visits to several cells spread over the shift rather than one long stay.
"""

from __future__ import annotations

import numpy as np

BALANCE_M = 300.0  # each cell already given to a unit makes it look this much farther (spreads the load)
OTHER_POLSEK_M = 5000.0  # a unit of another Polsek is taken only when its own area has no one free


def capacity(patrol_minutes: float, visit_minutes: float) -> int:
    """Visits one unit can make in a shift."""
    if visit_minutes <= 0:
        return 0
    return int(np.floor(patrol_minutes / visit_minutes + 1e-9))


def cells_to_plan(units: int, patrol_minutes: float, visit_minutes: float, available: int, cap: int) -> int:
    """K: the units' visits in the shift, bounded by the cells with any expected event and by `cap`."""
    return max(0, min(units * capacity(patrol_minutes, visit_minutes), available, cap))


def allocate(cells_xy, units_xy, caps, cell_group=None, unit_group=None) -> np.ndarray:
    """Unit index for each cell (in rank order), -1 when every unit is full.

    Greedy by rank: the hottest cell picks first. Cost is the distance from the unit's anchor (its last
    position; a unit without one anchors at its first cell) plus BALANCE_M per cell it already has, plus
    OTHER_POLSEK_M across Polsek boundaries. A unit never gets more cells than its capacity.
    """
    cells_xy = np.asarray(cells_xy, dtype=float).reshape(-1, 2)
    anchor = np.asarray(units_xy, dtype=float).reshape(-1, 2).copy()
    left = np.asarray(caps, dtype=int).copy()
    load = np.zeros(len(left))
    out = np.full(len(cells_xy), -1, dtype=int)
    for i, (cx, cy) in enumerate(cells_xy):
        free = left > 0
        if not free.any():
            break
        d = np.hypot(anchor[:, 0] - cx, anchor[:, 1] - cy)
        d = np.where(np.isnan(d), 0.0, d)  # no anchor yet: as near as can be
        cost = d + BALANCE_M * load
        if cell_group is not None and unit_group is not None:
            g = cell_group[i]
            cost = cost + np.where(
                (np.asarray(unit_group) != g) & (np.asarray(unit_group) >= 0), OTHER_POLSEK_M, 0
            )
        cost = np.where(free, cost, np.inf)
        u = int(np.argmin(cost))
        out[i] = u
        left[u] -= 1
        load[u] += 1
        if np.isnan(anchor[u, 0]):
            anchor[u] = (cx, cy)
    return out


def route(start_xy, cells_xy) -> list[int]:
    """Nearest-neighbour visiting order of a unit's cells from its anchor (indices into cells_xy)."""
    pts = np.asarray(cells_xy, dtype=float).reshape(-1, 2)
    if not len(pts):
        return []
    here = np.asarray(start_xy, dtype=float)
    if np.isnan(here).any():
        here = pts[0]
    todo = list(range(len(pts)))
    order = []
    while todo:
        d = [np.hypot(*(pts[j] - here)) for j in todo]
        j = todo.pop(int(np.argmin(d)))
        order.append(j)
        here = pts[j]
    return order


def windows(n: int, shift_s: float, visit_s: float) -> list[tuple[float, float]]:
    """n visit windows (seconds from the shift start), one per equal slice of the shift, centred in it.

    Spreading the visits keeps the presence unpredictable within the shift and gives each cell its
    residual deterrence before the next visit elsewhere (Koper)."""
    if n <= 0:
        return []
    slot = shift_s / n
    visit = min(visit_s, slot)
    return [(j * slot + (slot - visit) / 2, j * slot + (slot + visit) / 2) for j in range(n)]
