"""End to end on a phone-sized Chromium: a report written while offline is kept on the phone (IndexedDB)
and sent with its idempotency key when the phone is back online; SPKT staff accept it as a case and issue
an SP2HP notice; the reporter tracks it at /lacak/ and reads the notice with name + date of birth.
Screenshots go to var/screens/portal-*.png."""

from __future__ import annotations

import pytest

from siaga.portal.models import Report

from ..cad.conftest import bekasi_kelurahan, world  # noqa: F401 (fixtures)
from ..cad.ops_fixtures import *  # noqa: F403
from ..cad.ops_fixtures import P_S1
from ..portal.conftest import clean_cache, stations  # noqa: F401 (fixtures)
from .conftest import login
from .test_portal_sos_browser import PASSWORD, SCREENS, browser, phone_page, sqlite_shared_cache_reads  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAME, DOB = "Siti Rahmawati", "1990-04-12"


def test_offline_report_is_sent_when_online_and_tracked_to_an_sp2hp_notice(
    live_server,
    browser,  # noqa: F811 (fixture)
    stations,  # noqa: F811 (fixture)
):
    ctx, page = phone_page(browser, P_S1[1], P_S1[0])
    page.goto(f"{live_server.url}/lapor/")
    assert page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")  # installed before offline
    page.wait_for_load_state("networkidle")
    ctx.set_offline(True)
    page.select_option("#category", "curanmor")
    page.fill("#description", "Motor saya hilang di parkiran pasar pagi ini, kunci stang terpasang.")
    page.click("#use-position")
    page.wait_for_function("() => document.querySelector('#lat').value !== ''")
    page.fill("#reporter_name", NAME)
    page.fill("#reporter_phone", "081377776666")
    page.fill("#reporter_dob", DOB)
    page.screenshot(path=str(SCREENS / "portal-report-form.png"), full_page=True)
    page.click("button[type=submit].primary")
    page.locator("#report-status.ok").wait_for(timeout=10_000)
    assert "Tidak ada koneksi" in page.inner_text("#report-status")
    page.screenshot(path=str(SCREENS / "portal-report-queued.png"), full_page=True)
    assert Report.objects.count() == 0  # nothing reached the server while offline

    ctx.set_offline(False)  # the 'online' event flushes the outbox
    page.locator("#report-status a.code").wait_for(timeout=15_000)
    r = Report.objects.get()
    assert page.inner_text("#report-status a.code") == r.tracking_code
    assert r.reporter_name == NAME and r.polsek_id == stations.s1.pk
    page.screenshot(path=str(SCREENS / "portal-report-sent.png"), full_page=True)

    # SPKT staff: accept as a case under investigation, then issue an SP2HP notice
    sctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    spage = sctx.new_page()
    login(spage, live_server.url, "operator", PASSWORD)
    spage.goto(f"{live_server.url}/staf/laporan/")
    spage.click(f"text={r.tracking_code}")
    spage.select_option("#sev1", "sedang")
    spage.click("button[value=accept_case]")
    spage.wait_for_load_state("networkidle")
    spage.select_option("#code", "A1")
    spage.fill("#text", "Laporan Anda sedang diteliti oleh Unit Reskrim Polsek Bekasi Timur.")
    spage.click("button[value=sp2hp]")
    spage.wait_for_load_state("networkidle")
    spage.screenshot(path=str(SCREENS / "portal-staff-report.png"), full_page=True)
    spage.goto(f"{live_server.url}/staf/sp2hp/?semua=1")
    spage.screenshot(path=str(SCREENS / "portal-staff-sp2hp.png"), full_page=True)
    sctx.close()
    r.refresh_from_db()
    assert r.status == "investigating" and r.notices.count() == 1

    # the reporter tracks it
    page.goto(f"{live_server.url}/lacak/")
    page.fill("#kode", r.tracking_code.lower())
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**/lacak/{r.tracking_code}/")
    assert "SP2HP A1" in page.inner_text(".timeline")
    assert NAME not in page.content()
    page.fill("#name", NAME.upper())
    page.fill("#dob", DOB)
    page.click(".sp2hp button[type=submit]")
    page.wait_for_selector(".notices li")
    assert "Unit Reskrim" in page.inner_text(".notices")
    page.screenshot(path=str(SCREENS / "portal-track-sp2hp.png"), full_page=True)
    # a request that the browser itself refused while offline is the point of the test, not a fault
    assert [e for e in page.js_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
    ctx.close()


def test_station_finder_lists_the_nearest_with_phone(live_server, browser, stations):  # noqa: F811 (fixtures)
    ctx, page = phone_page(browser, P_S1[1], P_S1[0])
    page.goto(f"{live_server.url}/kantor-polisi/")
    page.click("#locate")
    page.wait_for_function("() => document.querySelector('#st-list li').textContent.includes('m')")
    first = page.inner_text("#st-list li:first-child")
    assert "Polsek Bekasi Timur" in first and "021-8802222" in first
    page.screenshot(path=str(SCREENS / "portal-stations.png"), full_page=True)
    assert page.js_errors == []
    ctx.close()
