"""Projection to the data's UTM zone and the metric grid."""

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.analytics.grid import Grid, Projection, utm_epsg


@pytest.mark.parametrize(
    "lon,lat,epsg",
    [(106.82, -6.2, 32748), (-87.63, 41.88, 32616), (-0.13, 51.5, 32630), (151.2, -33.87, 32756)],
)
def test_zone_of_the_data(lon, lat, epsg):  # Jakarta, Chicago, London, Sydney
    assert utm_epsg([lon, lon + 0.01], [lat, lat]) == epsg


@settings(max_examples=50, deadline=None)
@given(st.floats(-179.5, 179.5), st.floats(-79, 83))
def test_projection_round_trips_within_a_centimetre(lon, lat):
    rng = np.random.default_rng(0)
    lons = np.clip(lon + rng.uniform(-0.1, 0.1, 50), -180, 180)
    lats = np.clip(lat + rng.uniform(-0.1, 0.1, 50), -80, 84)
    p = Projection.for_points(lons, lats)
    x, y = p.forward(lons, lats)
    lo, la = p.inverse(x, y)
    assert np.allclose(lo, lons, atol=1e-7) and np.allclose(la, lats, atol=1e-7)


def test_distances_are_metres():
    p = Projection.for_points([106.82], [-6.2])
    _x, y = p.forward([106.82, 106.82], [-6.2, -6.2 + 1 / 60])  # one arc-minute of latitude ~ 1843 m
    assert abs(y[1] - y[0]) == pytest.approx(1843, rel=0.005)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 5000), st.floats(0, 3000)), min_size=1, max_size=60),
    st.sampled_from([50, 150, 333]),
)
def test_every_point_lands_in_the_cell_that_contains_it(pts, cell):
    x, y = np.array(pts).T
    g = Grid.covering(x, y, cell)
    idx = g.index(x, y)
    assert (idx >= 0).all()
    cx, cy = g.centres()
    assert np.all(np.abs(cx[idx] - x) <= cell / 2 + 1e-6) and np.all(np.abs(cy[idx] - y) <= cell / 2 + 1e-6)
    assert g.counts(x, y).sum() == len(pts)


def test_polygon_mask_and_points_outside():
    poly = shapely.Polygon([(0, 0), (1500, 0), (0, 1500)])
    g = Grid.for_polygon(poly, 150)
    assert g.shape == (11, 11)
    assert g.mask[0, 0] and not g.mask[9, 9]
    assert g.index([100, 1400, -10, 99999], [100, 1400, 5, 5]).tolist()[1:] == [-1, -1, -1]
    assert g.counts([100, 1400], [100, 1400]).sum() == 1
