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


# --- the list is built from rows, in exactly IncidentOut's shape -------------------------------------


def test_the_list_is_exactly_what_the_schema_would_render(as_user, ops):
    import json

    from ninja.responses import NinjaJSONEncoder

    from siaga.cad.api import IncidentOut

    op = as_user("operator")
    for point in (P_S1, P_S2, P_S1):
        make(op, point=point, summary="Ribut")
    post(op, f"/incidents/{make(op)['id']}/transition", {"status": "closed", "version": 1})
    got = op.get(API + "/incidents?limit=3&offset=1").json()
    expected = [
        json.loads(json.dumps(IncidentOut.from_orm(i).model_dump(), cls=NinjaJSONEncoder))
        for i in Incident.objects.order_by("-received_at", "-pk")[1:4]
    ]
    assert got == {"items": expected, "count": 4}
    assert list(got["items"][0]) == list(IncidentOut.model_fields)  # same keys, same order
    assert op.get(API + "/incidents?status=open&limit=2").json()["count"] == 3
    assert as_user("disp_s2").get(API + "/incidents").json()["count"] == 1  # the read gate still applies
    assert as_user("citizen").get(API + "/incidents").json() == {"items": [], "count": 0}
    assert op.get(API + "/incidents?limit=0").status_code == 422


def test_the_list_keeps_its_openapi_description():
    import json

    from siaga.api import api

    doc = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))  # as served
    get = doc["paths"]["/api/cad/incidents"]["get"]
    names = [p["name"] for p in get["parameters"]]
    assert names == ["status", "priority", "polsek", "since", "category", "limit", "offset"]
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    paged = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert ref.endswith("/PagedIncidentOut") and paged["required"] == ["items", "count"]
    assert paged["properties"]["items"]["items"]["$ref"].endswith("/IncidentOut")


# --- one unit ---------------------------------------------------------------------------------------


def test_one_unit_is_scope_gated_like_the_list(as_user, ops):
    op, d = as_user("operator"), as_user("dispatcher")
    unit = ops.units["S1-R4"]
    r = d.get(API + f"/units/{unit.pk}")
    assert r.status_code == 200 and r.json()["callsign"] == "S1-R4" and r.json()["incident_id"] is None
    listed = {u["id"]: u for u in d.get(API + "/units").json()}
    assert r.json() == listed[unit.pk]
    i = make(op)
    post(d, f"/incidents/{i['id']}/dispatch", {"unit_id": unit.pk})
    assert d.get(API + f"/units/{unit.pk}").json()["incident_id"] == i["id"]
    s2 = as_user("disp_s2")
    assert s2.get(API + f"/units/{ops.units['S2-R4'].pk}").status_code == 200
    for who in ("disp_s2", "other_disp", "citizen"):  # outside their scope: it does not exist
        r = as_user(who).get(API + f"/units/{unit.pk}")
        assert r.status_code == 404 and r.json()["code"] == "not_found", who
    assert d.get(API + "/units/999999").status_code == 404


# --- telephony tokens -------------------------------------------------------------------------------


@pytest.fixture
def tokens(ops):
    from siaga.cad import telephony

    mine = telephony.create_token(ops.polres, "PBX SPKT")[1]
    theirs = telephony.create_token(ops.other, "PBX lain")[1]
    return mine, theirs


def ring_with(token: str | None, body: dict | None = None):
    c = Client(enforce_csrf_checks=True)  # a machine: no session, no CSRF cookie
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return c.post(
        API + "/calls/ring",
        body or {"caller_number": "081298765432", "call_id": "pbx-1"},
        content_type="application/json",
        headers=headers,
    )


def test_a_telephony_token_rings_calls_into_its_own_polres(ops, tokens):
    from siaga.cad.models import TelephonyToken

    mine, _theirs = tokens
    r = ring_with(mine)
    assert r.status_code == 201 and r.json()["status"] == "ringing"
    call = Call.objects.get()
    assert call.polres_id == ops.polres.pk and call.idempotency_key == "pbx-1"
    assert ring_with(mine).status_code == 200 and Call.objects.count() == 1  # the PBX retried
    assert TelephonyToken.objects.filter(last_used_at__isnull=False).count() == 1
    stored = TelephonyToken.objects.get(name="PBX SPKT")
    assert mine not in (stored.digest, stored.prefix) and len(stored.digest) == 64  # hashed at rest


def test_missing_or_wrong_tokens_are_refused_and_store_nothing(ops, tokens):
    from siaga.cad import telephony

    mine, _ = tokens
    for token in (None, "", "stel_wrong", mine + "x", mine[:-1], "Basic abc"):
        r = ring_with(token)
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated", token
    telephony.revoke(telephony.TelephonyToken.objects.get(name="PBX SPKT").prefix)
    assert ring_with(mine).status_code == 401
    assert Call.objects.count() == 0


def test_another_polres_token_cannot_ring_into_this_polres(ops, tokens):
    _mine, theirs = tokens
    r = ring_with(theirs, {"caller_number": "0812", "polres_id": ops.polres.pk})
    assert r.status_code == 403 and Call.objects.count() == 0
    r = ring_with(theirs, {"caller_number": "0812555"})
    assert r.status_code == 201 and Call.objects.get().polres_id == ops.other.pk
    assert not Call.objects.filter(polres=ops.polres).exists()


def test_staff_sessions_still_ring(as_user, ops, tokens):
    r = post(as_user("operator"), "/calls/ring", {"caller_number": "081234567890"})
    assert r.status_code == 201 and Call.objects.get().polres_id == ops.polres.pk
    assert post(as_user("analyst"), "/calls/ring", {"caller_number": "0812"}).status_code == 403


def test_the_telephony_token_command(ops, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from siaga.cad.models import TelephonyToken

    call_command("cad", "telephony-token", "create", "--polres", "BKS", "--name", "PBX")
    secret = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("stel_"))
    assert ring_with(secret).status_code == 201
    call_command("cad", "telephony-token", "list")
    listing = capsys.readouterr().out
    assert "PBX" in listing and "active" in listing and secret not in listing
    call_command("cad", "telephony-token", "revoke", str(TelephonyToken.objects.get().pk))
    assert ring_with(secret, {"caller_number": "0812", "call_id": "pbx-2"}).status_code == 401
    with pytest.raises(CommandError):
        call_command("cad", "telephony-token", "create", "--polres", "NOPE", "--name", "x")


# --- closing a call with a new incident: one transaction ----------------------------------------------


def _answered(op) -> int:
    call_id = post(op, "/calls/ring", {"caller_number": "081234567890"}).json()["id"]
    assert post(op, f"/calls/{call_id}/answer").status_code == 200
    return call_id


def test_closing_a_call_creates_its_incident_in_the_same_transaction(as_user):
    op = as_user("operator")
    call_id = _answered(op)
    r = post(
        op,
        f"/calls/{call_id}/close",
        {"disposition": "incident", "category": "curat", "lat": P_S1[1], "lon": P_S1[0], "summary": "Maling"},
    )
    assert r.status_code == 200, r.content
    call = Call.objects.get(pk=call_id)
    i = Incident.objects.get()
    assert call.status == "ended" and call.disposition == "incident" and call.incident_id == i.pk
    assert i.summary == "Maling" and i.received_at == call.received_at and i.kelurahan_code


def test_a_failed_close_leaves_neither_the_incident_nor_the_calls_end(as_user, monkeypatch):
    from siaga.cad import intake

    op = as_user("operator")
    call_id = _answered(op)
    body = {"disposition": "incident", "category": "curat", "lat": P_S1[1], "lon": P_S1[0]}
    bad = post(op, f"/calls/{call_id}/close", {**body, "lat": OUTSIDE[1], "lon": OUTSIDE[0]})
    assert bad.status_code == 400 and bad.json()["code"] == "outside"
    assert post(op, f"/calls/{call_id}/close", {**body, "category": "alien"}).status_code == 400
    assert post(op, f"/calls/{call_id}/close", {**body, "category": ""}).status_code == 400

    real = intake._publish_call

    def fail_on_close(name, *a, **k):  # the incident is written, then the call's end fails
        if name == "cad.call.closed":
            raise RuntimeError("disk full")
        return real(name, *a, **k)

    monkeypatch.setattr(intake, "_publish_call", fail_on_close)
    op.raise_request_exception = False
    assert post(op, f"/calls/{call_id}/close", body).status_code == 500
    call = Call.objects.get(pk=call_id)
    assert Incident.objects.count() == 0  # neither the incident ...
    assert (
        call.status == "answered" and call.disposition == "" and call.incident_id is None
    )  # ... nor the end
    monkeypatch.setattr(intake, "_publish_call", real)
    assert post(op, f"/calls/{call_id}/close", body).status_code == 200 and Incident.objects.count() == 1
