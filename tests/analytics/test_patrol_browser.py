"""A patrol plan in Chromium: the plan page draws its cells and units, the officer sees his cells.
Screenshots go to var/screens/patrol-*.png."""

from __future__ import annotations

import pytest

from siaga.analytics import patrol
from siaga.resources.models import Personnel
from tests.e2e.conftest import login
from tests.e2e.test_portal_sos_browser import SCREENS, browser, sqlite_shared_cache_reads  # noqa: F401

from . import test_patrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
area = test_patrol.area  # the fixture, shared


def _errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_plan_page_and_officer_view(live_server, browser, area):  # noqa: F811 (fixture)
    from django.utils import timezone

    shift = patrol.current_shift(area.polres, timezone.now())
    day = shift.starts_at.astimezone(timezone.get_current_timezone()).date()
    plan = patrol.generate(None, area.polres, day, shift.name, method="long_term_counts", patrol_minutes=45)
    patrol.publish_plan(None, plan.pk)
    car = area.units[0]
    car.crew.add(
        Personnel.objects.create(
            polres=area.polres,
            nrp="85019998",
            name="Bripda Uji",
            rank="Bripda",
            function="samapta",
            user=area.u["patrol"],
        )
    )

    ctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    errors = _errors(page)
    login(page, live_server.url, "kabag", "Sandi-Rahasia-123")
    page.goto(f"{live_server.url}/analitik/patroli/{plan.pk}/")
    assert plan.shift in page.locator("h1").inner_text()  # (wording waits for the catalogue merge)
    page.wait_for_selector(".leaflet-overlay-pane path")
    assert page.locator(".leaflet-overlay-pane path").count() >= plan.items.count()
    page.screenshot(path=str(SCREENS / "patrol-plan.png"), full_page=True)
    assert errors == []

    off = browser.new_context(locale="id-ID", viewport={"width": 390, "height": 844}).new_page()
    off_errors = _errors(off)
    login(off, live_server.url, "patrol", "Sandi-Rahasia-123")
    off.goto(f"{live_server.url}/officer/")
    off.wait_for_selector("#off-patrol-list li")
    assert off.locator("#off-patrol-list li").count() == plan.items.filter(unit=car).count()
    off.screenshot(path=str(SCREENS / "patrol-officer.png"), full_page=True)
    errs = [e for e in off_errors if "/ws/events/" not in e and "WebSocket" not in e]
    assert errs == [], errs
    ctx.close()
