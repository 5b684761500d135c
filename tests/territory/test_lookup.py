import h3
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from siaga.core.context import acting
from siaga.territory import lookup, services
from siaga.territory.models import Region, Rt

from .conftest import KELURAHAN, TIMUR

pytestmark = pytest.mark.django_db


def _points_inside(code: str, n: int, seed: int = 0) -> np.ndarray:
    poly = shape(Region.objects.get(code=code).geometry)
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = poly.bounds
    k = max(n * 4, 400)
    xy = np.column_stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)])
    inner = poly.buffer(-0.0005)  # keep clear of the slivers shared with neighbours
    return xy[shapely.contains_xy(inner, xy[:, 0], xy[:, 1])][:n]


def test_points_inside_known_kelurahan(timur):
    for code in KELURAHAN:
        for lon, lat in _points_inside(code, 20):
            loc = lookup.locate(lon, lat)
            assert loc is not None and loc.kelurahan_code == code
            assert loc.kecamatan_code == TIMUR and loc.kabkota_code == "32.75"
            assert loc.rt is not None and loc.rw is not None and loc.synthetic
            rt = Rt.objects.get(pk=loc.rt_id)
            assert shape(rt.geometry).covers(shapely.Point(lon, lat))
            assert loc.rt_key == rt.key


def test_a_named_place(timur):
    # Stasiun Bekasi Timur area lies in Margahayu / Durenjaya: check via the source polygon instead
    lon, lat = shape(Region.objects.get(code="32.75.01.1002").geometry).representative_point().coords[0]
    assert lookup.locate(lon, lat).kelurahan_name == "Margahayu"


@pytest.mark.parametrize("lon,lat", [(106.8, -6.2), (0.0, 0.0), (107.2, -6.3), (-179.9, 89.9)])
def test_points_outside(timur, lon, lat):
    assert lookup.locate(lon, lat) is None
    b = lookup.locate_many(np.array([lon]), np.array([lat]))
    assert b.index[0] == -1 and b.kelurahan_code[0] == "" and b.polsek_id[0] == -1


def test_batch_equals_single(timur):
    x0, y0, x1, y1 = lookup.get_index().bounds
    rng = np.random.default_rng(7)
    lons = rng.uniform(x0 - 0.01, x1 + 0.01, 400)
    lats = rng.uniform(y0 - 0.01, y1 + 0.01, 400)
    lons[0], lats[0] = np.nan, np.nan
    b = lookup.locate_many(lons, lats)
    assert len(b) == 400 and 0 < b.inside.sum() < 400
    for i in range(400):
        one = lookup.locate(lons[i], lats[i])
        if one is None:
            assert b.index[i] == -1
        else:
            assert b.rt_id[i] == one.rt_id and b.kelurahan_code[i] == one.kelurahan_code
            assert b.rw[i] == one.rw and b.rt[i] == one.rt and b.kecamatan_code[i] == one.kecamatan_code


def test_kelurahan_without_rt_falls_back(codes, kelurahan_fc):
    with acting(None):
        services.import_boundaries(kelurahan_fc(TIMUR), level=4)
        services.generate_rw_rt(KELURAHAN[:1], rt_total=12)
    lon, lat = _points_inside(KELURAHAN[2], 1)[0]
    loc = lookup.locate(lon, lat)
    assert loc.kelurahan_code == KELURAHAN[2] and loc.rt is None and loc.rt_id is None
    assert lookup.locate(*_points_inside(KELURAHAN[0], 1)[0]).rt is not None


def test_index_follows_writes(codes, kelurahan_fc):
    with acting(None):
        services.import_boundaries(kelurahan_fc(TIMUR), level=4)
    lon, lat = _points_inside(KELURAHAN[0], 1)[0]
    assert lookup.locate(lon, lat).rt is None
    with acting(None):
        services.generate_rw_rt(KELURAHAN, rt_total=60)
    assert lookup.locate(lon, lat).rt is not None  # the stamp moved: the index was rebuilt


def test_resolve_place(timur):
    lon, lat = _points_inside(KELURAHAN[1], 1)[0]
    p = lookup.resolve_place(lon, lat)
    assert set(p) == {"kecamatan_code", "kelurahan_code", "rw", "rt", "polsek_id", "h3_cell"}
    assert p["kelurahan_code"] == KELURAHAN[1] and p["kecamatan_code"] == TIMUR
    assert p["h3_cell"] == h3.latlng_to_cell(lat, lon, 9)
    out = lookup.resolve_place(106.0, -6.0)
    assert out["kelurahan_code"] == "" and out["rt"] is None and out["h3_cell"]


@pytest.fixture
def rt_shapes(timur):
    return [(t.pk, shape(t.geometry)) for t in Rt.objects.all()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(i=st.integers(min_value=0, max_value=119), u=st.floats(0, 1), v=st.floats(0, 1))
def test_property_point_in_rt_is_located_there(rt_shapes, i, u, v):
    pk, poly = rt_shapes[i]
    # a random point of the RT: sample its bbox, keep one that is well inside, else its representative point
    x0, y0, x1, y1 = poly.bounds
    p = shapely.Point(x0 + u * (x1 - x0), y0 + v * (y1 - y0))
    if not poly.buffer(-1e-6).contains(p):
        p = poly.representative_point()
    loc = lookup.locate(p.x, p.y)
    assert loc is not None
    if loc.rt_id != pk:  # only where the source kelurahan overlap (slivers) may another RT come first
        assert shape(Rt.objects.get(pk=loc.rt_id).geometry).covers(p)
        assert loc.rt_id < pk


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lon=st.floats(-180, 180), lat=st.floats(-90, 90))
def test_property_far_points_are_outside(timur, lon, lat):
    if 106.9 <= lon <= 107.2 and -6.5 <= lat <= -6.1:
        return
    assert lookup.locate(lon, lat) is None


def test_raster_answers_equal_the_exact_query(timur):
    """The raster shortcut must never change an answer: compare with the STRtree alone."""
    ix = lookup.get_index()
    assert ix.grid is not None and (ix.grid.cells == -2).any() and (ix.grid.cells >= 0).any()
    x0, y0, x1, y1 = ix.bounds
    rng = np.random.default_rng(3)
    lons = np.concatenate([rng.uniform(x0 - 0.005, x1 + 0.005, 50_000), [np.nan, np.inf, x0, x1]])
    lats = np.concatenate([rng.uniform(y0 - 0.005, y1 + 0.005, 50_000), [y0, y0, np.nan, y1]])
    fast, exact = ix.query(lons, lats), ix.query_exact(lons, lats)
    assert (fast == exact).all()
    # points exactly on vertices of RT polygons (where neighbours touch)
    xy = shapely.get_coordinates(ix.geoms[:200])
    assert (ix.query(xy[:, 0], xy[:, 1]) == ix.query_exact(xy[:, 0], xy[:, 1])).all()
