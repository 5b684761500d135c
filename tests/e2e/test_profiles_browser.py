"""An area profile in Chromium as the commander: the map draws the kelurahan outline and the records,
the charts and sections render, and no script error is raised."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from siaga.core.context import acting
from siaga.mapping import potentials, problems
from siaga.territory.models import Region
from tests.core.world import K1

from ..mapping.conftest import PASSWORD, w  # noqa: F401 (fixture)
from ..mapping.test_casefiles import incident
from .conftest import login
from .test_portal_sos_browser import sqlite_shared_cache_reads  # noqa: F401 (autouse fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.97, -6.21], [106.99, -6.21], [106.99, -6.19], [106.97, -6.19], [106.97, -6.21]]],
}


def test_commander_opens_an_area_profile(live_server, browser_page, w):  # noqa: F811
    Region.objects.filter(code=K1).update(geometry=SQUARE, centroid_lat=-6.2, centroid_lon=106.98)
    b1 = w.u("bhabin_k1")
    with acting(b1, "t"):
        problems.create(b1, title="Sengketa lahan", kind="land", source="visit", kelurahan_code=K1)
        potentials.create(b1, kind="activity", category="school", name="SMPN 5", lat=-6.201, lon=106.981)
    now = timezone.now()
    incident(w.tree, "BKS/1", now - dt.timedelta(days=3), lat=-6.205, lon=106.975)
    incident(w.tree, "BKS/2", now - dt.timedelta(days=30), lat=-6.195, lon=106.985, category="laka")
    page = browser_page
    login(page, live_server.url, "commander", PASSWORD)
    page.goto(f"{live_server.url}/wilayah/profil/area/kelurahan/{K1}/")
    page.wait_for_selector("#profile-map[data-drawn]")
    assert page.locator("#profile-map").get_attribute("data-drawn") == "4"
    assert page.locator("#profile-map path.leaflet-interactive").count() >= 5  # outline + 4 dots
    assert "Bintara" in page.locator("h1").inner_text()
    assert page.locator(".pcol").count() == 12 and page.locator(".pbars li").count() >= 2
    assert not page.js_errors, page.js_errors
