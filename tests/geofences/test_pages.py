"""The pages under /geofence/: map and list, the draw form, a fence's rules and who is inside."""

from __future__ import annotations

import json

import pytest

from siaga.geofences import engine, services
from siaga.geofences.models import Geofence, GeofenceRule

from .conftest import CENTRE, minutes, square


@pytest.fixture
def page(client, w):
    def login(name):
        client.force_login(w.u(name))
        return client

    return login


def test_index_shows_fences_and_the_form_to_those_who_draw(page, w):
    services.create_fence(w.u("kabag_ops"), name="Zona terlarang", kind="forbidden_zone", geometry=square())
    r = page("kabag_ops").get("/geofence/")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="gf-map"' in html and "Zona terlarang" in html
    assert 'name="geometry"' in html and 'data-draw="gf-geometry"' in html
    assert "geofences/geofences.js" in html and "<script>" not in html  # no inline script (CSP)
    html = page("operator").get("/geofence/").content.decode()
    assert "Zona terlarang" in html and 'name="geometry"' not in html
    assert page("bhabin").get("/geofence/").status_code == 403


def test_drawing_a_fence_from_the_form(page, w):
    c = page("lantas")
    form = {
        "name": "Zona acara",
        "kind": "event_zone",
        "geometry": json.dumps(square()),
        "active_from": "2026-11-01T19:00",
        "active_until": "2026-11-01T23:00",
        "polsek": str(w.tree.s1.pk),
    }
    r = c.post("/geofence/", form)
    f = Geofence.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/geofence/{f.pk}/"
    assert f.active_from.isoformat() == "2026-11-01T12:00:00+00:00"  # 19:00 WIB
    assert f.polsek == w.tree.s1


def test_a_bad_polygon_is_shown_and_nothing_stored(page):
    r = page("kabag_ops").post(
        "/geofence/", {"name": "Zona", "kind": "custom", "geometry": '{"type": "Point"}'}
    )
    assert r.status_code == 400 and 'role="alert"' in r.content.decode()
    assert not Geofence.objects.exists()
    r = page("operator").post(
        "/geofence/", {"name": "Zona", "kind": "custom", "geometry": json.dumps(square())}
    )
    assert r.status_code == 403 and not Geofence.objects.exists()


def test_pasting_a_feature_collection_makes_several_fences(page):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Pasar A"}, "geometry": square()},
        {"type": "Feature", "properties": {"name": "Pasar B"}, "geometry": square(lon=107.05)},
    ]}  # fmt: skip
    r = page("kabag_ops").post("/geofence/", {"kind": "custom", "geometry": json.dumps(doc)})
    assert r.status_code == 302 and Geofence.objects.count() == 2


def test_detail_rules_and_who_is_inside(page, w, raised):
    f = services.create_fence(w.u("kabag_ops"), name="Zona", kind="custom", geometry=square())
    c = page("kabag_ops")
    url = f"/geofence/{f.pk}/"
    r = c.post(
        url,
        {
            "action": "add_rule",
            "trigger": "dwell",
            "dwell_minutes": "15",
            "unit_kinds": ["r2", "r4"],
            "severity": "critical",
        },
    )
    assert r.status_code == 302
    rule = GeofenceRule.objects.get()
    assert rule.unit_kinds == ["r2", "r4"] and rule.dwell_minutes == 15
    r = c.post(url, {"action": "add_rule", "trigger": "dwell", "dwell_minutes": "0"})
    assert r.status_code == 400 and GeofenceRule.objects.count() == 1
    engine.observe(w.tree.a.pk, [(w.units["R2-01"].pk, None, "", CENTRE[1], CENTRE[0], minutes(0))])
    html = c.get(url).content.decode()
    assert "R2-01" in html and "gf-geojson" in html
    assert c.post(url, {"action": "remove_rule", "rule": str(rule.pk)}).status_code == 302
    assert not GeofenceRule.objects.get().active
    r = c.post(url, {"action": "update", "name": "Zona baru", "version": "1", "geometry": ""})
    assert r.status_code == 302 and Geofence.objects.get().name == "Zona baru"
    assert c.post(url, {"action": "deactivate"}).status_code == 302
    assert not Geofence.objects.get().active
    assert page("kabag_ops_b").get(url).status_code == 404
