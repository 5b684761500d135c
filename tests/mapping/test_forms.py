"""Write forms of the register pages: each one calls its service (history and audit kept), shows the
service's errors, hides "new" from read-only roles and refuses their direct POST."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from siaga.core.models import AuditEntry
from siaga.mapping import partners, problems
from siaga.mapping.models import Broadcast, Informant, Partner, Potential, Problem, ProblemChange, Visit
from siaga.territory import lookup
from siaga.territory.lookup import Location
from tests.core.world import K1, K2

pytestmark = pytest.mark.django_db

PROBLEM = {"title": "Sengketa lahan RW 01", "kind": "land", "source": "visit", "level": "PG"}


def _post(client, user, path, data):
    client.force_login(user)
    return client.post(path, data)


def test_bhabin_records_a_problem_at_his_kelurahan(client, w):
    r = _post(client, w.u("bhabin_k1"), "/wilayah/masalah/baru/", {**PROBLEM, "kelurahan_code": K1})
    assert r.status_code == 302 and r["Location"] == "/wilayah/masalah/"
    p = Problem.objects.get()
    assert (p.kelurahan_code, p.polsek, p.created_by) == (K1, w.tree.s1, w.u("bhabin_k1"))
    assert AuditEntry.objects.filter(action="mapping.problem.created", object_id=str(p.pk)).count() == 1
    assert "Sengketa lahan RW 01" in client.get("/wilayah/masalah/").content.decode()


def test_problem_at_an_rt_and_at_a_map_click(client, w, monkeypatch):
    _post(client, w.u("bhabin_k1"), "/wilayah/masalah/baru/", {**PROBLEM, "rt_key": f"{K1}/001/001"})
    assert Problem.objects.get().rt_key == f"{K1}/001/001"
    loc = Location(
        None, 1, 1, K2, "Duren Jaya", "32.75.02", "Bekasi Timur", "32.75", w.tree.s2.pk, w.tree.a.pk, False
    )
    monkeypatch.setattr(lookup, "locate", lambda lon, lat: loc)
    r = _post(client, w.u("intelkam"), "/wilayah/masalah/baru/", {**PROBLEM, "lat": "-6.25", "lon": "107.0"})
    assert r.status_code == 302
    p = Problem.objects.get(lat=-6.25)
    assert (p.kelurahan_code, p.polsek, p.lon) == (K2, w.tree.s2, 107.0)


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"title": "ab"}, "Too short"),
        ({"kelurahan_code": ""}, "Give a place"),
        ({"kelurahan_code": K1, "rt_key": f"{K1}/001/001"}, "Give one place"),
        ({"kind": "gossip"}, "valid choice"),
    ],
)
def test_bad_problem_shows_the_message_and_stores_nothing(client, w, bad, message):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    r = _post(client, w.u("bhabin_k1"), "/wilayah/masalah/baru/", {**PROBLEM, "kelurahan_code": K1, **bad})
    assert 400 <= r.status_code < 500
    assert message in r.content.decode()
    assert (
        not Problem.objects.exists()
        and not AuditEntry.objects.filter(action="mapping.problem.created").exists()
    )


def test_a_place_outside_the_officers_kelurahan_is_refused_on_the_form(client, w, monkeypatch):
    loc = Location(
        None, 1, 1, K2, "Duren Jaya", "32.75.02", "Bekasi Timur", "32.75", w.tree.s2.pk, w.tree.a.pk, False
    )
    monkeypatch.setattr(lookup, "locate", lambda lon, lat: loc)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    r = _post(client, w.u("bhabin_k1"), "/wilayah/masalah/baru/", {**PROBLEM, "lat": "-6.25", "lon": "107.0"})
    assert r.status_code == 403 and "outside your area" in r.content.decode()
    assert not Problem.objects.exists()


@pytest.mark.parametrize("name", ["analyst", "commander", "operator"])
def test_read_only_roles_see_no_new_button_and_cannot_post(client, w, name):
    client.force_login(w.u(name))
    body = client.get("/wilayah/masalah/").content.decode()
    assert "/wilayah/masalah/baru/" not in body and "/wilayah/masalah/peta/" in body
    assert client.get("/wilayah/masalah/baru/").status_code == 403
    assert client.post("/wilayah/masalah/baru/", {**PROBLEM, "kelurahan_code": K1}).status_code == 403
    assert not Problem.objects.exists()


def test_writers_see_the_new_button(client, w):
    client.force_login(w.u("bhabin_k1"))
    assert "/wilayah/masalah/baru/" in client.get("/wilayah/masalah/").content.decode()
    assert "/wilayah/sambang/baru/" in client.get("/wilayah/sambang/").content.decode()
    page = client.get("/wilayah/masalah/baru/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and 'id="place-map"' in page


def test_the_form_needs_the_csrf_token(w):
    c = Client(enforce_csrf_checks=True)
    c.force_login(w.u("bhabin_k1"))
    assert c.post("/wilayah/masalah/baru/", {**PROBLEM, "kelurahan_code": K1}).status_code == 403
    assert not Problem.objects.exists()


def test_edit_changes_level_and_status_with_a_note_and_keeps_history(client, w):
    p = problems.create(w.u("bhabin_k1"), kelurahan_code=K1, **PROBLEM)
    client.force_login(w.u("intelkam"))
    page = client.get(f"/wilayah/masalah/{p.pk}/").content.decode()
    assert "Sengketa lahan RW 01" in page and 'name="version"' in page
    data = {"level": "AG", "status": "monitored", "parties": "", "note": "Mediasi", "version": p.version}
    r = client.post(f"/wilayah/masalah/{p.pk}/", data)
    assert r.status_code == 302
    p.refresh_from_db()
    assert (p.level, p.status, p.version) == ("AG", "monitored", 2)
    rows = list(ProblemChange.objects.filter(problem=p).values_list("field", "old", "new", "note"))
    assert ("level", "PG", "AG", "Mediasi") in rows and ("status", "open", "monitored", "Mediasi") in rows
    assert "Mediasi" in client.get(f"/wilayah/masalah/{p.pk}/").content.decode()


def test_edit_errors_resolving_without_a_note_and_a_stale_version(client, w):
    p = problems.create(w.u("bhabin_k1"), kelurahan_code=K1, **PROBLEM)
    client.force_login(w.u("bhabin_k1"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    r = client.post(f"/wilayah/masalah/{p.pk}/", {"level": "PG", "status": "resolved", "version": 1})
    assert r.status_code == 400 and "Say how the problem was resolved" in r.content.decode()
    problems.update(w.u("intelkam"), p.pk, level="GN")
    r = client.post(f"/wilayah/masalah/{p.pk}/", {"level": "AG", "status": "open", "version": 1})
    assert r.status_code == 409 and "reload" in r.content.decode()
    p.refresh_from_db()
    assert (p.level, p.status) == ("GN", "open")


def test_edit_is_refused_to_readers_and_outsiders(client, w):
    p = problems.create(w.u("bhabin_k1"), kelurahan_code=K1, **PROBLEM)
    client.force_login(w.u("analyst"))
    page = client.get(f"/wilayah/masalah/{p.pk}/")
    assert page.status_code == 200 and 'name="version"' not in page.content.decode()
    assert (
        client.post(f"/wilayah/masalah/{p.pk}/", {"level": "GN", "status": "open", "version": 1}).status_code
        == 403
    )
    client.force_login(w.u("bhabin_k2"))
    assert client.get(f"/wilayah/masalah/{p.pk}/").status_code == 404
    p.refresh_from_db()
    assert p.level == "PG"


def test_visit_form_logs_the_visit_and_the_problem_raised(client, w):
    data = {
        "date": dt.date.today().isoformat(),
        "place_name": "Balai RW 01",
        "people_met": "Ketua RW\nKetua RT 01",
        "topics": "Ronda malam",
        "problem_title": "Parkir liar pasar",
        "problem_kind": "other",
        "problem_level": "AG",
        "rt_key": f"{K1}/001/001",
    }
    r = _post(client, w.u("bhabin_k1"), "/wilayah/sambang/baru/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    v = Visit.objects.get()
    assert (v.kelurahan_code, v.people_met, v.officer) == (K1, ["Ketua RW", "Ketua RT 01"], w.u("bhabin_k1"))
    p = v.problems.get()
    assert (p.title, p.source, p.level, p.rt_key) == ("Parkir liar pasar", "visit", "AG", f"{K1}/001/001")


def test_visit_form_is_bhabin_only(client, w):
    client.force_login(w.u("intelkam"))
    assert "/wilayah/sambang/baru/" not in client.get("/wilayah/sambang/").content.decode()
    assert client.post("/wilayah/sambang/baru/", {"place_name": "x"}).status_code == 403


def test_potential_form_and_the_services_rule(client, w):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    base = {"kind": "activity", "category": "market", "name": "Pasar Bintara", "kelurahan_code": K1}
    r = _post(client, w.u("bhabin_k1"), "/wilayah/potensi/baru/", {**base, "contact_phone": "0812"})
    assert r.status_code == 400 and "Contacts are kept for people only" in r.content.decode()
    assert _post(client, w.u("bhabin_k1"), "/wilayah/potensi/baru/", base).status_code == 302
    assert Potential.objects.get().name == "Pasar Bintara"


def test_partner_form_and_broadcast(client, w, mailoutbox, django_capture_on_commit_callbacks):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    base = {"kind": "pokdar", "name": "Pokdar Bintara", "kelurahan_code": K1}
    r = _post(client, w.u("humas"), "/wilayah/mitra/baru/", base)
    assert r.status_code == 400 and "Give a phone number or an e-mail address" in r.content.decode()
    assert (
        _post(
            client, w.u("humas"), "/wilayah/mitra/baru/", {**base, "email_address": "p@contoh.id"}
        ).status_code
        == 302
    )
    p = Partner.objects.get()
    assert "/wilayah/mitra/siaran/" in client.get("/wilayah/mitra/").content.decode()
    r = client.post(
        "/wilayah/mitra/siaran/", {"subject": "Rapat", "body": "Rapat FKPM Jumat", "partner_ids": []}
    )
    assert r.status_code == 400 and "Choose at least one partner" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/wilayah/mitra/siaran/", {"subject": "Rapat", "body": "Rapat FKPM Jumat", "partner_ids": [p.pk]}
        )
    assert r.status_code == 302
    assert list(Broadcast.objects.get().recipients.all()) == [p]
    assert [m.to for m in mailoutbox] == [["p@contoh.id"]]


def test_broadcast_is_refused_to_readers(client, w):
    partners.create(w.u("humas"), kind="satpam", name="Satpam Pasar", phone_number="0812")
    client.force_login(w.u("commander"))
    assert "/wilayah/mitra/siaran/" not in client.get("/wilayah/mitra/").content.decode()
    r = client.post("/wilayah/mitra/siaran/", {"subject": "Rapat", "body": "Rapat", "partner_ids": [1]})
    assert r.status_code == 403 and not Broadcast.objects.exists()


def test_informant_form_is_intelkam_only_and_never_shows_the_identity(client, w):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = {"code_name": "MERPATI", "name": "Sutrisno Wibowo", "nik": "3275011203800007"}
    for name in ("bhabin_k1", "commander", "kabag_ops"):
        assert _post(client, w.u(name), "/wilayah/informan/baru/", data).status_code == 403
    r = _post(client, w.u("intelkam"), "/wilayah/informan/baru/", {**data, "nik": "123"})
    assert r.status_code == 400 and "A NIK has 16 digits" in r.content.decode()
    assert "/wilayah/informan/baru/" in client.get("/wilayah/informan/").content.decode()
    assert client.post("/wilayah/informan/baru/", data).status_code == 302
    i = Informant.objects.get()
    assert i.code_name == "MERPATI" and "Sutrisno" not in i.identity
    r = client.post("/wilayah/informan/baru/", {**data, "name": "Budi Santoso"})
    assert r.status_code == 409 and "This code name is taken" in r.content.decode()


@pytest.mark.parametrize(
    "name, path, listing",
    [
        ("analyst", "/wilayah/potensi/baru/", "/wilayah/potensi/"),
        ("operator", "/wilayah/potensi/baru/", "/wilayah/potensi/"),
        ("commander", "/wilayah/mitra/baru/", "/wilayah/mitra/"),
        ("kabag_ops", "/wilayah/mitra/baru/", "/wilayah/mitra/"),
    ],
)
def test_potential_and_partner_forms_are_refused_to_readers(client, w, name, path, listing):
    client.force_login(w.u(name))
    assert path not in client.get(listing).content.decode()
    data = {"kind": "pokdar", "name": "Pokdar X", "phone_number": "0812", "kelurahan_code": K1}
    assert client.get(path).status_code == 403 and client.post(path, data).status_code == 403
    assert not Potential.objects.exists() and not Partner.objects.exists()
