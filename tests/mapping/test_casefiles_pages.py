"""Case-file pages (forms with CSRF) and the JSON API under /api/mapping/casefiles."""

from __future__ import annotations

import pytest
from django.test import Client

from siaga.mapping.models import CaseFile
from tests.core.world import K1, K2

from .test_casefiles import T0, incident, open_case

pytestmark = pytest.mark.django_db


def test_api_create_change_stage_and_detail(client, w):
    client.force_login(w.u("bhabin_k1"))
    inc = incident(w.tree, "BKS/9", T0)
    body = {"title": "Curat gang sempit", "area_level": "kelurahan", "area_key": K1, "incident_ids": [inc.pk]}
    r = client.post("/api/mapping/casefiles", body, content_type="application/json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["categories"] == ["curat"] and r.json()["stage"] == "scanning"
    r = client.post(
        f"/api/mapping/casefiles/{pk}/stage", {"stage": "analysis"}, content_type="application/json"
    )
    assert r.status_code == 400 and "Pemindaian" in r.json()["detail"]  # Scanning; the site speaks Indonesian
    r = client.post(f"/api/mapping/casefiles/{pk}/change", {"scanning": "Tiga curat sebulan"},
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.post(f"/api/mapping/casefiles/{pk}/stage", {"stage": "analysis", "version": 1},
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 409
    r = client.post(
        f"/api/mapping/casefiles/{pk}/stage", {"stage": "analysis"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["stage"] == "analysis"
    d = client.get(f"/api/mapping/casefiles/{pk}").json()
    assert d["incidents"] == [inc.pk] and [h["new"] for h in d["history"]] == ["scanning", "analysis"]
    assert d["impact"]["status"] == "not_started"
    assert [c["id"] for c in client.get("/api/mapping/casefiles").json()] == [pk]
    bad = {**body, "area_key": K2}
    assert client.post("/api/mapping/casefiles", bad, content_type="application/json").status_code == 403
    assert CaseFile.objects.count() == 1


def test_api_roles(client, w):
    cf = open_case(w)
    client.force_login(w.u("bhabin_k2"))
    assert client.get(f"/api/mapping/casefiles/{cf.pk}").status_code == 404
    assert client.get("/api/mapping/casefiles").json() == []
    client.force_login(w.u("operator"))
    assert client.get("/api/mapping/casefiles").status_code == 403


def test_pages_create_edit_and_move(w):
    c = Client(enforce_csrf_checks=True)
    c.force_login(w.u("bhabin_k1"))
    r = c.get(f"/wilayah/profil/kasus/baru/?area_level=kelurahan&area_key={K1}")
    assert r.status_code == 200 and K1 in r.content.decode()
    token = r.cookies["csrftoken"].value
    form = {"csrfmiddlewaretoken": token, "title": "Curat", "area_level": "kelurahan", "area_key": K1,
            "impact_weeks": "8", "scanning": "Pola curat malam", "incident_numbers": "NOPE/1"}  # fmt: skip
    r = c.post("/wilayah/profil/kasus/baru/", form)
    assert r.status_code == 400 and "NOPE/1" in r.content.decode() and not CaseFile.objects.exists()
    form["incident_numbers"] = ""
    form["title"] = "ab"
    assert c.post("/wilayah/profil/kasus/baru/", form).status_code == 400
    form["title"] = "Curat malam di gang"
    r = c.post("/wilayah/profil/kasus/baru/", form)
    cf = CaseFile.objects.get()
    assert r.status_code == 302 and r.url == f"/wilayah/profil/kasus/{cf.pk}/"
    r = c.get(r.url)
    assert r.status_code == 200 and "Curat malam di gang" in r.content.decode()
    r = c.post(f"/wilayah/profil/kasus/{cf.pk}/tahap/", {"csrfmiddlewaretoken": token, "stage": "response"})
    assert r.status_code == 400
    r = c.post(f"/wilayah/profil/kasus/{cf.pk}/tahap/", {"csrfmiddlewaretoken": token, "stage": "analysis"})
    assert r.status_code == 302
    r = c.get(f"/wilayah/profil/kasus/{cf.pk}/ubah/")
    assert r.status_code == 200
    edit = {"csrfmiddlewaretoken": token, "title": "Curat malam", "impact_weeks": "6", "version": "2",
            "scanning": "Pola curat malam", "analysis": "Lampu jalan mati"}  # fmt: skip
    assert c.post(f"/wilayah/profil/kasus/{cf.pk}/ubah/", edit).status_code == 302
    cf.refresh_from_db()
    assert (cf.title, cf.impact_weeks, cf.analysis, cf.area_key) == ("Curat malam", 6, "Lampu jalan mati", K1)
    assert c.post(f"/wilayah/profil/kasus/{cf.pk}/ubah/", edit).status_code == 409  # stale version
    assert Client().post(f"/wilayah/profil/kasus/{cf.pk}/tahap/", {"stage": "response"}).status_code == 302
    c2 = Client(enforce_csrf_checks=True)
    c2.force_login(w.u("bhabin_k1"))
    assert (
        c2.post(f"/wilayah/profil/kasus/{cf.pk}/tahap/", {"stage": "response"}).status_code == 403
    )  # no CSRF


def test_list_and_detail_by_role(client, w):
    cf = open_case(w)
    client.force_login(w.u("commander"))
    assert "Curat di Bintara" in client.get("/wilayah/profil/kasus/").content.decode()
    r = client.get(f"/wilayah/profil/kasus/{cf.pk}/")
    assert r.status_code == 200 and "/tahap/" not in r.content.decode()  # reads, does not move
    assert client.get("/wilayah/profil/kasus/baru/").status_code == 403
    client.force_login(w.u("bhabin_k2"))
    assert client.get(f"/wilayah/profil/kasus/{cf.pk}/").status_code == 404
    assert "Curat di Bintara" not in client.get("/wilayah/profil/kasus/").content.decode()
    client.force_login(w.u("humas"))
    assert client.get("/wilayah/profil/kasus/").status_code == 403
