"""The JSON API at /api/geofences/: CRUD on fences and rules, uploads, who is inside; 4xx on bad input
with nothing stored; reads scoped by the read gate."""

from __future__ import annotations

import json

import pytest

from siaga.geofences import engine
from siaga.geofences.models import Geofence, GeofenceRule

from .conftest import CENTRE, minutes, square

BASE = "/api/geofences/"


@pytest.fixture
def as_user(client, w):
    def login(name):
        client.force_login(w.u(name))
        return client

    return login


def post(c, url, body):
    return c.post(url, json.dumps(body), content_type="application/json")


def patch(c, url, body):
    return c.patch(url, json.dumps(body), content_type="application/json")


def test_crud_of_a_fence_and_its_rules(as_user, w, raised):
    c = as_user("kabag_ops")
    r = post(c, BASE, {"name": "Zona terlarang", "kind": "forbidden_zone", "geometry": square()})
    assert r.status_code == 201, r.content
    fid = r.json()["id"]
    assert r.json()["geometry"]["type"] == "Polygon" and r.json()["polres"] == w.tree.a.pk
    r = post(c, f"{BASE}{fid}/rules", {"trigger": "dwell", "dwell_minutes": 10, "unit_kinds": ["r2"]})
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    r = patch(c, f"{BASE}rules/{rid}", {"severity": "critical"})
    assert r.status_code == 200 and r.json()["severity"] == "critical" and r.json()["dwell_minutes"] == 10
    r = patch(c, f"{BASE}{fid}", {"name": "Zona steril", "version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert patch(c, f"{BASE}{fid}", {"name": "Lagi", "version": 1}).status_code == 409
    assert [f["name"] for f in c.get(BASE).json()] == ["Zona steril"]
    assert c.get(f"{BASE}{fid}/rules").json()[0]["id"] == rid
    assert c.delete(f"{BASE}rules/{rid}").json()["active"] is False
    assert c.delete(f"{BASE}{fid}").json()["active"] is False
    assert c.get(BASE).json() == [] and len(c.get(f"{BASE}?include_inactive=true").json()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {
            "name": "Silang",
            "kind": "custom",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[107.0, -6.2], [107.1, -6.3], [107.1, -6.2], [107.0, -6.3], [107.0, -6.2]]],
            },
        },
        {"name": "Jauh", "kind": "custom", "geometry": square(lon=-70.0, lat=40.0)},
        {"name": "Titik", "kind": "custom", "geometry": {"type": "Point", "coordinates": [107.0, -6.24]}},
        {"name": "Teks", "kind": "custom", "geometry": "not json"},
        {"name": "Jenis", "kind": "moat", "geometry": square()},
    ],
)
def test_bad_fences_are_400_and_store_nothing(as_user, body):
    r = post(as_user("kabag_ops"), BASE, body)
    assert r.status_code == 400 and r.json()["detail"] and r.json()["code"] == "invalid"
    assert not Geofence.objects.exists()


def test_malformed_bodies_are_422(as_user):
    c = as_user("kabag_ops")
    assert post(c, BASE, {"name": "Zona"}).status_code == 422
    r = post(c, BASE, {"name": "Zona", "kind": "custom", "geometry": square()})
    assert post(c, f"{BASE}{r.json()['id']}/rules", {"trigger": "enter", "units": "abc"}).status_code == 422
    assert not GeofenceRule.objects.exists()


def test_roles_and_scope(as_user, w):
    c = as_user("analyst")
    assert c.get(BASE).status_code == 200
    assert post(c, BASE, {"name": "Zona", "kind": "custom", "geometry": square()}).status_code == 403
    c = as_user("kabag_ops_b")
    fid = post(c, BASE, {"name": "Zona B", "kind": "custom", "geometry": square()}).json()["id"]
    c = as_user("kabag_ops")
    assert c.get(f"{BASE}{fid}").status_code == 404
    assert c.delete(f"{BASE}{fid}").status_code == 404
    assert c.get(BASE).json() == []
    assert as_user("bhabin").get(BASE).status_code == 403
    c.logout()
    assert c.get(BASE).status_code == 401


def test_upload_and_who_is_inside(as_user, w, raised):
    c = as_user("lantas")
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"nama": "Simpang Bulak Kapal"}, "geometry": square()},
            {"type": "Feature", "properties": {"nama": "Jalan Ahmad Yani"}, "geometry": square(lon=107.05)},
        ],
    }
    r = post(c, f"{BASE}upload", {"kind": "custom", "document": doc, "name_property": "nama"})
    assert r.status_code == 201 and [f["name"] for f in r.json()] == [
        "Simpang Bulak Kapal",
        "Jalan Ahmad Yani",
    ]
    u = w.units["R4-01"]
    engine.observe(w.tree.a.pk, [(u.pk, None, "avl", CENTRE[1], CENTRE[0], minutes(0))])
    inside = c.get(f"{BASE}inside").json()
    assert [(s["geofence_name"], s["callsign"], s["device_kind"]) for s in inside] == [
        ("Simpang Bulak Kapal", "R4-01", "avl")
    ]
    detail = c.get(f"{BASE}{r.json()[0]['id']}").json()
    assert detail["inside"][0]["unit"] == u.pk and detail["rules"] == []
    assert as_user("kabag_ops_b").get(f"{BASE}inside").json() == []
    bad = {
        "kind": "custom",
        "document": {"type": "FeatureCollection", "features": [doc["features"][0], {"type": "Feature"}]},
    }
    assert post(c, f"{BASE}upload", bad).status_code == 400
    assert Geofence.objects.count() == 2
