"""Geometry helpers for territory: GeoJSON <-> shapely, UTM metres, bbox/centroid columns.

Everything on the wire and in storage is GeoJSON [lon, lat] (WGS 84). Areas and overlaps are measured
in metres in the UTM zone of the data (EPSG 327xx south of the equator, 326xx north).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

DEFAULT_UTM_EPSG = 32748  # UTM 48S: West Java, the default Polres
POLYGONAL = ("Polygon", "MultiPolygon")


def utm_epsg_for(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 / UTM zone holding (lon, lat)."""
    zone = min(60, max(1, math.floor((lon + 180.0) / 6.0) + 1))
    return (32700 if lat < 0 else 32600) + zone


@lru_cache(maxsize=16)
def _to_utm(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def to_metric(geom: BaseGeometry, epsg: int) -> BaseGeometry:
    """Project a WGS 84 geometry to metres (UTM `epsg`)."""
    t = _to_utm(epsg)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def to_metric_many(geoms, epsg: int) -> np.ndarray:
    """Project an array of geometries in one pyproj call (all coordinates at once)."""
    t = _to_utm(epsg)

    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), fn)


def area_m2(geom: BaseGeometry, epsg: int) -> float:
    return float(to_metric(geom, epsg).area)


def label_point(geom: BaseGeometry) -> tuple[float, float]:
    """The centroid when it lies inside the area, else a point surely inside (for labels and zooms)."""
    c = geom.centroid
    if not geom.contains(c):
        c = geom.representative_point()
    return float(c.x), float(c.y)


def columns(geom: BaseGeometry, epsg: int, *, area: float | None = None) -> dict[str, Any]:
    """The stored columns of a Located row for this geometry."""
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    lon, lat = label_point(geom)
    return {
        "geometry": to_geojson(geom),
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "centroid_lon": lon,
        "centroid_lat": lat,
        "area_m2": round(area_m2(geom, epsg) if area is None else area, 1),
    }


def columns_many(geoms, epsg: int, areas=None, precision: int | None = None) -> list[dict[str, Any]]:
    """`columns` for many geometries at once (vectorised: one pyproj call, one GEOS call per step).

    Coordinates keep full precision by default: rounding would open centimetre slivers between
    neighbours that share edges (generated RT tile their kelurahan exactly).
    """
    arr = np.asarray(geoms, dtype=object)
    if areas is None:
        areas = shapely.area(to_metric_many(arr, epsg))
    bounds = shapely.bounds(arr)
    cen = shapely.centroid(arr)
    inside = shapely.contains(arr, cen)
    if not inside.all():
        cen = np.where(inside, cen, shapely.point_on_surface(arr))
    cxy = shapely.get_coordinates(cen)
    if precision is not None:
        arr = shapely.transform(arr, lambda c: np.round(c, precision))
    texts = shapely.to_geojson(arr)
    return [
        {
            "geometry": json.loads(t),
            "min_lon": float(b[0]),
            "min_lat": float(b[1]),
            "max_lon": float(b[2]),
            "max_lat": float(b[3]),
            "centroid_lon": float(c[0]),
            "centroid_lat": float(c[1]),
            "area_m2": round(float(a), 1),
        }
        for t, b, c, a in zip(texts, bounds, cxy, areas, strict=True)
    ]


def to_geojson(geom: BaseGeometry, precision: int = 7) -> dict:
    """GeoJSON geometry dict with coordinates rounded to `precision` decimals (7 ≈ 1 cm)."""
    m = mapping(geom)

    def rnd(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), precision) for v in c[:2]]
        return [rnd(x) for x in c]

    return {"type": m["type"], "coordinates": rnd(m["coordinates"])}


def from_geojson(geometry: dict) -> BaseGeometry:
    return shape(geometry)


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygon parts of a clip result (drop stray lines/points); MultiPolygon if several."""
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in POLYGONAL]
    polys = []
    for p in parts:
        polys.extend(p.geoms if p.geom_type == "MultiPolygon" else [p])
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def drop_small_holes(geom: BaseGeometry, max_hole_m2: float) -> BaseGeometry:
    """Remove interior rings smaller than `max_hole_m2` (slivers between neighbouring source polygons)."""
    if geom.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([drop_small_holes(p, max_hole_m2) for p in geom.geoms])
    if geom.geom_type != "Polygon":
        return geom
    lat = geom.centroid.y
    m2_per_deg2 = 110_574.0 * 111_320.0 * math.cos(math.radians(lat))
    keep = [r for r in geom.interiors if shapely.Polygon(r).area * m2_per_deg2 >= max_hole_m2]
    return shapely.Polygon(geom.exterior, keep)
