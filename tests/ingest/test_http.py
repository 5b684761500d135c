"""HTTP adapters: OsmAnd at /ingest/osmand and the generic JSON webhook at /ingest/events."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from siaga.cad.models import Unit, UnitPosition
from siaga.ingest.models import AnprRead, DeviceAlert, RejectCount

from .conftest import INSIDE

pytestmark = pytest.mark.django_db(transaction=True)
LON, LAT = INSIDE[0]


def unix(seconds_ago=10):
    return int(timezone.now().timestamp()) - seconds_ago


def test_osmand_get_with_token_param(client, kit, units):
    _d, token = kit["tracker"]
    t = unix()
    r = client.get(
        "/ingest/osmand",
        {
            "id": "trk-1",
            "lat": LAT,
            "lon": LON,
            "timestamp": t,
            "speed": 10,
            "bearing": 90,
            "altitude": 20,
            "accuracy": 5,
            "batt": 80,
            "token": token,
        },
    )
    assert r.status_code == 200 and r.content == b""
    [p] = UnitPosition.objects.all()
    assert (
        p.speed_kmh == pytest.approx(18.52)
        and p.source == "osmand"
        and p.at == dt.datetime.fromtimestamp(t, dt.UTC)
    )
    assert Unit.objects.get(pk=units[0].pk).lat == LAT


def test_osmand_post_with_bearer_and_iso_time(client, kit, units):
    _d, token = kit["tracker"]
    at = (timezone.now() - dt.timedelta(seconds=20)).replace(microsecond=0)
    r = client.post(
        f"/ingest/osmand?id=trk-1&lat={LAT}&lon={LON}&timestamp={at.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 200
    assert UnitPosition.objects.get().at == at
    # the same fix again: a duplicate, still 200 so the phone stops resending
    r = client.post(
        f"/ingest/osmand?id=trk-1&lat={LAT}&lon={LON}&timestamp={int(at.timestamp())}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 200 and UnitPosition.objects.count() == 1


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        ({"id": "ghost"}, 401, "unknown_device"),
        ({"token": "sdev_wrong"}, 401, "bad_credential"),
        ({"token": None}, 401, "bad_credential"),
        ({"lat": 0, "lon": 0}, 400, "null_island"),
        ({"lat": 95}, 400, "bad_coordinates"),
        ({"lat": None}, 400, "bad_coordinates"),
        ({"timestamp": "soon"}, 400, "bad_timestamp"),
        ({"speed": "fast"}, 400, "malformed"),
    ],
)
def test_osmand_refusals(client, kit, params, status, reason):
    _d, token = kit["tracker"]
    q = {"id": "trk-1", "lat": LAT, "lon": LON, "timestamp": unix(), "token": token, **params}
    r = client.get("/ingest/osmand", {k: v for k, v in q.items() if v is not None})
    assert r.status_code == status and r.content.decode() == reason
    assert not UnitPosition.objects.exists()
    assert RejectCount.objects.get(reason=reason).n == 1


def test_osmand_rejects_other_methods(client):
    assert client.put("/ingest/osmand").status_code == 405


def post_json(client, body, token=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post("/ingest/events", data=data, content_type="application/json", **headers)


def test_events_single_object(client, kit):
    _d, token = kit["cctv"]
    r = post_json(
        client, {"device": "cam-1", "id": "e1", "type": "cctv", "event": "fire", "confidence": 0.95}, token
    )
    assert r.status_code == 200 and r.json() == {"status": "accepted", "reason": "", "routed": ["alert"]}
    assert DeviceAlert.objects.get().kind == "cctv.fire"


def test_events_list_reports_each_outcome(client, kit, units):
    _d, token = kit["tracker"]
    at = (timezone.now() - dt.timedelta(seconds=30)).isoformat()
    body = [
        {"device": "trk-1", "id": "m1", "type": "position", "at": at, "lat": LAT, "lon": LON},
        {"device": "trk-1", "id": "m1", "type": "position", "at": at, "lat": LAT, "lon": LON},
        {"device": "trk-1", "id": "m2", "type": "position", "at": at, "lat": 0, "lon": 0},
        "not an object",
        {"device": "nobody", "type": "position", "at": at, "lat": LAT, "lon": LON},
    ]
    r = post_json(client, body, token)
    assert r.status_code == 200
    assert [(x["status"], x["reason"]) for x in r.json()["results"]] == [
        ("accepted", ""),
        ("duplicate", ""),
        ("rejected", "null_island"),
        ("rejected", "malformed"),
        ("rejected", "unknown_device"),
    ]
    assert UnitPosition.objects.count() == 1


def test_events_anpr(client, kit):
    _d, token = kit["anpr"]
    r = post_json(
        client, {"device": "anpr-1", "type": "anpr", "plate": "B 1234 XYZ", "confidence": 0.9}, token
    )
    assert r.status_code == 200 and AnprRead.objects.get().plate == "B1234XYZ"


@pytest.mark.parametrize(("raw", "status"), [("{not json", 400), ("[]", 400), ("42", 400), ('"x"', 400)])
def test_events_malformed_bodies(client, kit, raw, status):
    r = post_json(client, None, "x", raw=raw)
    assert r.status_code == status and r.json()["reason"] == "malformed"
    assert RejectCount.objects.get(reason="malformed", polres_id=0).n == 1


def test_events_wrong_token_is_401(client, kit):
    r = post_json(client, {"device": "cam-1", "type": "cctv", "event": "fire"}, "sdev_nope")
    assert r.status_code == 401 and not DeviceAlert.objects.exists()


def test_events_too_many_items(client, kit):
    r = post_json(client, [{"device": "cam-1"}] * 1001, "x")
    assert r.status_code == 413


def test_no_csrf_needed(kit, units):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    _d, token = kit["tracker"]
    r = c.post(f"/ingest/osmand?id=trk-1&lat={LAT}&lon={LON}&timestamp={unix()}&token={token}")
    assert r.status_code == 200


def test_busy_database_is_503_with_retry_after(client, kit, monkeypatch):
    from django.db import OperationalError

    from siaga.ingest import http

    def busy(batch):
        raise OperationalError("database is locked")

    monkeypatch.setattr(http, "accept", busy)
    _d, token = kit["tracker"]
    r = client.get("/ingest/osmand", {"id": "trk-1", "lat": LAT, "lon": LON, "token": token})
    assert r.status_code == 503 and r["Retry-After"] == "2"
    r = post_json(client, {"device": "trk-1", "type": "position", "lat": LAT, "lon": LON}, token)
    assert r.status_code == 503
