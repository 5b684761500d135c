"""/api/cad/: the operations-room API end to end through the test client (session auth)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from siaga.cad.models import Call, Incident

from .conftest import OUTSIDE
from .ops_fixtures import *  # noqa: F403
from .ops_fixtures import P_S1, P_S2

pytestmark = pytest.mark.django_db
API = "/api/cad"


@pytest.fixture
def as_user(ops):
    def login(name: str) -> Client:
        c = Client()
        c.force_login(ops.u(name))
        return c

    return login


def post(c: Client, url: str, body: dict | None = None, **headers):
    return c.post(API + url, body or {}, content_type="application/json", headers=headers)


def make(c: Client, point=P_S1, **kw):
    r = post(c, "/incidents", {"category": "curat", "lat": point[1], "lon": point[0], **kw})
    assert r.status_code == 201, r.content
    return r.json()


def test_anonymous_gets_401(client):
    for url in ("/incidents", "/units", "/calls/queue"):
        r = client.get(API + url)
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_call_intake_flow(as_user):
    op = as_user("operator")
    r = post(op, "/calls/ring", {"caller_number": "081234567890", "call_id": "pbx-9"})
    assert r.status_code == 201 and r.json()["status"] == "ringing" and r.json()["call_id"] == "pbx-9"
    call_id = r.json()["id"]
    again = post(op, "/calls/ring", {"caller_number": "081234567890", "call_id": "pbx-9"})
    assert again.status_code == 200 and again.json()["id"] == call_id
    assert post(as_user("citizen"), "/calls/ring", {"caller_number": "0812"}).status_code == 403
    queue = op.get(API + "/calls/queue").json()
    assert [q["call"]["id"] for q in queue] == [call_id] and queue[0]["overdue"] is False
    assert post(op, f"/calls/{call_id}/answer").json()["status"] == "answered"
    assert post(as_user("dispatcher"), f"/calls/{call_id}/answer").status_code == 409
    assert post(as_user("disp_s1"), f"/calls/{call_id}/answer").status_code == 404
    inc = make(op, call_id=call_id, summary="Jambret")
    closed = post(op, f"/calls/{call_id}/close", {"disposition": "incident", "incident_id": inc["id"]})
    assert closed.status_code == 200 and closed.json()["incident_id"] == inc["id"]
    assert closed.json()["status"] == "ended"
    bad = post(op, f"/calls/{call_id}/close", {"disposition": "teleport"})
    assert bad.status_code == 422
    h = op.get(API + "/callers/081234567890/history").json()
    assert h["total"] == 1 and h["open_incident_ids"] == [inc["id"]] and not h["repeat"]


def test_create_with_idempotency_key_and_errors(as_user):
    op = as_user("operator")
    body = {"category": "curat", "lat": P_S1[1], "lon": P_S1[0], "summary": "Maling"}
    first = post(op, "/incidents", body, **{"Idempotency-Key": "k-1"})
    second = post(op, "/incidents", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and Incident.objects.count() == 1
    assert first.json()["number"].startswith("BKS/") and first.json()["version"] == 1
    r = post(op, "/incidents", {**body, "category": "alien"})
    assert r.status_code == 400 and r.json()["code"] == "invalid" and "alien" in r.json()["detail"]
    r = post(op, "/incidents", {**body, "lat": OUTSIDE[1], "lon": OUTSIDE[0]})
    assert r.status_code == 400 and r.json()["code"] == "outside"
    assert post(op, "/incidents", {**body, "lat": 95}).status_code == 422
    assert post(as_user("citizen"), "/incidents", body).status_code == 403
    by_address = post(
        op, "/incidents", {"category": "keributan", "address": "RT 001/RW 001 Kel. Margahayu, Bekasi"}
    )
    assert by_address.status_code == 201 and by_address.json()["rw"] == 1
    assert Incident.objects.count() == 2


def test_error_messages_follow_the_users_language(as_user):
    op = as_user("operator")
    r = post(
        op, "/incidents", {"category": "alien", "lat": P_S1[1], "lon": P_S1[0]}, **{"Accept-Language": "en"}
    )
    assert r.status_code == 400 and r.json()["detail"] == "Unknown category alien."


def test_list_detail_and_scope(as_user, ops):
    op = as_user("operator")
    a = make(op)
    b = make(op, point=P_S2)
    post(op, f"/incidents/{b['id']}/transition", {"status": "closed", "version": 1})
    everything = op.get(API + "/incidents").json()
    assert everything["count"] == 2 and {i["id"] for i in everything["items"]} == {a["id"], b["id"]}
    assert [i["id"] for i in op.get(API + "/incidents?status=open").json()["items"]] == [a["id"]]
    assert [i["id"] for i in op.get(API + "/incidents?status=closed").json()["items"]] == [b["id"]]
    assert op.get(API + f"/incidents?polsek={ops.s2.pk}").json()["count"] == 1
    assert op.get(API + "/incidents?priority=1").json()["count"] == 0
    assert op.get(API + "/incidents?limit=1").json()["items"][0]["id"] == b["id"]  # newest first
    s1 = as_user("disp_s1")
    assert [i["id"] for i in s1.get(API + "/incidents").json()["items"]] == [a["id"]]
    assert s1.get(API + f"/incidents/{b['id']}").status_code == 404
    assert as_user("citizen").get(API + f"/incidents/{a['id']}").status_code == 404
    assert as_user("other_disp").get(API + f"/incidents/{a['id']}").status_code == 404
    detail = op.get(API + f"/incidents/{a['id']}").json()
    assert detail["number"] == a["number"] and detail["notes"] == [] and detail["assignments"] == []


def test_lifecycle_dispatch_and_field_updates(as_user, ops):
    op, d, patrol = as_user("operator"), as_user("dispatcher"), as_user("patrol")
    i = make(op)
    r = post(op, f"/incidents/{i['id']}/transition", {"status": "on_scene", "version": 1})
    assert r.status_code == 400 and r.json()["code"] == "illegal_transition"
    recs = d.get(API + f"/incidents/{i['id']}/recommendations").json()
    assert recs[0]["callsign"] == "S1-R4" and recs[0]["reasons"]
    unit = recs[0]["unit_id"]
    r = post(d, f"/incidents/{i['id']}/dispatch", {"unit_id": unit, "version": 1})
    assert r.status_code == 201 and r.json()["callsign"] == "S1-R4"
    other = make(op)
    r = post(d, f"/incidents/{other['id']}/dispatch", {"unit_id": unit})
    assert r.status_code == 409 and r.json()["code"] == "unit_busy"
    assert (
        post(as_user("disp_s2"), f"/incidents/{other['id']}/dispatch", {"unit_id": unit}).status_code == 404
    )
    stale = post(d, f"/incidents/{i['id']}/transition", {"status": "en_route", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    units = {u["callsign"]: u for u in d.get(API + "/units").json()}
    assert units["S1-R4"]["status"] == "dispatched" and units["S1-R4"]["incident_id"] == i["id"]
    assert post(patrol, f"/units/{unit}/position", {"lat": P_S1[1], "lon": P_S1[0]}).json() == {
        "accepted": True
    }
    assert post(patrol, f"/units/{unit}/status", {"status": "en_route"}).json()["status"] == "en_route"
    assert post(patrol, f"/units/{unit}/status", {"status": "on_scene"}).status_code == 200
    assert d.get(API + f"/incidents/{i['id']}").json()["status"] == "on_scene"
    assert post(patrol, f"/units/{unit}/status", {"status": "dispatched"}).status_code == 400
    assert post(patrol, f"/units/{unit}/status", {"status": "cleared"}).json()["status"] == "available"
    detail = d.get(API + f"/incidents/{i['id']}").json()
    assert (
        detail["status"] == "cleared" and detail["cleared_at"] and detail["assignments"][0]["active"] is False
    )
    closed = post(d, f"/incidents/{i['id']}/transition", {"status": "closed", "version": detail["version"]})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    reopened = post(d, f"/incidents/{i['id']}/reopen", {"reason": "pelaku kembali"})
    assert reopened.status_code == 200 and reopened.json()["reopen_count"] == 1
    assert post(d, f"/incidents/{i['id']}/reopen", {"reason": "lagi"}).status_code == 400


def test_notes_persons_vehicles_attachments_report_and_eido(as_user, ops, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    op, d = as_user("operator"), as_user("dispatcher")
    i = make(op)
    url = f"/incidents/{i['id']}"
    assert post(d, url + "/notes", {"text": "Saksi di lokasi"}).status_code == 201
    p = post(op, url + "/persons", {"role": "victim", "name": "Siti", "nik": "3275014101900001"})
    assert p.status_code == 201 and p.json()["nik"] == "3275014101900001"
    assert post(op, url + "/persons", {"role": "victim", "name": "X", "nik": "123"}).status_code == 400
    assert post(op, url + "/vehicles", {"role": "stolen", "plate": "B 1234 KZX"}).status_code == 201
    png = SimpleUploadedFile("tkp.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, content_type="image/png")
    r = op.post(API + url + "/attachments", {"file": png})
    assert r.status_code == 201 and r.json()["size"] == 18
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    assert op.post(API + url + "/attachments", {"file": exe}).status_code == 400
    detail = d.get(API + url).json()
    assert detail["persons"][0]["masked"] and detail["persons"][0]["nik"] != "3275014101900001"
    assert [n["text"] for n in detail["notes"]] == ["Saksi di lokasi"] and len(detail["attachments"]) == 1
    r = post(op, url + "/police-report", {"model": "B"})
    assert r.status_code == 201 and r.json()["number"].startswith("LP/B/1/")
    assert post(op, url + "/police-report", {"model": "B"}).status_code == 409
    eido = d.get(API + url + "/eido").json()
    assert eido["eidoVersion"] == "1.0" and eido["incidentComponent"]["internalIncidentId"] == i["number"]
    assert as_user("disp_s2").get(API + url + "/eido").status_code == 404


def test_duplicates_endpoints(as_user):
    op = as_user("operator")
    a = make(op)
    b = make(op)
    near = op.get(API + f"/duplicates?lat={P_S1[1]}&lon={P_S1[0]}&category=pencurian").json()
    assert {x["incident"]["id"] for x in near} == {a["id"], b["id"]} and near[0]["distance_m"] == 0
    assert [x["incident"]["id"] for x in op.get(API + f"/incidents/{a['id']}/duplicates").json()] == [b["id"]]
    assert op.get(API + f"/duplicates?lat={P_S1[1]}&lon={P_S1[0]}&category=laka").json() == []
    assert op.get(API + f"/duplicates?lat={P_S1[1]}&lon={P_S1[0]}&category=alien").status_code == 400


def test_panic_and_report(as_user, ops):
    patrol = as_user("patrol")
    r = post(patrol, f"/units/{ops.units['S1-R4'].pk}/panic", {})
    assert r.status_code == 201 and r.json()["panic"] and r.json()["priority"] == 1
    assert post(as_user("patrol2"), f"/units/{ops.units['S1-R4'].pk}/panic", {}).status_code == 403
    rep = as_user("commander").get(API + "/reports/response-times?since=2026-01-01T00:00:00Z&group_by=polsek")
    assert rep.status_code == 200 and rep.json()["overall"]["incidents"] == 1
    assert rep.json()["groups"][0]["polsek_id"] == ops.s1.pk
    bad = as_user("commander").get(API + "/reports/response-times?since=2026-01-01T00:00:00Z&group_by=moon")
    assert bad.status_code == 400
    assert Call.objects.count() == 0
