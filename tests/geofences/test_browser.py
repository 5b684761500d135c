"""In Chromium: Kabag Ops draws a fence by clicking three vertices on the map, names it, creates it and
adds an enter rule on its page; no script errors (the page runs under the CSP, no inline script)."""

from __future__ import annotations

import pytest

from siaga.geofences.models import Geofence, GeofenceRule
from tests.e2e.conftest import login
from tests.e2e.test_portal_sos_browser import browser, sqlite_shared_cache_reads  # noqa: F401 (fixtures)

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_kabag_ops_draws_a_fence_and_adds_a_rule(live_server, browser, w):  # noqa: F811
    ctx = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(60_000)  # the machine may be busy: generous waits, no timing claims
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server.url, "kabag_ops", PASSWORD)
    page.goto(f"{live_server.url}/geofence/")
    page.wait_for_selector("#gf-map.leaflet-container")
    m = page.locator("#gf-map")
    for x, y in ((200, 150), (420, 170), (380, 380), (250, 360)):
        m.click(position={"x": x, "y": y})
    page.click("#gf-undo")  # three vertices left
    assert '"Polygon"' in page.input_value("#gf-geometry")
    page.fill("input[name=name]", "Zona uji")
    page.select_option("select[name=kind]", "forbidden_zone")
    page.click("form.gf-form button[type=submit]")
    page.wait_for_url("**/geofence/*/")
    f = Geofence.objects.get()
    assert f.name == "Zona uji" and f.vertices == 4 and f.created_by == w.u("kabag_ops")
    page.select_option("select[name=trigger]", "enter")
    page.check("input[name=unit_kinds][value=r2]")
    page.click("form[aria-labelledby=gf-add-rule] button[type=submit]")
    page.wait_for_selector("text=Remove")
    assert GeofenceRule.objects.get().unit_kinds == ["r2"]
    assert errors == []
    ctx.close()
