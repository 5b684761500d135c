"""The territory registers in Chromium: Intelkam's problem list and the code-name-only informant list.
Screenshots go to var/screens/mapping-*.png."""

from __future__ import annotations

import pytest

from siaga.mapping import informants, partners, problems, visits
from tests.core.world import K1, K2
from tests.e2e.conftest import login
from tests.e2e.test_portal_sos_browser import SCREENS, browser, sqlite_shared_cache_reads  # noqa: F401

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intelkam_reads_the_registers(live_server, browser, w):  # noqa: F811 (fixture)
    p = problems.create(
        w.u("bhabin_k1"),
        title="Sengketa batas tanah warisan",
        kind="land",
        source="visit",
        kelurahan_code=K1,
        parties=["Keluarga Rasyid", "Keluarga Sutarman"],
        level="AG",
    )
    problems.update(w.u("intelkam"), p.pk, status="monitored", note="Mediasi kelurahan")
    problems.create(
        w.u("intelkam"),
        title="Tawuran pelajar di jembatan kali",
        kind="brawl",
        source="intelligence",
        kelurahan_code=K2,
        level="GN",
    )
    import datetime as dt

    visits.log(
        w.u("bhabin_k1"),
        date=dt.date(2026, 11, 1),
        place="Balai RW 01",
        people_met=["Ketua RW"],
        topics=["Ronda malam"],
        link_problems=[p.pk],
    )
    partners.create(w.u("humas"), kind="pokdar", name="Pokdar Kamtibmas Kota", email_address="p@contoh.id")
    informants.create(w.u("intelkam"), code_name="MERPATI", name="Sutrisno Wibowo", nik="3275011203800007")

    ctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    login(page, live_server.url, "intelkam", PASSWORD)
    page.goto(f"{live_server.url}/wilayah/masalah/")
    assert page.locator("h1").inner_text() == "Masalah"
    body = page.inner_text("table")
    assert "Sengketa batas tanah warisan" in body and "Dipantau" in body and "Tawuran pelajar" in body
    page.screenshot(path=str(SCREENS / "mapping-problems.png"), full_page=True)
    page.goto(f"{live_server.url}/wilayah/sambang/")
    assert "Balai RW 01" in page.inner_text("table")
    page.screenshot(path=str(SCREENS / "mapping-visits.png"), full_page=True)
    page.goto(f"{live_server.url}/wilayah/informan/")
    text = page.inner_text("main") if page.locator("main").count() else page.content()
    assert "MERPATI" in text and "Sutrisno" not in page.content()
    page.screenshot(path=str(SCREENS / "mapping-informants.png"), full_page=True)
    ctx.close()
