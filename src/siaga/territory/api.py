"""Territory API (/api/territory/): areas as GeoJSON, search, point lookup, Polsek coverage."""

from __future__ import annotations

import math
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from siaga.core.errors import Invalid

from . import selectors

router = Router(tags=["territory"])

AreaLevel = Literal["kabkota", "kecamatan", "kelurahan", "rw", "rt"]


class Feature(Schema):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollection(Schema):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]


class AreasQuery(Schema):
    level: AreaLevel = Field(description="kabkota | kecamatan | kelurahan | rw | rt")
    parent: str | None = Field(
        None,
        description="parent code (kelurahan code for rw; kelurahan code or RW key 32.75.01.1001/005 for rt)",
    )


class SearchHit(Schema):
    code: str
    name: str
    level: str
    label: str
    parent: str
    synthetic: bool
    bbox: list[float] | None
    center: list[float] | None


class Place(Schema):
    lon: float
    lat: float
    kabkota_code: str
    kecamatan_code: str
    kecamatan_name: str
    kelurahan_code: str
    kelurahan_name: str
    rw: int | None
    rt: int | None
    rt_key: str
    synthetic: bool
    polsek_id: int | None
    polsek_name: str
    polres_id: int | None
    h3_cell: str


class Error(Schema):
    detail: str
    code: str = ""


class LookupQuery(Schema):
    lat: float = Field(ge=-90, le=90, description="latitude, WGS 84")
    lon: float = Field(ge=-180, le=180, description="longitude, WGS 84")


class AreaRef(Schema):
    code: str
    name: str
    level: str


class PolsekOut(Schema):
    id: int
    code: str
    name: str
    polres_id: int
    polres_name: str
    phone: str
    address: str
    lat: float | None
    lon: float | None
    areas: list[AreaRef]
    kelurahan: list[str] = Field(description="kelurahan the Polsek answers for (kelurahan entries override)")


@router.get("/areas", url_name="territory_areas", response={200: FeatureCollection, 400: Error, 404: Error})
def areas(request, q: Query[AreasQuery]):
    """Areas of one level as a GeoJSON FeatureCollection ([lon, lat]); RT one kelurahan or RW at a time."""
    return selectors.areas(request.user, q.level, q.parent)


@router.get("/search", url_name="territory_search", response=list[SearchHit])
def search(request, q: str = ""):
    """Top 20 areas: code prefix, RW/RT key (32.75.01.1001/005/002), text ("RT 2 RW 5 Margahayu"), name."""
    return selectors.search(request.user, q)


@router.get("/lookup", url_name="territory_lookup", response={200: Place, 400: Error, 404: Error})
def lookup(request, q: Query[LookupQuery]):
    """The RT/RW/kelurahan/kecamatan and Polsek holding a point; 404 "outside the Polres area"."""
    if not (math.isfinite(q.lat) and math.isfinite(q.lon)):
        raise Invalid(_("lat and lon must be finite numbers."), field="lat")
    return selectors.place(request.user, q.lon, q.lat)


@router.get("/polsek", url_name="territory_polsek", response=list[PolsekOut])
def polsek(request):
    """Polsek with the areas they cover (data, not a rule: a kelurahan entry overrides its kecamatan's)."""
    return selectors.polsek_list(request.user)


@router.get("/polsek/areas", url_name="territory_polsek_areas", response=FeatureCollection)
def polsek_areas(request):
    """Each Polsek's area (union of the kelurahan it answers for) as GeoJSON."""
    return selectors.polsek_features(request.user)
