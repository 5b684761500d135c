"""The mapping API: status codes, scope and the audited identity endpoint."""

from __future__ import annotations

import json

import pytest

from siaga.core.models import AuditEntry
from siaga.mapping.models import Informant, Problem, Visit
from tests.core.world import K1, K2

pytestmark = pytest.mark.django_db
BASE = "/api/mapping"


def _post(client, path, data):
    return client.post(BASE + path, json.dumps(data), content_type="application/json")


def test_problem_round_trip_and_scope(client, w):
    client.force_login(w.u("bhabin_k1"))
    r = _post(
        client,
        "/problems",
        {
            "title": "Sengketa tanah wakaf",
            "kind": "land",
            "source": "visit",
            "kelurahan_code": K1,
            "parties": ["Ahli waris", "Yayasan"],
        },
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = _post(client, f"/problems/{pk}/change", {"level": "AG", "note": "Memanas", "version": 1})
    assert r.status_code == 200 and r.json()["level"] == "AG"
    hist = client.get(f"{BASE}/problems/{pk}").json()["history"]
    assert [(h["field"], h["new"]) for h in hist] == [("created", "PG"), ("level", "AG")]
    client.force_login(w.u("bhabin_k2"))
    assert client.get(f"{BASE}/problems").json() == []
    assert client.get(f"{BASE}/problems/{pk}").status_code == 404
    client.force_login(w.u("analyst"))
    assert [p["id"] for p in client.get(f"{BASE}/problems").json()] == [pk]


@pytest.mark.parametrize(
    "body,status",
    [
        ({"title": "Tawuran", "kind": "brawl", "source": "visit", "kelurahan_code": K2}, 403),
        ({"title": "Tawuran", "kind": "nope", "source": "visit", "kelurahan_code": K1}, 400),
        ({"title": "Tawuran", "kind": "brawl", "source": "visit"}, 400),
        ({"kind": "brawl"}, 422),
    ],
)
def test_bad_problem_is_4xx_and_stores_nothing(client, w, body, status):
    client.force_login(w.u("bhabin_k1"))
    r = _post(client, "/problems", body)
    assert r.status_code == status and r.json()["detail"]
    assert not Problem.objects.exists()


def test_visit_with_new_problem(client, w):
    client.force_login(w.u("bhabin_k1"))
    r = _post(
        client,
        "/visits",
        {
            "date": "2026-11-01",
            "place": "Pos ronda RW 01",
            "people_met": ["Ketua RT"],
            "new_problems": [{"title": "Peredaran obat keras", "kind": "narcotics"}],
        },
    )
    assert r.status_code == 201, r.content
    assert len(r.json()["problems"]) == 1 and Problem.objects.get().source == "visit"
    assert client.get(f"{BASE}/visits").json()[0]["officer"] == "bhabin_k1"
    client.force_login(w.u("operator"))  # operators see problems but not the visit log
    assert client.get(f"{BASE}/visits").status_code == 403
    assert Visit.objects.count() == 1


def test_informant_identity_only_for_intelkam_and_audited(client, w):
    client.force_login(w.u("intelkam"))
    r = _post(
        client, "/informants", {"code_name": "RAJAWALI", "name": "Budi Santoso", "nik": "3275010101900001"}
    )
    assert r.status_code == 201 and "name" not in r.json()
    pk = r.json()["id"]
    assert client.get(f"{BASE}/informants").json() == [
        {"id": pk, "code_name": "RAJAWALI", "kelurahan_code": "", "active": True}
    ]
    r = client.get(f"{BASE}/informants/{pk}/identity?purpose=briefing")
    assert r.status_code == 200 and r.json()["name"] == "Budi Santoso"
    viewed = AuditEntry.objects.filter(action="mapping.informant.viewed", object_id=str(pk))
    assert viewed.count() == 1 and viewed.get().actor_id == w.u("intelkam").pk
    for name in ("analyst", "operator", "admin", "bhabin_k1", "partner", "citizen", "intelkam_b"):
        client.force_login(w.u(name))
        assert client.get(f"{BASE}/informants/{pk}/identity").status_code in (403, 404)
        if name != "admin":
            lst = client.get(f"{BASE}/informants")
            assert lst.status_code == 403 or lst.json() == []
    assert viewed.count() == 1 and Informant.objects.count() == 1


def test_partners_broadcast_api(client, w):
    client.force_login(w.u("humas"))
    r = _post(client, "/partners", {"kind": "satpam", "name": "Satpam Pasar", "email": "satpam@x.id"})
    assert r.status_code == 201, r.content
    r = _post(
        client,
        "/broadcasts",
        {"subject": "Rapat koordinasi", "body": "Besok pukul 09.00", "partner_ids": [r.json()["id"]]},
    )
    assert r.status_code == 201 and r.json()["reached"] == 1
    assert len(client.get(f"{BASE}/broadcasts").json()) == 1
    client.force_login(w.u("citizen"))
    assert client.get(f"{BASE}/partners").status_code == 403


def test_anonymous_is_401(client, w):
    assert client.get(f"{BASE}/problems").status_code == 401
