"""The risk map and an area page in Chromium (Indonesian, no inline scripts, polygons drawn).
Screenshots go to var/screens/risk-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.analytics import risk
from siaga.territory.models import Region
from tests.core.world import K1, K1B, K2
from tests.e2e.conftest import login
from tests.e2e.test_portal_sos_browser import SCREENS, browser, sqlite_shared_cache_reads  # noqa: F401

from .test_risk import NOW, _incident, world  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _square(lon, lat, d=0.01):
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_risk_map_and_area_page(live_server, browser, world):  # noqa: F811 (fixture)
    for i, code in enumerate((K1, K1B, K2)):
        Region.objects.filter(code=code).update(geometry=_square(106.98 + 0.011 * i, -6.25))
    for i in range(5):
        _incident(world, K1, NOW - dt.timedelta(days=1 + i), rt=1, polsek=world.t.s1)
    risk.configure(world.u["analyst"], world.t.a, waspada=1.2, rawan=1.6, confirm_weeks=1)
    risk.compute(None, world.t.a, "2026-W44", now=NOW)

    ctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server.url, "commander", "Sandi-Rahasia-123")
    page.goto(f"{live_server.url}/analitik/risiko/?level=kelurahan")
    assert "Kelas kerawanan" in page.locator("h1").inner_text()
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator(".leaflet-overlay-pane path").count() == 3
    fills = {page.locator(".leaflet-overlay-pane path").nth(i).get_attribute("fill") for i in range(3)}
    assert "#e53935" in fills and "#4caf50" in fills  # Bintara rawan, the others aman
    page.screenshot(path=str(SCREENS / "risk-map-kelurahan.png"), full_page=True)
    page.click("text=Bintara")
    page.wait_for_load_state("networkidle")
    assert "Mengapa" in page.inner_text("main") and "Riwayat" in page.inner_text("main")
    page.screenshot(path=str(SCREENS / "risk-area.png"), full_page=True)
    assert errors == []
    ctx.close()
