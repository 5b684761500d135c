"""The register maps: problems by level and potentials by kind, as a point where the record has one and as
its RT or kelurahan polygon where it is located by area only; scoped like the lists."""

from __future__ import annotations

import pytest

from siaga.mapping import potentials, problems
from siaga.territory import lookup
from siaga.territory.lookup import Location
from siaga.territory.models import Region, Rt
from tests.core.world import K1, K2

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[107.0, -6.25], [107.01, -6.25], [107.01, -6.24], [107.0, -6.24], [107.0, -6.25]]],
}
RT_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[107.0, -6.25], [107.002, -6.25], [107.002, -6.248], [107.0, -6.25]]],
}


@pytest.fixture
def placed(w, monkeypatch):
    Region.objects.filter(code__in=[K1, K2]).update(geometry=SQUARE)
    Rt.objects.filter(kelurahan_id=K1).update(geometry=RT_SQUARE)
    bhabin = w.u("bhabin_k1")
    problems.create(
        bhabin, title="Sengketa batas", kind="land", source="visit", kelurahan_code=K1, level="AG"
    )
    problems.create(bhabin, title="Parkir liar RT 1", kind="other", source="visit", rt_key=f"{K1}/001/001")
    loc = Location(
        None, 1, 1, K2, "Duren Jaya", "32.75.02", "Bekasi Timur", "32.75", w.tree.s2.pk, w.tree.a.pk, False
    )
    monkeypatch.setattr(lookup, "locate", lambda lon, lat: loc)
    problems.create(
        w.u("intelkam"),
        title="Tawuran jembatan",
        kind="brawl",
        source="intelligence",
        lat=-6.245,
        lon=107.005,
        level="GN",
    )
    p = problems.create(bhabin, title="Sudah selesai", kind="other", source="visit", kelurahan_code=K1)
    problems.update(w.u("intelkam"), p.pk, status="resolved", note="Damai")
    potentials.create(bhabin, kind="activity", category="market", name="Pasar Bintara", kelurahan_code=K1)
    potentials.create(
        bhabin, kind="person", category="tokoh_agama", name="Ustaz Hasan", rt_key=f"{K1}/001/001"
    )
    return w


def _features(response) -> dict:
    return {f["properties"]["title"]: f for f in response.context["geojson"]["features"]}


def test_problem_map_points_polygons_and_levels(client, placed):
    client.force_login(placed.u("intelkam"))
    r = client.get("/wilayah/masalah/peta/")
    assert r.status_code == 200
    feats = _features(r)
    assert set(feats) == {"Sengketa batas", "Parkir liar RT 1", "Tawuran jembatan"}  # resolved ones left out
    assert feats["Tawuran jembatan"]["geometry"] == {"type": "Point", "coordinates": [107.005, -6.245]}
    assert feats["Tawuran jembatan"]["properties"]["cls"] == "GN"
    assert (
        feats["Sengketa batas"]["geometry"] == SQUARE and feats["Sengketa batas"]["properties"]["cls"] == "AG"
    )
    assert feats["Parkir liar RT 1"]["geometry"] == RT_SQUARE  # the RT's polygon before the kelurahan's
    assert feats["Sengketa batas"]["properties"]["url"].startswith("/wilayah/masalah/")
    body = r.content.decode()
    assert 'id="register-map"' in body and "registermap.js" in body and "/wilayah/masalah/baru/" in body


def test_potential_map_by_kind(client, placed):
    client.force_login(placed.u("analyst"))
    r = client.get("/wilayah/potensi/peta/")
    feats = _features(r)
    assert feats["Pasar Bintara"]["properties"]["cls"] == "activity"
    assert (
        feats["Ustaz Hasan"]["properties"]["cls"] == "person"
        and feats["Ustaz Hasan"]["geometry"] == RT_SQUARE
    )
    assert "/wilayah/potensi/baru/" not in r.content.decode()  # analysts read only


def test_maps_are_scoped_like_the_lists(client, placed):
    client.force_login(placed.u("bhabin_k1"))
    assert set(_features(client.get("/wilayah/masalah/peta/"))) == {"Sengketa batas", "Parkir liar RT 1"}
    client.force_login(placed.u("bhabin_k2"))
    assert set(_features(client.get("/wilayah/masalah/peta/"))) == {"Tawuran jembatan"}


@pytest.mark.parametrize("name", ["partner", "citizen", "humas"])
def test_maps_are_refused_to_roles_that_cannot_read(client, placed, name):
    client.force_login(placed.u(name))
    assert client.get("/wilayah/masalah/peta/").status_code == 403
    assert client.get("/wilayah/potensi/peta/").status_code == 403


def test_the_maps_give_their_features_as_geojson_for_other_maps(client, placed):
    client.force_login(placed.u("bhabin_k1"))
    data = client.get("/wilayah/masalah/peta/?format=geojson").json()
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["title"] for f in data["features"]} == {"Sengketa batas", "Parkir liar RT 1"}
    assert client.get("/wilayah/potensi/peta/?format=geojson").json()["features"]
    client.force_login(placed.u("humas"))
    assert client.get("/wilayah/masalah/peta/?format=geojson").status_code == 403
