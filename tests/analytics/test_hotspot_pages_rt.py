"""Hotspots on the real polygons of Bekasi Timur (tests/cad/conftest.py world): Gi* and KDE aggregated on
RT polygons, and the grid masked to the user's area."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from siaga.accounts.services import create_user
from siaga.analytics import hotspot_map
from siaga.core.context import acting
from siaga.territory import lookup

from ..cad.conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def located(world):
    """40 incidents at one spot (one RT), 60 spread over the Polsek, located as the CAD locates them."""
    from siaga.cad.models import Incident

    polres, polsek, _other = world
    rng = np.random.default_rng(7)
    now = timezone.now()
    lon = np.concatenate([INSIDE[0][0] + rng.normal(0, 0.0002, 40), rng.uniform(107.00, 107.04, 60)])
    lat = np.concatenate([INSIDE[0][1] + rng.normal(0, 0.0002, 40), rng.uniform(-6.26, -6.225, 60)])
    loc = lookup.locate_many(lon, lat)
    rows = []
    for i in np.flatnonzero(loc.inside):
        at = now - dt.timedelta(days=float(rng.uniform(1, 200)))
        rows.append(
            Incident(
                polres=polres,
                polsek=polsek,
                number=f"BKS/RT/{i}",
                category="curat",
                received_at=at,
                created_at=at,
                lat=float(lat[i]),
                lon=float(lon[i]),
                kecamatan_code=str(loc.kecamatan_code[i]),
                kelurahan_code=str(loc.kelurahan_code[i]),
                rw=int(loc.rw[i]) or None,
                rt=int(loc.rt[i]) or None,
            )
        )
    Incident.objects.bulk_create(rows)
    spot = lookup.locate(*INSIDE[0])
    with acting(None, "test-hotspot-rt"):
        analyst = create_user("analyst_rt", "Sandi-Rahasia-123", "analyst", validate=False, polres=polres)
    return analyst, spot.rt_key, len(rows)


def test_gi_star_on_rt_polygons_marks_the_spot_hot(located):
    analyst, spot_key, n = located
    out = hotspot_map.hotspot_map(analyst, hotspot_map.parse({"aggregate": "rt", "method": "gistar"}))
    assert out["incidents"] == n and out["summary"]["areas"] > 50
    hot = {
        f["properties"]["key"]: f["properties"]
        for f in out["geojson"]["features"]
        if f["properties"]["c"] > 0
    }
    assert spot_key in hot and hot[spot_key]["c"] == 99 and hot[spot_key]["n"] >= 30
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in out["geojson"]["features"])


def test_kde_on_rt_polygons_is_densest_at_the_spot(located):
    analyst, spot_key, _n = located
    out = hotspot_map.hotspot_map(analyst, hotspot_map.parse({"aggregate": "rt"}))
    feats = out["geojson"]["features"]
    densest = max(feats, key=lambda f: f["properties"]["v"])
    assert densest["properties"]["key"] == spot_key and densest["properties"]["c"] == 5


def test_the_grid_is_masked_to_the_area_and_the_outline_drawn(located):
    analyst, _key, _n = located
    pts = hotspot_map.incidents(analyst, timezone.now() - dt.timedelta(days=365), timezone.now())
    grid = hotspot_map.area_grid(analyst, pts, 150.0, pad=600.0)
    assert 0 < grid.mask.sum() < grid.mask.size  # the padding outside Bekasi Timur is left out
    outline = hotspot_map.area_outline(analyst)
    assert len(outline["features"]) >= 4
