"""Public pages (Indonesian, CSP-clean, labelled controls), the alert banner partial, the Humas back office
pages and the JSON API."""

from __future__ import annotations

import json
import re

import pytest
from django.template.loader import render_to_string

from siaga.info import alerts, bulletins
from siaga.info.banner import alert_banner
from siaga.info.models import Alert, Bulletin

from .conftest import *  # noqa: F403
from .conftest import alert_data

pytestmark = pytest.mark.django_db
BODY = "Paragraf pertama tentang keamanan.\n\nParagraf kedua."


@pytest.fixture
def content(info):
    humas = info.u("humas")
    b = bulletins.create_bulletin(
        humas, title="Waspada curanmor", body=BODY, category="curanmor", publish_now=True
    )
    a = alerts.publish_alert(humas, alerts.create_alert(humas, **alert_data()).pk)
    return b, a


def _clean(html: str, url: str) -> None:
    assert '<html lang="id">' in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or ("src=" in tag and "nonce=" in tag), tag
    assert " style=" not in html and "onclick=" not in html
    for ident in re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html):
        assert f'for="{ident}"' in html, f"{url}: #{ident} has no label"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/info/", ["Informasi kamtibmas", "Waspada curanmor", "Semua kategori", "Seluruh wilayah Polres"]),
        (
            "/peringatan/",
            ["Peringatan publik", "Sedang berlaku", "Peringatan banjir", "Berat", "Yang harus dilakukan"],
        ),
        ("/statistik/", ["Statistik publik", "Kejahatan", "Unduh CSV", "UU 14/2008 Pasal 17"]),
    ],
)
def test_public_pages_are_indonesian_and_clean(client, content, url, words):
    r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    _clean(html, url)
    for w in words:
        assert w in html, w


def test_article_page_and_unknown_slug(client, content):
    b, _a = content
    html = client.get(f"/info/{b.slug}/").content.decode()
    _clean(html, "article")
    assert "<p>Paragraf pertama tentang keamanan.</p>" in html and "Telepon 110" in html
    r = client.get("/info/tidak-ada-12ab/")
    assert r.status_code == 404 and "Tidak ada buletin terbit" in r.content.decode()


def test_filters_on_the_public_list(client, content):
    html = client.get("/info/?kategori=narkoba").content.decode()
    assert "Waspada curanmor" not in html and "Tidak ada buletin yang cocok" in html
    assert "Waspada curanmor" in client.get("/info/?kategori=curanmor&wilayah=bogus").content.decode()


def test_alert_banner_partial(content, rf):
    _b, a = content
    ctx = alert_banner()
    html = render_to_string("info/_alert_banner.html", ctx)
    assert a.headline in html and f"/peringatan/#{a.slug}" in html and "sev-severe" in html
    alerts.cancel_alert(a.author, a.pk, reason="Air sudah surut.")
    assert render_to_string("info/_alert_banner.html", alert_banner()).strip() == ""


# --- back office ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client):
    r = client.get("/staf/info/")
    assert r.status_code == 302 and "/login" in r["Location"]


@pytest.mark.parametrize("who", ["citizen", "sikum"])
def test_a_role_without_info_access_or_write_is_refused(client, info, who):
    client.force_login(info.u(who))
    assert client.get("/staf/info/buletin/baru/").status_code == 403
    assert client.post("/staf/info/peringatan/baru/", {"headline": "x"}).status_code == 403
    assert not Alert.objects.exists()


def test_a_viewer_sees_the_list_without_actions(client, info, content):
    client.force_login(info.u("operator"))
    html = client.get("/staf/info/").content.decode()
    assert "Waspada curanmor" in html and "Buletin baru" not in html
    b, _a = content
    assert client.post(f"/staf/info/buletin/{b.pk}/", {"action": "archive"}).status_code == 403


def test_humas_writes_publishes_updates_and_cancels_through_the_pages(client, info, kecamatan):
    code, _name, _k = kecamatan
    client.force_login(info.u("humas"))
    assert client.get("/staf/info/").status_code == 200
    assert client.get("/staf/info/buletin/baru/").status_code == 200
    r = client.post(
        "/staf/info/buletin/baru/",
        {
            "title": "Tips aman belanja online",
            "body": BODY,
            "category": "penipuan-online",
            "kind": "tip",
            "action": "publish",
        },
    )
    assert r.status_code == 302
    b = Bulletin.objects.get()
    assert b.status == "published" and b.kind == "tip"
    r = client.post("/staf/info/buletin/baru/", {"title": "Abc", "body": BODY, "category": "umum"})
    assert r.status_code == 400 and re.search(r"Judul [^<]*5 karakter", r.content.decode())
    assert Bulletin.objects.count() == 1
    assert client.get("/staf/info/peringatan/baru/").status_code == 200
    form = {
        "status": "Actual",
        "categories": ["Transport"],
        "event": "Penutupan jalan",
        "urgency": "Immediate",
        "severity": "Moderate",
        "certainty": "Observed",
        "headline": "Jalan ditutup karena perbaikan",
        "expires": "2099-01-01T10:00",
        "area_codes": [code],
        "action": "publish",
    }
    r = client.post("/staf/info/peringatan/baru/", form)
    assert r.status_code == 400 and "31 hari" in r.content.decode()  # too long
    assert not Alert.objects.exists()
    from django.utils import timezone

    form["expires"] = (timezone.localtime() + timezone.timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    r = client.post("/staf/info/peringatan/baru/", form)
    assert r.status_code == 302
    a = Alert.objects.get()
    assert a.state == "published" and a.area_codes == [code]
    page = client.get(f"/staf/info/peringatan/{a.pk}/").content.decode()
    assert "Kirim pembaruan" in page and "urn:oasis:names:tc:emergency:cap:1.2" in page
    r = client.post(
        f"/staf/info/peringatan/{a.pk}/",
        {**form, "action": "update", "headline": "Jalan ditutup hingga malam", "version": a.version},
    )
    assert r.status_code == 302
    upd = Alert.objects.get(msg_type="Update")
    r = client.post(
        f"/staf/info/peringatan/{upd.pk}/", {"action": "cancel", "reason": "Selesai", "version": upd.version}
    )
    assert r.status_code == 302
    assert sorted(Alert.objects.values_list("msg_type", "state")) == [
        ("Alert", "updated"),
        ("Cancel", "published"),
        ("Update", "cancelled"),
    ]
    r = client.post(
        f"/staf/info/peringatan/{upd.pk}/",
        {"action": "cancel", "reason": "Lagi dong", "version": upd.version},
    )
    assert r.status_code == 409


# --- API ----------------------------------------------------------------------------------------------


def test_api_public_reads_and_staff_writes(client, info, content):
    b, a = content
    assert [x["slug"] for x in client.get("/api/info/bulletins").json()] == [b.slug]
    assert [x["identifier"] for x in client.get("/api/info/alerts").json()] == [a.identifier]
    assert client.get("/api/info/alerts").json()[0]["cap_url"] == f"/alerts/{a.slug}.cap.xml"
    assert "tables" in client.get("/api/info/stats").json()
    body = {"title": "Buletin lewat API", "body": BODY, "category": "umum"}
    assert (
        client.post(
            "/api/info/staff/bulletins", json.dumps(body), content_type="application/json"
        ).status_code
        == 401
    )
    client.force_login(info.u("operator"))
    r = client.post("/api/info/staff/bulletins", json.dumps(body), content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    client.force_login(info.u("humas"))
    r = client.post("/api/info/staff/bulletins", json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "draft"
    pk = r.json()["id"]
    r = client.post(
        f"/api/info/staff/bulletins/{pk}/publish", json.dumps({}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "published"
    r = client.post(
        f"/api/info/staff/bulletins/{pk}/publish", json.dumps({}), content_type="application/json"
    )
    assert r.status_code == 409
    r = client.post(
        f"/api/info/staff/alerts/{a.pk}/cancel",
        json.dumps({"reason": "Air surut"}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["msg_type"] == "Cancel"


def test_english_readers_get_the_en_us_block(client, info):
    humas = info.u("humas")
    a = alerts.create_alert(humas, **alert_data(headline_en="Flood warning on the river banks"))
    alerts.publish_alert(humas, a.pk)
    assert "Peringatan banjir di bantaran sungai" in client.get("/peringatan/").content.decode()
    client.cookies["django_language"] = "en"
    html = client.get("/peringatan/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Flood warning on the river banks" in html and "Public alerts" in html
