"""Parse and check a fence polygon: GeoJSON Polygon / MultiPolygon (a geometry or a Feature, as a dict or
text), with finite [lon, lat] coordinates inside a sane box, at most MAX_VERTICES vertices, valid (no
self-intersection) and of non-zero area. Every failure is an Invalid naming the problem."""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from siaga.core.errors import Invalid
from siaga.territory.geometry import area_m2, to_geojson

MAX_VERTICES = 5000
MAX_TEXT = 2_000_000  # characters of pasted GeoJSON
# Indonesia with a margin: a fence outside this box is a swapped [lat, lon] or a typo.
SANE_BOX = (90.0, -15.0, 145.0, 10.0)
POLRES_MARGIN_DEG = 0.25  # a fence may reach a little past its Polres (border roads, event venues)
FIELD = "geometry"


def _bad(message: str) -> Invalid:
    return Invalid(message, field=FIELD)


def _load(value: Any) -> dict:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        if not value.strip():
            raise _bad(_("Give the polygon as GeoJSON."))
        if len(value) > MAX_TEXT:
            raise _bad(_("The GeoJSON is too large."))
        try:
            value = json.loads(value)
        except ValueError as e:
            raise _bad(_("The polygon is not valid JSON.")) from e
    if not isinstance(value, dict):
        raise _bad(_("Give the polygon as a GeoJSON object."))
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise _bad(_("The feature has no geometry."))
    return value


def _count_and_check(coords: Any, depth: int) -> int:
    """Vertices in nested coordinate lists of the given depth (3: polygon, 4: multipolygon), checking
    that every position is two or three finite numbers."""
    if not isinstance(coords, (list, tuple)):
        raise _bad(_("The coordinates are malformed."))
    if depth == 1:
        if len(coords) not in (2, 3) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in coords
        ):
            raise _bad(_("Each position must be [longitude, latitude]."))
        if not all(math.isfinite(v) for v in coords):
            raise _bad(_("The coordinates must be finite numbers."))
        return 1
    total = 0
    for c in coords:
        total += _count_and_check(c, depth - 1)
        if total > MAX_VERTICES:
            raise _bad(_("The polygon has more than %(n)d vertices: simplify it.") % {"n": MAX_VERTICES})
    return total


def parse(value: Any, polres_box: tuple[float, float, float, float] | None = None) -> BaseGeometry:
    """The shapely geometry of a fence polygon, or Invalid. `polres_box` (min lon, min lat, max lon,
    max lat) of the Polres, when known, bounds the fence too (with a margin)."""
    g = _load(value)
    kind = g.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise _bad(_("The geometry must be a Polygon or a MultiPolygon."))
    coords = g.get("coordinates")
    if not isinstance(coords, (list, tuple)) or not coords:
        raise _bad(_("The polygon has no coordinates."))
    _count_and_check(coords, 3 if kind == "Polygon" else 4)
    try:
        geom = shape({"type": kind, "coordinates": coords})
    except (ValueError, TypeError, IndexError, shapely.errors.ShapelyError) as e:
        raise _bad(_("The polygon is malformed (each ring needs at least four positions).")) from e
    if geom.is_empty:
        raise _bad(_("The polygon is empty."))
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not (min_lon >= -180 and max_lon <= 180 and min_lat >= -90 and max_lat <= 90):
        raise _bad(_("The coordinates are out of range: GeoJSON is [longitude, latitude]."))
    if not _within(geom.bounds, SANE_BOX, 0):
        raise _bad(_("The polygon is outside Indonesia: GeoJSON is [longitude, latitude]."))
    if polres_box is not None and not _within(geom.bounds, polres_box, POLRES_MARGIN_DEG):
        raise _bad(_("The polygon is outside the Polres area."))
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise _bad(_("The polygon is not valid (%(reason)s): its edges must not cross.") % {"reason": reason})
    if geom.area <= 0:
        raise _bad(_("The polygon has no area."))
    return geom


def _within(bounds, box, margin: float) -> bool:
    return (
        bounds[0] >= box[0] - margin
        and bounds[1] >= box[1] - margin
        and bounds[2] <= box[2] + margin
        and bounds[3] <= box[3] + margin
    )


def vertex_count(geom: BaseGeometry) -> int:
    return int(shapely.get_num_coordinates(geom))


def simplify_to_limit(geom: BaseGeometry, limit: int = MAX_VERTICES) -> BaseGeometry:
    """Simplify (keeping topology) until the polygon fits the vertex limit: ~1 m steps, doubling."""
    tolerance = 1e-5
    while vertex_count(geom) > limit and tolerance < 0.05:
        geom = geom.simplify(tolerance, preserve_topology=True)
        tolerance *= 2
    return geom


def columns(geom: BaseGeometry, epsg: int) -> dict[str, Any]:
    """The stored columns of a fence for this geometry."""
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    stored = to_geojson(geom)
    if not shape(stored).is_valid:  # rounding to ~1 cm pinched a sliver: keep full precision
        stored = json.loads(shapely.to_geojson(geom))
    return {
        "geometry": stored,
        "vertices": vertex_count(geom),
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "area_m2": round(area_m2(geom, epsg), 1),
    }
