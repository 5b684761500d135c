"""End to end on a phone-sized Chromium: search the legal library, open an article and its KUHP
counterpart, ask Si Kum a question, and read the answer once Si Kum has answered it in the back office.
Screenshots go to var/screens/legal-*.png."""

from __future__ import annotations

import pytest

from siaga.legal.models import Consultation

from ..legal.conftest import PASSWORD, clean_cache, legal  # noqa: F401 (fixtures)
from .conftest import login
from .test_portal_sos_browser import SCREENS, browser, phone_page, sqlite_shared_cache_reads  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
QUESTION = "Motor saya dicuri dari garasi yang dikunci malam hari. Pasal apa yang berlaku sekarang?"
ANSWER = "Pencurian malam hari dengan merusak kunci adalah curat: UU 1/2023 Pasal 477 (dahulu Pasal 363)."


def test_search_read_an_article_and_ask_si_kum(live_server, browser, legal):  # noqa: F811 (fixtures)
    ctx, page = phone_page(browser, -6.24, 107.0)
    page.goto(f"{live_server.url}/hukum/")
    assert page.locator("h1").inner_text() == "Pustaka hukum"
    page.fill("#q", "pencurian pemberatan")
    page.click(".l-search button[type=submit]")
    page.wait_for_selector("#results .hits li")
    first = page.inner_text("#results .hits li:first-child")
    assert "Pasal 477" in first or "Pasal 363" in first
    assert page.locator("#results mark").count() > 0
    page.screenshot(path=str(SCREENS / "legal-search.png"), full_page=True)

    page.click("#results a[href='/hukum/uu-1-2023/pasal-477/']")
    page.wait_for_url("**/hukum/uu-1-2023/pasal-477/")
    assert "Ringkasan" in page.inner_text("#article-text")
    assert "KUHP Pasal 363" in page.inner_text(".l-map")
    page.screenshot(path=str(SCREENS / "legal-article.png"), full_page=True)

    page.goto(f"{live_server.url}/hukum/kuhp/?pasal=365")
    assert "UU 1/2023 Pasal 479" in page.inner_text("#lookup")
    page.screenshot(path=str(SCREENS / "legal-kuhp.png"), full_page=True)

    page.goto(f"{live_server.url}/hukum/konsultasi/")
    page.select_option("#topic", "pidana")
    page.fill("#question", QUESTION)
    page.fill("#email", "warga@example.id")
    page.screenshot(path=str(SCREENS / "legal-ask.png"), full_page=True)
    page.click("#consult-form button[type=submit]")
    page.wait_for_url("**/hukum/konsultasi/*/?baru=1")
    c = Consultation.objects.get()
    assert c.tracking_code in page.inner_text("h1") and c.device_hash  # the device id was sent
    assert "Belum dijawab" in page.content()
    page.screenshot(path=str(SCREENS / "legal-asked.png"), full_page=True)

    # Si Kum answers in the back office
    sctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    spage = sctx.new_page()
    login(spage, live_server.url, "sikum", PASSWORD)
    spage.goto(f"{live_server.url}/staf/hukum/")
    spage.click(f"text={c.tracking_code}")
    spage.fill("#answer", ANSWER)
    spage.click("button[value=answer]")
    spage.wait_for_load_state("networkidle")
    spage.screenshot(path=str(SCREENS / "legal-staff-consultation.png"), full_page=True)
    spage.goto(f"{live_server.url}/staf/hukum/?status=answered")
    spage.screenshot(path=str(SCREENS / "legal-staff-queue.png"), full_page=True)
    sctx.close()

    page.reload()
    assert ANSWER in page.inner_text("#answer")
    assert "warga@example.id" not in page.content()
    page.screenshot(path=str(SCREENS / "legal-answered.png"), full_page=True)
    assert page.js_errors == []
    ctx.close()
