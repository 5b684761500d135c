"""Pages and API of the legal service: addresses, Indonesian by default, CSP-clean and labelled, the
KUHP lookup, asking with CSRF and an idempotency key, the staff queue only for Si Kum and the commander."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from siaga.legal import consultations as cons
from siaga.legal.models import Consultation

from .conftest import *  # noqa: F403
from .conftest import key

pytestmark = pytest.mark.django_db
Q = "Apakah unjuk rasa di depan kantor bupati memerlukan izin dari polisi atau cukup pemberitahuan?"
PUBLIC = [
    "/hukum/",
    "/hukum/?q=pencurian",
    "/hukum/uu-22-2009/",
    "/hukum/uu-22-2009/pasal-229/",
    "/hukum/kuhp/",
    "/hukum/kuhp/?pasal=363",
    "/hukum/faq/",
    "/hukum/konsultasi/",
]


def test_url_names():
    assert reverse("legal:index") == "/hukum/"
    assert reverse("legal:consult") == "/hukum/konsultasi/"
    assert reverse("legal:staff_queue") == "/staf/hukum/"


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_are_open_indonesian_csp_clean_and_labelled(client, legal, url):
    r = client.get(url)
    assert r.status_code == 200, url
    html = r.content.decode()
    assert '<html lang="id">' in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or ("src=" in tag and "nonce=" in tag), tag
    assert "onclick=" not in html and "style=" not in html
    for ident in re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html):
        assert f'for="{ident}"' in html, f"{url}: #{ident} has no label"
    assert "Pustaka" in html  # the legal sub-navigation, in Indonesian


def test_search_page_shows_ranked_highlighted_results(client, legal):
    html = client.get("/hukum/?q=curat").content.decode()
    assert "<mark>curat</mark>" in html and "/hukum/uu-1-2023/pasal-477/" in html
    html = client.get('/hukum/?q="AND(*').content.decode()  # bad FTS syntax: a page, not a 500
    assert "0 pasal ditemukan" in html


def test_kuhp_lookup_shows_the_new_article(client, legal):
    html = client.get("/hukum/kuhp/?pasal=363").content.decode()
    assert 'class="new-article" href="/hukum/uu-1-2023/pasal-477/"' in html
    r = client.get("/hukum/kuhp/?pasal=abc")
    assert r.status_code == 400 and "363" in r.content.decode()
    assert "belum ada dalam pemetaan" in client.get("/hukum/kuhp/?pasal=999").content.decode()


def test_article_pages_show_both_sides_of_the_mapping(client, legal):
    html = client.get("/hukum/kuhp-wvs-1915/pasal-363/").content.decode()
    assert "/hukum/uu-1-2023/pasal-477/" in html and "Ringkasan" in html
    html = client.get("/hukum/uu-1-2023/pasal-477/").content.decode()
    assert "/hukum/kuhp-wvs-1915/pasal-363/" in html
    assert client.get("/hukum/uu-1-2023/pasal-9999/").status_code == 404
    assert client.get("/hukum/uu-0-1900/").status_code == 404


def test_asking_through_the_form(client, legal):
    form = {"key": key(1), "topic": "perizinan", "question": Q, "name": "Siti", "email": "siti@example.id"}
    r = client.post("/hukum/konsultasi/", form)
    assert r.status_code == 302
    c = Consultation.objects.get()
    assert r["Location"] == f"/hukum/konsultasi/{c.tracking_code}/?baru=1"
    assert client.post("/hukum/konsultasi/", form).status_code == 302  # the same key: no duplicate
    assert Consultation.objects.count() == 1
    html = client.get(r["Location"]).content.decode()
    assert c.tracking_code in html and Q in html and "Siti" not in html and "siti@example.id" not in html
    assert client.get(f"/hukum/konsultasi/?kode={c.tracking_code.lower()}").status_code == 302


def test_bad_form_input_is_a_clear_400_and_stores_nothing(client, legal):
    r = client.post("/hukum/konsultasi/", {"key": key(2), "topic": "perizinan", "question": "Izin?"})
    assert r.status_code == 400 and "paling sedikit 20 karakter" in r.content.decode()
    assert 'aria-invalid="true"' in r.content.decode()
    assert Consultation.objects.count() == 0
    assert client.get("/hukum/konsultasi/ZZZZZZZZZZ/").status_code == 404


def test_the_form_needs_csrf(legal):
    c = Client(enforce_csrf_checks=True)
    r = c.post("/hukum/konsultasi/", {"key": key(3), "topic": "perizinan", "question": Q})
    assert r.status_code == 403 and Consultation.objects.count() == 0


def test_staff_queue_only_for_si_kum_and_the_commander(client, legal):
    c = cons.ask(key=key(4), topic="pidana", question=Q, name="Siti", email="siti@example.id")
    assert client.get("/staf/hukum/").status_code == 302  # log in first
    for name in ("operator", "citizen", "humas"):
        client.force_login(legal.u(name))
        assert client.get("/staf/hukum/").status_code == 403, name
        assert client.get(f"/staf/hukum/{c.pk}/").status_code == 403, name
    client.force_login(legal.u("sikum_b"))
    assert c.tracking_code not in client.get("/staf/hukum/").content.decode()
    assert client.get(f"/staf/hukum/{c.pk}/").status_code == 404
    client.force_login(legal.u("commander"))
    html = client.get(f"/staf/hukum/{c.pk}/").content.decode()
    assert "Siti" in html and 'value="answer"' not in html  # reads, cannot answer
    client.force_login(legal.u("sikum"))
    assert c.tracking_code in client.get("/staf/hukum/").content.decode()
    r = client.post(
        f"/staf/hukum/{c.pk}/",
        {"action": "answer", "answer": "Cukup pemberitahuan tertulis 3 × 24 jam.", "version": 1},
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "answered"
    r = client.post(f"/staf/hukum/{c.pk}/", {"action": "answer", "answer": "lagi", "version": 1})
    assert r.status_code == 409
    r = client.post(
        f"/staf/hukum/{c.pk}/",
        {"action": "faq", "faq_question": "", "faq_answer": "", "references": "UU 9/1998"},
    )
    assert r.status_code == 302
    assert "Cukup pemberitahuan tertulis" in client.get("/hukum/faq/").content.decode()


# --- API -------------------------------------------------------------------------------------------


def test_api_library_search_and_mapping(client, legal):
    regs = client.get("/api/legal/regulations").json()
    assert any(r["slug"] == "uu-2-2002" and r["short_name"] == "UU Polri" for r in regs)
    art = client.get("/api/legal/regulations/kuhp-wvs-1915/articles/363").json()
    assert art["kuhp_mapping"][0]["new"] == "477" and art["is_summary"]
    hits = client.get("/api/legal/search", {"q": "helm"}).json()
    assert hits[0]["regulation"] == "uu-22-2009" and "<mark>" in hits[0]["snippet_html"]
    assert client.get("/api/legal/search", {"q": 'NEAR("*'}).status_code == 200
    assert client.get("/api/legal/kuhp", {"pasal": "365"}).json()[0]["new"] == "479"
    r = client.get("/api/legal/kuhp", {"pasal": "x;"})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert client.get("/api/legal/regulations/none").status_code == 404
    assert client.get("/api/legal/faq").json()


def test_api_ask_is_idempotent_and_errors_are_indonesian(client, legal):
    body = {"topic": "pidana", "question": Q, "email": "a@example.id"}
    r1 = client.post(
        "/api/legal/consultations", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key(5)
    )
    r2 = client.post(
        "/api/legal/consultations", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key(5)
    )
    assert (r1.status_code, r2.status_code) == (201, 200)
    assert r1.json()["tracking_code"] == r2.json()["tracking_code"] and Consultation.objects.count() == 1
    view = client.get(f"/api/legal/consultations/{r1.json()['tracking_code']}").json()
    assert view["question"] == Q and "email" not in view and "name" not in view
    r = client.post(
        "/api/legal/consultations", {**body, "key": key(6), "topic": "x"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["detail"] == "Pilih topik dari daftar."
    assert Consultation.objects.count() == 1


def test_api_staff_endpoints(client, legal):
    c = cons.ask(key=key(7), topic="pidana", question=Q)
    assert client.get("/api/legal/staff/consultations").status_code == 401
    client.force_login(legal.u("operator"))
    assert client.get("/api/legal/staff/consultations").status_code == 403
    r = client.post(
        f"/api/legal/staff/consultations/{c.pk}/answer",
        {"text": "Jawaban yang cukup panjang."},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = client.post(
        "/api/legal/staff/import",
        {"text": "Pasal 1\nx", "kind": "UU", "number": "22", "year": 2009},
        content_type="application/json",
    )
    assert r.status_code == 403
    client.force_login(legal.u("sikum"))
    assert [x["id"] for x in client.get("/api/legal/staff/consultations").json()] == [c.pk]
    r = client.post(f"/api/legal/staff/consultations/{c.pk}/assign", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "assigned"
    r = client.post(
        f"/api/legal/staff/consultations/{c.pk}/answer",
        {"text": "Jawaban yang cukup panjang.", "version": 1},
        content_type="application/json",
    )
    assert r.status_code == 409
    r = client.post(
        "/api/legal/staff/import",
        {"text": "Pasal 1\nTeks resmi.", "kind": "UU", "number": "22", "year": 2009},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json() == {"slug": "uu-22-2009", "articles": 1}


def test_english_is_the_second_language(client, legal):
    client.cookies["django_language"] = "en"
    html = client.get("/hukum/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Legal library" in html and "Old ↔ new KUHP" in html
