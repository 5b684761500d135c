"""In Chromium: a CCTV fire reaches the operations room's device-alert strip (polling fallback on the WSGI
live server), and the dispatcher acknowledges and closes it there."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siaga.core.context import acting
from siaga.ingest import devices
from siaga.ingest.models import DeviceAlert
from siaga.ingest.pipeline import Inbound, accept
from tests.cad import ops_fixtures
from tests.e2e.conftest import browser_page, login  # noqa: F401 (fixture)
from tests.e2e.test_ops_flow_browser import sqlite_shared_cache_reads  # noqa: F401 (autouse fixture)

from .conftest import INSIDE, bekasi_kelurahan, world  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ops = ops_fixtures.ops
POLL = 12_000


def test_cctv_alert_in_the_room(live_server, browser_page, ops):  # noqa: F811
    page = browser_page
    login(page, live_server.url, "dispatcher", "Sandi-Rahasia-123")
    page.goto(f"{live_server.url}/ops/")
    page.wait_for_selector("#ops-room[data-ready='1']")
    page.wait_for_selector("#ops-devalerts-list li.empty")

    lon, lat = INSIDE[2]
    with acting(None, "t"):
        _cam, token = devices.register(
            ops.polres, name="CCTV Pasar", kind="cctv", ref="cam-1", lat=lat, lon=lon
        )
    body = {"device": "cam-1", "id": "e1", "type": "cctv", "event": "fire", "confidence": 0.9}
    assert (
        accept([Inbound("http", "generic", "cam-1", body, timezone.now(), None, token)])[0].status
        == "accepted"
    )
    alert = DeviceAlert.objects.get()

    item = f"#ops-devalerts-list li[data-alert='{alert.pk}']"
    page.wait_for_selector(f"{item}.open", timeout=POLL)
    assert "CCTV Pasar" in page.inner_text(item)
    page.click(f"{item} button[data-act='acknowledge']")
    page.wait_for_selector(f"{item}.acknowledged")
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by.username == "dispatcher"
    page.click(f"{item} button[data-act='close']")
    page.wait_for_selector("#ops-devalerts-list li.empty")
    alert.refresh_from_db()
    assert alert.status == "closed"
    errors = [e for e in page.js_errors if "/ws/events/" not in e]
    assert errors == [], errors


def test_roles_without_alerts_have_no_strip(live_server, browser_page, ops):  # noqa: F811
    page = browser_page
    login(page, live_server.url, "analyst", "Sandi-Rahasia-123")
    page.goto(f"{live_server.url}/ops/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#ops-devalerts").count() == 0
