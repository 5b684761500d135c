"""Patrol maths without the database: dosage from fixes, K from units × minutes, allocation, windows."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.analytics import patrol_allocate as alloc
from siaga.analytics.patrol_dosage import dwell

SHIFT_S = 8 * 3600.0


@st.composite
def tracks(draw):
    n_units = draw(st.integers(1, 4))
    n_cells = draw(st.integers(1, 5))
    n = draw(st.integers(0, 80))
    unit = draw(st.lists(st.integers(0, n_units - 1), min_size=n, max_size=n))
    t = draw(st.lists(st.floats(-3600, SHIFT_S + 3600, allow_nan=False), min_size=n, max_size=n))
    cell = draw(st.lists(st.integers(-1, n_cells - 1), min_size=n, max_size=n))
    gap = draw(st.floats(60, 3600))
    return np.array(unit), np.array(t), np.array(cell), n_cells, n_units, gap


@settings(max_examples=300, deadline=None)
@given(tracks())
def test_dosage_never_exceeds_the_shift_per_unit_and_is_never_negative(tr):
    unit, t, cell, n_cells, n_units, gap = tr
    d = dwell(unit, t, cell, n_cells, n_units, 0.0, SHIFT_S, gap)
    assert d.seconds.shape == (n_cells, n_units)
    assert (d.seconds >= 0).all()
    assert (d.seconds.sum(axis=0) <= SHIFT_S + 1e-6).all()  # one unit is in one place at a time
    assert (d.visits >= 0).all() and d.visits.sum() <= len(t)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0, SHIFT_S - 60),
    st.floats(60, SHIFT_S),
    st.integers(2, 200),
    st.integers(0, 3),
)
def test_a_unit_standing_still_in_a_cell_gets_exactly_the_elapsed_minutes(start, length, n, cell):
    end = min(start + length, SHIFT_S)
    t = np.linspace(start, end, n)
    if n > 1 and (t[1] - t[0]) > 600:
        t = np.arange(start, end, 600.0)
        t = np.append(t, end)
    d = dwell(np.zeros(len(t), dtype=int), t, np.full(len(t), cell), 4, 1, 0.0, SHIFT_S, 600.0)
    assert np.isclose(d.seconds[cell, 0], t[-1] - t[0])
    assert d.seconds.sum() == d.seconds[cell, 0]
    assert d.visits[cell] == 1


def test_dosage_clips_to_the_shift_caps_gaps_and_splits_crossings():
    # inside from 30 min before the shift to 10 min into it: only the 10 min count
    d = dwell([0, 0], [-1800.0, 600.0], [0, 0], 2, 1, 0.0, SHIFT_S, 3600.0)
    assert d.seconds[0, 0] == 600.0
    # a silent hour between two fixes in the cell: capped at 10 minutes
    d = dwell([0, 0], [0.0, 3600.0], [1, 1], 2, 1, 0.0, SHIFT_S, 600.0)
    assert d.seconds[1, 0] == 600.0
    # moving from cell 0 to cell 1 in two minutes: a minute each
    d = dwell([0, 0], [0.0, 120.0], [0, 1], 2, 1, 0.0, SHIFT_S, 600.0)
    assert list(d.seconds[:, 0]) == [60.0, 60.0]
    # two units' fixes never join into one interval
    d = dwell([0, 1], [0.0, 300.0], [0, 0], 1, 2, 0.0, SHIFT_S, 600.0)
    assert d.seconds.sum() == 0.0


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 40), st.integers(5, 480), st.integers(5, 60), st.integers(0, 500), st.integers(1, 300))
def test_k_respects_units_times_minutes(units, patrol_minutes, visit_minutes, available, cap):
    k = alloc.cells_to_plan(units, patrol_minutes, visit_minutes, available, cap)
    assert 0 <= k <= min(available, cap)
    assert k * visit_minutes <= units * patrol_minutes
    if available >= cap and units * (patrol_minutes // visit_minutes) >= cap:
        assert k == cap


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 5000), st.floats(0, 5000)), min_size=0, max_size=40),
    st.lists(st.tuples(st.floats(0, 5000), st.floats(0, 5000)), min_size=1, max_size=6),
    st.integers(0, 8),
)
def test_allocation_never_overloads_a_unit(cells, units, cap):
    who = alloc.allocate(cells, units, [cap] * len(units))
    counts = np.bincount(who[who >= 0], minlength=len(units))
    assert (counts <= cap).all()
    assert (who >= 0).sum() == min(len(cells), cap * len(units))
    assert list(who[who >= 0]) == list(who[: (who >= 0).sum()])  # the hottest cells are served first


def test_allocation_prefers_the_nearest_unit_and_units_without_position_take_the_rest():
    cells = [(0, 0), (10_000, 0)]
    assert list(alloc.allocate(cells, [(9_900, 0), (100, 0)], [1, 1])) == [1, 0]
    who = alloc.allocate(cells, [(0, 0), (np.nan, np.nan)], [2, 2])
    assert who[0] == 0 and who[1] == 1  # far cell: the unit without a position is "nearer"
    # another Polsek's unit is used only when the cell's own Polsek has no one free
    who = alloc.allocate([(0, 0), (0, 0)], [(0, 0), (50, 0)], [1, 1], np.array([7, 7]), np.array([8, 7]))
    assert list(who) == [1, 0]


@given(st.integers(0, 30), st.floats(600, 12 * 3600), st.floats(60, 1800))
def test_windows_lie_inside_the_shift_and_do_not_overlap(n, shift_s, visit_s):
    ws = alloc.windows(n, shift_s, visit_s)
    assert len(ws) == n
    for (_, b), (c, _) in itertools.pairwise(ws):
        assert b <= c + 1e-6
    for a, b in ws:
        assert 0 <= a < b <= shift_s + 1e-6
        assert b - a <= visit_s + 1e-6


def test_route_visits_every_cell_once():
    order = alloc.route((0, 0), [(300, 0), (100, 0), (200, 0)])
    assert order == [1, 2, 0]
    assert alloc.route((np.nan, np.nan), [(5, 5)]) == [0] and alloc.route((0, 0), []) == []
