"""Patrol plans over HTTP: the API (create, list, get, publish, dosage, mine), the pages, the officer view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from siaga.analytics import patrol
from siaga.analytics.models import PatrolPlan
from siaga.cad.models import UnitPosition
from siaga.resources.models import Personnel

from . import test_patrol
from .test_patrol import DAY

area = test_patrol.area  # the fixture, shared

API = "/api/analytics/patrol"


def _create(client, **body):
    payload = {"date": DAY.isoformat(), "shift": "pagi", "method": "long_term_counts", **body}
    return client.post(f"{API}/plans", payload, content_type="application/json")


def test_api_create_list_get_publish_dosage(client, area):
    client.force_login(area.u["kabag"])
    r = _create(client, patrol_minutes=45)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert (
        plan["status"] == "draft"
        and plan["polres"] == "BKS"
        and len(plan["items"]) == plan["summary"]["cells"]
    )
    pk = plan["id"]
    assert [p["id"] for p in client.get(f"{API}/plans").json()["items"]] == [pk]
    assert client.get(f"{API}/plans?date=2026-11-02&status=draft").json()["items"]
    detail = client.get(f"{API}/plans/{pk}").json()
    assert (
        detail["cells"]["type"] == "FeatureCollection"
        and detail["cells"]["features"][0]["geometry"]["type"] == "Polygon"
    )
    assert client.post(f"{API}/plans/{pk}/dosage").status_code == 409  # not published yet
    assert client.post(f"{API}/plans/{pk}/publish").json()["status"] == "published"
    assert client.post(f"{API}/plans/{pk}/publish").status_code == 409
    d = client.get(f"{API}/plans/{pk}/dosage").json()
    assert d["cells"] == plan["summary"]["cells"] and d["delivered_minutes"] == 0
    assert client.post(f"{API}/plans/{pk}/dosage").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"shift": "sore"},
        {"date": "02-11-2026"},
        {"method": "x"},
        {"visit_minutes": 0},
        {"polres": "NOPE"},
        {"polsek": "NOPE"},
        {"unit_ids": [999999]},
    ],
)
def test_api_bad_input_is_a_clear_4xx_and_stores_nothing(client, area, body):
    client.force_login(area.u["kabag"])
    r = _create(client, **body)
    assert r.status_code == 400 and r.json()["detail"]
    assert not PatrolPlan.objects.exists()


def test_api_roles(client, area):
    client.force_login(area.u["humas"])
    assert client.get(f"{API}/plans").status_code == 403
    client.force_login(area.u["patrol"])
    assert client.get(f"{API}/plans").status_code == 200
    assert _create(client).status_code == 403
    client.force_login(area.u["other"])
    assert _create(client, polres="BKS").status_code == 403
    client.logout()
    assert client.get(f"{API}/plans").status_code == 401
    assert not PatrolPlan.objects.exists()


def test_api_plans_of_another_polres_are_not_found(client, area):
    plan = patrol.generate(None, area.polres, DAY, "pagi", method="long_term_counts")
    client.force_login(area.u["other"])
    assert client.get(f"{API}/plans/{plan.pk}").status_code == 404
    assert client.post(f"{API}/plans/{plan.pk}/publish").status_code == 404
    assert client.get(f"{API}/plans").json()["items"] == []
    assert client.get(f"{API}/plans/{2**70}").status_code == 404
    client.force_login(area.u["kabag"])
    assert _create(client, unit_ids=[2**70]).status_code == 400


@pytest.fixture
def running(area):
    """A published plan for the shift running now, the car crewed by the patrol officer, a minute inside."""
    now = timezone.now()
    shift = patrol.current_shift(area.polres, now)
    day = shift.starts_at.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    plan = patrol.generate(None, area.polres, day, shift.name, method="long_term_counts")
    patrol.publish_plan(None, plan.pk)
    car = area.units[0]
    p = Personnel.objects.create(
        polres=area.polres,
        nrp="85019999",
        name="Bripda Patroli",
        rank="Bripda",
        function="samapta",
        user=area.u["patrol"],
    )
    car.crew.add(p)
    item = plan.items.filter(unit=car).first()
    fixes = [now - dt.timedelta(minutes=4 - k) for k in range(4)]
    UnitPosition.objects.bulk_create(
        [
            UnitPosition(unit=car, polres=area.polres, lat=item.lat, lon=item.lon, at=t)
            for t in fixes
            if t >= shift.starts_at
        ]
    )
    return plan, car, item


def test_api_mine_gives_the_officer_his_cells_and_minutes_done(client, area, running):
    plan, car, item = running
    client.force_login(area.u["patrol"])
    r = client.get(f"{API}/mine").json()
    assert r["unit"] == car.callsign and r["plan"]["id"] == plan.pk
    feats = r["cells"]["features"]
    assert feats and all(f["properties"]["unit"] == car.callsign for f in feats)
    mine = next(f for f in feats if f["properties"]["id"] == item.pk)
    assert mine["properties"]["done_minutes"] >= 0
    client.force_login(area.u["humas"])
    assert client.get(f"{API}/mine").status_code == 403


def test_pages_list_form_plan_publish(client, area):
    client.force_login(area.u["kabag"])
    r = client.get("/analitik/patroli/")
    assert r.status_code == 200 and 'name="shift"' in r.text
    r = client.post(
        "/analitik/patroli/",
        {
            "date": "2026-11-02",
            "shift": "pagi",
            "method": "long_term_counts",
            "patrol_minutes": "60",
            "visit_minutes": "15",
            "polsek": "",
        },
    )
    plan = PatrolPlan.objects.get()
    assert r.status_code == 302 and r.url == f"/analitik/patroli/{plan.pk}/"
    r = client.get(r.url)
    assert r.status_code == 200 and 'id="patrol-data"' in r.text and "<script>" not in r.text
    assert len(r.context["rows"]) == plan.items.count()
    client.post(f"/analitik/patroli/{plan.pk}/terbitkan/")
    plan.refresh_from_db()
    assert plan.status == "published"
    assert client.get(f"/analitik/patroli/{plan.pk}/").context["dosage"]["cells"] == plan.items.count()
    assert client.post(f"/analitik/patroli/{plan.pk}/dosis/").status_code == 302
    r = client.post("/analitik/patroli/", {"date": "x", "shift": "pagi"})
    assert r.status_code == 200 and PatrolPlan.objects.count() == 1  # the error shown, nothing stored


def test_pages_roles(client, area):
    plan = patrol.generate(None, area.polres, DAY, "pagi", method="long_term_counts")
    client.force_login(area.u["patrol"])
    r = client.get("/analitik/patroli/")
    assert r.status_code == 200 and 'name="shift"' not in r.text
    assert client.get(f"/analitik/patroli/{plan.pk}/").status_code == 200
    assert client.post(f"/analitik/patroli/{plan.pk}/terbitkan/").status_code == 403
    assert client.post("/analitik/patroli/", {"date": "2026-11-02", "shift": "pagi"}).status_code == 403
    client.force_login(area.u["humas"])
    assert client.get("/analitik/patroli/").status_code == 403
    client.force_login(area.u["other"])
    assert client.get(f"/analitik/patroli/{plan.pk}/").status_code == 404
    client.logout()
    assert client.get("/analitik/patroli/").status_code == 302


def test_officer_view_has_the_patrol_section(client, area, running):
    client.force_login(area.u["patrol"])
    r = client.get("/officer/")
    assert r.status_code == 200 and 'id="off-patrol"' in r.text and 'id="patrol-officer"' in r.text
    assert "analytics/patrol-officer.js" in r.text
