"""End to end in Chromium: a Bhabinkamtibmas logs in, records a sambang visit (raising a problem) and a
problem through the register forms, each placed by a click on the map, and finds both in the lists.
Screenshots go to var/screens/mapping-form-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.mapping.models import Problem, Visit

from ..cad.conftest import KELURAHAN, bekasi_kelurahan, world  # noqa: F401 (fixtures)
from .conftest import login
from .test_portal_sos_browser import SCREENS, browser, sqlite_shared_cache_reads  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Sandi-Rahasia-123"


@pytest.fixture
def bhabin(world):  # noqa: F811 (fixture)
    _polres, polsek, _other = world
    with acting(None, "test-mapping-forms"):
        return create_user(
            "bhabin_e2e", PASSWORD, "bhabin", validate=False, polsek=polsek, kelurahan_code=KELURAHAN[0]
        )


def _click_inside(page) -> None:
    """Click the map where the page says a point of the officer's kelurahan is (data-focus, in pixels)."""
    page.wait_for_selector("#place-map[data-focus]")
    x, y = (int(v) for v in page.get_attribute("#place-map", "data-focus").split(","))
    page.locator("#place-map").click(position={"x": x, "y": y})
    assert page.input_value("#id_lat") and page.input_value("#id_lon")


def test_bhabin_records_a_visit_and_a_problem_with_map_clicks(live_server, browser, bhabin):  # noqa: F811
    ctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "bhabin_e2e", PASSWORD)

    page.goto(f"{live_server.url}/wilayah/sambang/")
    page.click("a.button.primary[href='/wilayah/sambang/baru/']")
    page.wait_for_load_state("networkidle")
    page.fill("#id_date", dt.date.today().isoformat())
    page.fill("#id_place_name", "Balai RW 03")
    page.fill("#id_people_met", "Ketua RW 03\nTokoh pemuda")
    page.fill("#id_topics", "Ronda malam")
    page.fill("#id_problem_title", "Balap liar di jalan inspeksi")
    page.select_option("#id_problem_kind", "brawl")
    page.select_option("#id_problem_level", "AG")
    _click_inside(page)
    page.screenshot(path=str(SCREENS / "mapping-form-visit.png"), full_page=True)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/wilayah/sambang/")
    assert "Balai RW 03" in page.inner_text("table")

    page.goto(f"{live_server.url}/wilayah/masalah/")
    assert "Balap liar di jalan inspeksi" in page.inner_text("table")
    page.click("a.button.primary[href='/wilayah/masalah/baru/']")
    page.wait_for_load_state("networkidle")
    page.fill("#id_title", "Sengketa parkir pasar pagi")
    page.select_option("#id_kind", "other")
    page.select_option("#id_level", "PG")
    page.fill("#id_parties", "Pedagang pasar\nJuru parkir")
    _click_inside(page)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/wilayah/masalah/")
    table = page.inner_text("table")
    assert "Sengketa parkir pasar pagi" in table and "Balap liar di jalan inspeksi" in table
    page.screenshot(path=str(SCREENS / "mapping-form-problems.png"), full_page=True)

    page.goto(f"{live_server.url}/wilayah/masalah/peta/")
    page.wait_for_selector("#register-map path.leaflet-interactive")
    assert errors == []
    ctx.close()

    v = Visit.objects.get()
    raised = v.problems.get()
    p = Problem.objects.get(title="Sengketa parkir pasar pagi")
    for record in (raised, p):
        assert record.lat is not None and record.kelurahan_code == KELURAHAN[0] and record.rt_key
    assert (v.kelurahan_code, v.officer.username) == (KELURAHAN[0], "bhabin_e2e")
    assert p.parties == ["Pedagang pasar", "Juru parkir"]
