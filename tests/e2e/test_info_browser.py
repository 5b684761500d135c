"""Information pages on a phone-sized Chromium: the public alerts page (with its CAP link), the statistics
page, the bulletins list and an article; a Humas officer publishes an alert from the phone and it appears
on the public page. Screenshots go to var/screens/info-*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.info import demo
from siaga.info.models import Alert

from ..cad.conftest import bekasi_kelurahan, world  # noqa: F401 (fixtures)
from ..cad.ops_fixtures import *  # noqa: F403
from ..cad.ops_fixtures import P_S1
from .conftest import login
from .test_portal_sos_browser import PASSWORD, SCREENS, browser, phone_page, sqlite_shared_cache_reads  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def content(ops):
    with acting(None, "test-info-browser"):
        create_user("humas", PASSWORD, "humas", validate=False, polres=ops.polres)
    demo.build(ops.polres, timezone.now(), seed=1)
    return ops


def test_alerts_stats_and_bulletins_on_a_phone(live_server, browser, content):  # noqa: F811
    ctx, page = phone_page(browser, P_S1[1], P_S1[0])
    page.goto(f"{live_server.url}/peringatan/")
    assert page.locator("h1").inner_text() == "Peringatan publik"
    active = page.locator("article.i-alert:not(.ended)")
    assert active.count() >= 3  # flood, extended road closure, the imported weather warning
    assert "Peringatan banjir" in page.inner_text("main")
    page.screenshot(path=str(SCREENS / "info-alerts.png"), full_page=True)
    href = active.first.locator("a", has_text="Dokumen CAP").get_attribute("href")
    assert href.endswith(".cap.xml")
    resp = page.request.get(f"{live_server.url}{href}")
    assert resp.ok and "urn:oasis:names:tc:emergency:cap:1.2" in resp.text()

    page.goto(f"{live_server.url}/statistik/")
    assert page.locator("h1").inner_text() == "Statistik publik"
    assert page.locator("table.i-table").count() == 5
    page.screenshot(path=str(SCREENS / "info-stats.png"), full_page=True)
    # the wide tables scroll inside their box: the page itself does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.goto(f"{live_server.url}/info/")
    page.select_option("#f-cat", "curanmor")
    page.click(".i-filter button")
    page.wait_for_url("**kategori=curanmor**")
    titles = page.locator(".i-card h2").all_inner_texts()
    assert len(titles) == 2 and all("curanmor" in t or "motor" in t for t in titles)
    page.screenshot(path=str(SCREENS / "info-bulletins.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.locator(".i-card h2 a").first.click()
    page.wait_for_selector("article.i-article")
    assert page.locator(".i-body p").count() >= 2
    page.screenshot(path=str(SCREENS / "info-article.png"), full_page=True)
    assert page.js_errors == []
    ctx.close()


def test_humas_publishes_an_alert_from_a_phone(live_server, browser, content):  # noqa: F811
    ctx, page = phone_page(browser, P_S1[1], P_S1[0])
    login(page, live_server.url, "humas", PASSWORD)
    page.goto(f"{live_server.url}/staf/info/peringatan/baru/")
    page.check("input[name=categories][value=Transport]")
    page.fill("#a-event", "Penutupan jalan")
    page.select_option("#a-urg", "Immediate")
    page.fill("#a-head", "Jalan Ahmad Yani ditutup sementara")
    page.fill("#a-instr", "Gunakan jalur alternatif.")
    page.fill("#a-circ", "-6.2383,106.9756 0.5")
    page.fill("#a-adesc", "Sekitar Jalan Ahmad Yani")
    page.screenshot(path=str(SCREENS / "info-staff-alert-form.png"), full_page=True)
    page.click("button[value=publish]")
    page.wait_for_selector("h1 .badge")
    assert "Kirim pembaruan" in page.inner_text("main")
    page.screenshot(path=str(SCREENS / "info-staff-alert.png"), full_page=True)
    assert Alert.objects.filter(headline="Jalan Ahmad Yani ditutup sementara", state="published").exists()
    page.goto(f"{live_server.url}/peringatan/")
    assert "Jalan Ahmad Yani ditutup sementara" in page.inner_text("main")
    assert page.js_errors == []
    ctx.close()
