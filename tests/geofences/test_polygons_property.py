"""Properties of the polygon parser: any input either parses to a valid polygon of non-zero area inside
the sane box or raises Invalid (never another exception); convex polygons are always accepted and keep
their shape through the stored columns."""

from __future__ import annotations

import json

import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.errors import Invalid
from siaga.geofences import polygons

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-1000, 1000),
    st.floats(min_value=106.8, max_value=107.2),
)
position = st.lists(numbers, min_size=0, max_size=4)
ring = st.lists(position, min_size=0, max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
geometries = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Polygon", "MultiPolygon", "Point", "Feature", "LineString", ""]),
        "coordinates": st.one_of(
            st.lists(ring, max_size=3), st.lists(st.lists(ring, max_size=2), max_size=2)
        ),
    }
)


def _accepts_or_invalid(value) -> None:
    try:
        g = polygons.parse(value)
    except Invalid as e:
        assert e.field == "geometry" and e.message
        return
    assert g.is_valid and g.area > 0 and g.geom_type in ("Polygon", "MultiPolygon")
    b = g.bounds
    assert polygons.SANE_BOX[0] <= b[0] and b[2] <= polygons.SANE_BOX[2]
    assert polygons.vertex_count(g) <= polygons.MAX_VERTICES


@settings(max_examples=300, deadline=None)
@given(st.one_of(geometries, json_values))
def test_any_input_parses_or_is_invalid(value):
    _accepts_or_invalid(value)


@settings(max_examples=100, deadline=None)
@given(st.one_of(geometries, json_values))
def test_any_text_parses_or_is_invalid(value):
    try:
        text = json.dumps(value)
    except ValueError:
        return
    _accepts_or_invalid(text)


points = st.tuples(st.floats(106.9, 107.1), st.floats(-6.4, -6.15))


@settings(max_examples=100, deadline=None)
@given(st.lists(points, min_size=3, max_size=40, unique=True))
def test_convex_polygons_are_accepted_and_keep_their_shape(pts):
    hull = shapely.MultiPoint(pts).convex_hull
    if hull.geom_type != "Polygon" or hull.area < 1e-8:
        return  # collinear or degenerate points: not a polygon
    g = polygons.parse(shapely.geometry.mapping(hull))
    stored = shapely.geometry.shape(polygons.columns(g, 32748)["geometry"])
    assert stored.is_valid
    # coordinates are stored to 7 decimals (~1 cm): the shape moves by at most that along its edges
    assert stored.symmetric_difference(hull).area <= hull.length * 1e-7
