"""End to end on a phone-sized Chromium: one tap on SOS shares the position and the P1 incident appears
for the operations room (the dispatcher's API and the /ops/ board); "escort me" runs and is cancelled.
Screenshots go to var/screens/portal-*.png."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from siaga.cad.models import Incident
from siaga.portal.models import Escort, Sos

from ..cad.conftest import bekasi_kelurahan, world  # noqa: F401 (fixtures)
from ..cad.ops_fixtures import *  # noqa: F403
from ..cad.ops_fixtures import P_S1
from ..portal.conftest import clean_cache, stations  # noqa: F401 (fixtures)
from .conftest import CHROMIUM_ARGS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
PASSWORD = "Sandi-Rahasia-123"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def sqlite_shared_cache_reads():
    """See test_ops_flow_browser: readers in live-server threads must not take shared-cache table locks."""
    from django.db.backends.signals import connection_created

    def read_uncommitted(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            with connection.cursor() as c:
                c.execute("PRAGMA read_uncommitted = 1")

    connection_created.connect(read_uncommitted)
    yield
    connection_created.disconnect(read_uncommitted)


@pytest.fixture
def browser(need_chromium):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=need_chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


def phone_page(browser, lat: float, lon: float):
    ctx = browser.new_context(
        locale="id-ID",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 12},
        permissions=["geolocation"],
    )
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.js_errors = errors
    return ctx, page


def test_sos_one_tap_reaches_the_operations_room(live_server, browser, stations):  # noqa: F811 (fixtures)
    ctx, page = phone_page(browser, P_S1[1], P_S1[0])
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Apa yang bisa kami bantu?"
    page.screenshot(path=str(SCREENS / "portal-home.png"), full_page=True)
    page.click("a.tile-sos")
    page.wait_for_url("**/darurat/")
    page.wait_for_selector("#sos-nearest a.tel", timeout=10_000)  # nearest Polsek with a tel: link
    assert "tel:110" in page.content()
    page.fill("#sos-phone", "0812 3456 7890")
    page.screenshot(path=str(SCREENS / "portal-sos.png"), full_page=True)
    page.click("#sos-button")
    page.wait_for_selector("#sos-status.ok", timeout=10_000)
    assert "SOS diterima" in page.inner_text("#sos-status")
    page.screenshot(path=str(SCREENS / "portal-sos-sent.png"), full_page=True)
    s = Sos.objects.get()
    i = Incident.objects.get(pk=s.incident_id)
    assert (i.priority, i.summary, i.polsek_id) == (1, "SOS", stations.s1.pk)
    assert s.received_at <= i.created_at

    # the dispatcher sees it through the operations-room API and on the board
    dctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 800})
    dpage = dctx.new_page()
    login(dpage, live_server.url, "dispatcher", PASSWORD)
    dpage.goto(f"{live_server.url}/api/cad/incidents")
    rows = json.loads(dpage.inner_text("body"))
    rows = rows.get("items", rows) if isinstance(rows, dict) else rows
    assert any(r["number"] == i.number and r["priority"] == 1 for r in rows)
    dpage.goto(f"{live_server.url}/ops/")
    dpage.wait_for_selector(f"text={i.number}", timeout=15_000)
    dpage.screenshot(path=str(SCREENS / "portal-sos-ops-board.png"))
    dctx.close()
    assert page.js_errors == []
    ctx.close()


def test_escort_countdown_starts_and_is_cancelled(live_server, browser, stations):  # noqa: F811 (fixtures)
    ctx, page = phone_page(browser, P_S1[1], P_S1[0])
    page.goto(f"{live_server.url}/darurat/")
    page.select_option("#escort-min", "5")
    page.click("#escort-start")
    page.wait_for_selector("#escort-cancel:not([hidden])", timeout=10_000)
    assert "Hitung mundur" in page.inner_text("#escort-status")
    page.screenshot(path=str(SCREENS / "portal-escort.png"), full_page=True)
    assert Escort.objects.get().status == "active"
    page.click("#escort-cancel")
    page.locator("#escort-status", has_text="dibatalkan").wait_for(timeout=10_000)
    assert Escort.objects.get().status == "cancelled"
    assert page.js_errors == []
    ctx.close()
