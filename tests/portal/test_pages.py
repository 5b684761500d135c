"""Public pages: addresses, PWA (manifest, service worker scope), CSP cleanliness, accessibility basics,
the staff dashboard's move to /dasbor/."""

from __future__ import annotations

import re

import pytest

from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db
PUBLIC = ["/", "/darurat/", "/lapor/", "/lacak/", "/kantor-polisi/", "/luring/"]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_are_open_indonesian_and_csp_clean(client, ops, url):
    r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert '<html lang="id">' in html
    assert 'rel="manifest"' in html and 'name="viewport"' in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or ("src=" in tag and "nonce=" in tag), tag
    assert "onclick=" not in html and "javascript:" not in html
    # every labelled control: each <input>/<select>/<textarea> with an id has a <label for=…>
    for ident in re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html):
        assert f'for="{ident}"' in html, f"{url}: #{ident} has no label"
    for label in ["Darurat (SOS)", "Buat laporan", "Lacak laporan", "Kantor polisi terdekat"]:
        assert label in html


def test_english_is_the_second_language(client, ops):
    client.cookies["django_language"] = "en"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Make a report" in html


def test_service_worker_is_served_from_the_root_with_its_scope(client):
    r = client.get("/sw.js")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    assert "no-cache" in r.get("Cache-Control", "") or "max-age=0" in r.get("Cache-Control", "")
    body = r.content.decode()
    assert "eval(" not in body and "/api/" in body  # API calls are never cached


def test_manifest_is_installable(client):
    import json

    r = client.get("/manifest.webmanifest")
    assert r.status_code == 200 and r["Content-Type"] == "application/manifest+json"
    m = json.loads(r.content)
    assert m["start_url"] == "/" and m["scope"] == "/" and m["display"] == "standalone" and m["lang"] == "id"
    assert any(i["sizes"] == "512x512" for i in m["icons"])


def test_dashboard_moved_to_dasbor(client, ops):
    from django.urls import reverse

    assert reverse("web:home") == "/dasbor/"
    assert client.get("/dasbor/").status_code == 302  # staff dashboard needs login
    client.force_login(ops.u("operator"))
    html = client.get("/dasbor/").content.decode()
    assert 'href="/staf/laporan/"' in html  # the back office in the staff navigation
    client.force_login(ops.u("citizen"))
    assert 'href="/staf/laporan/"' not in client.get("/dasbor/").content.decode()


def test_track_unknown_code_is_a_404_in_indonesian(client, ops):
    r = client.get("/lacak/ZZZZZZZZZZ/")
    assert r.status_code == 404 and "Tidak ada laporan dengan kode lacak ini" in r.content.decode()
    r = client.get("/lacak/?kode=ab-cd")
    assert r.status_code == 302


def test_api_errors_are_indonesian(client, ops):
    r = client.post("/api/portal/escort", {"key": "a" * 20, "minutes": 99}, content_type="application/json")
    assert r.status_code == 400 and "menit" in r.json()["detail"]


def test_station_api_sorts_by_distance(client, stations):
    from ..cad.ops_fixtures import P_S2

    rows = client.get(f"/api/portal/stations?lat={P_S2[1]}&lon={P_S2[0]}").json()
    assert rows[0]["name"] == stations.s2.name and rows[0]["distance_m"] < 5
    assert [r["distance_m"] for r in rows] == sorted(r["distance_m"] for r in rows)


def test_phone_nav_keeps_the_emergency_four_in_sight_and_folds_the_rest(client, ops):
    html = client.get("/").content.decode()
    nav = html[html.index('class="p-nav"') : html.index("</nav>")]
    head, _, more = nav.partition('<details class="p-more"')
    assert all(u in head for u in ("/darurat/", "/lapor/", "/lacak/", "/kantor-polisi/"))
    assert "/layanan/" in more and "/hukum/" in more and "/layanan/" not in head
    assert not more.startswith(" open")  # folded on the home page
    html = client.get("/hukum/").content.decode()
    assert '<details class="p-more" open>' in html  # unfolded where the reader is
