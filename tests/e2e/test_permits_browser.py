"""End to end on a phone-sized Chromium: a citizen requests an SKTLK, the SPKT operator issues it from the
back office, the citizen downloads the PDF, the QR code's payload (the verification URL printed in the
letter, whose modules the QR carries) is opened in the browser and says "valid"; a demonstration notice
with too short a lead time is refused with the legal reason. Screenshots go to var/screens/permits-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.permits import rules
from siaga.permits.models import Request

from ..permits.conftest import PASSWORD, WIB, clean_cache, demo_fields, pw  # noqa: F401 (fixtures)
from ..permits.qr import pdf_text, qr_modules_for, qr_modules_in_pdf, verification_url
from .conftest import login
from .test_portal_sos_browser import SCREENS, browser, phone_page, sqlite_shared_cache_reads  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
POINT = (-6.2383, 106.9756)


def test_an_sktlk_is_requested_issued_and_its_qr_verified(live_server, browser, pw):  # noqa: F811 (fixtures)
    ctx, page = phone_page(browser, *POINT)
    page.goto(f"{live_server.url}/layanan/")
    assert page.locator("h1").inner_text() == "Layanan online"
    page.screenshot(path=str(SCREENS / "permits-index.png"), full_page=True)
    page.click("a.tile[href='/layanan/sktlk/']")
    page.wait_for_url("**/layanan/sktlk/")
    page.fill("#name", "Siti Aminah")
    page.fill("#nik", "3275014512900001")
    page.fill("#email", "siti@contoh.id")
    page.fill("#phone", "081377776666")
    page.select_option("#item_kind_1", "ktp")
    page.fill("#item_id_1", "3275014512900001")
    page.select_option("#item_kind_2", "atm")
    page.fill("#item_id_2", "5221 8400 1234")
    page.fill("#lost_on", (dt.datetime.now(WIB).date() - dt.timedelta(days=1)).isoformat())
    page.fill("#lost_place", "Pasar Baru Bekasi")
    page.fill("#chronology", "Dompet berisi KTP dan kartu ATM terjatuh di angkot K-10 dan tidak ditemukan.")
    page.screenshot(path=str(SCREENS / "permits-sktlk-form.png"), full_page=True)
    page.click("button[type=submit].primary")
    page.wait_for_selector("#received")
    tracking = page.inner_text("#tracking-code").strip()
    private = page.inner_text("#private-code").strip()
    assert page.inner_text("#status") == "Diajukan"
    page.screenshot(path=str(SCREENS / "permits-sktlk-received.png"), full_page=True)
    r = Request.objects.get()
    assert r.tracking_code == tracking and r.details["items"][1]["kind"] == "atm"
    mine = page.url

    # SPKT: the operator issues it from the back office
    sctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    spage = sctx.new_page()
    login(spage, live_server.url, "operator", PASSWORD)
    spage.goto(f"{live_server.url}/staf/layanan/")
    spage.screenshot(path=str(SCREENS / "permits-staff-queue.png"), full_page=True)
    spage.click(f"text={tracking}")
    spage.fill("#signer_name", "AKP Rahmat Hidayat, NRP 78010123")
    spage.click("#approve")
    spage.wait_for_load_state("networkidle")
    assert spage.inner_text("#status") == "SKTLK terbit"
    spage.screenshot(path=str(SCREENS / "permits-staff-issued.png"), full_page=True)
    sctx.close()
    r.refresh_from_db()
    assert r.status == "approved" and r.letter_number.startswith("SKTLK/")

    # the citizen downloads the letter, reads the QR's payload and opens it
    page.goto(mine)
    assert page.inner_text("#status") == "SKTLK terbit"
    page.screenshot(path=str(SCREENS / "permits-sktlk-issued.png"), full_page=True)
    href = page.get_attribute("#download", "href")
    assert private in href
    resp = page.request.get(f"{live_server.url}{href}")
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
    data = resp.body()
    assert r.letter_number in pdf_text(data)
    url = verification_url(data)
    assert qr_modules_in_pdf(data) == qr_modules_for(url)  # the QR carries exactly this URL
    assert url == f"{live_server.url}/verifikasi/{r.verify_code}/"
    page.goto(url)
    assert "Berlaku" in page.inner_text("#verdict")
    assert page.inner_text("#holder") == "S*** A*****"
    assert "Siti" not in page.content()
    page.screenshot(path=str(SCREENS / "permits-verify-valid.png"), full_page=True)
    assert page.js_errors == []
    ctx.close()


def test_a_late_demonstration_notice_is_refused_with_the_legal_reason(live_server, browser, pw):  # noqa: F811
    ctx, page = phone_page(browser, *POINT)
    page.goto(f"{live_server.url}/layanan/unjuk-rasa/")
    f = demo_fields()
    start = dt.datetime.now(WIB) + dt.timedelta(hours=30)
    start = start.replace(hour=9, minute=0) if start.hour < 9 or start.hour > 13 else start
    for field in ("name", "nik", "email", "purpose", "place", "form", "coordinator", "organisation", "props"):
        page.fill(f"#{field}", str(f[field]))
    page.fill("#participants", "300")
    page.click("#use-position")
    page.wait_for_function("() => document.querySelector('#lat').value !== ''")
    page.fill("#starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#ends_at", (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button[type=submit].primary")
    page.wait_for_selector("#form-error")
    reasons = page.inner_text("#form-error")
    assert "Pemberitahuan harus disampaikan selambat-lambatnya 3 x 24 jam sebelum kegiatan" in reasons
    assert "UU 9/1998 Pasal 10 ayat 3" in reasons
    assert page.input_value("#coordinator") == f["coordinator"]  # what was typed is kept
    page.screenshot(path=str(SCREENS / "permits-demo-refused.png"), full_page=True)
    assert Request.objects.count() == 0
    # the refusal page itself is answered with 400: the console notes it; nothing else may fail
    assert [e for e in page.js_errors if "status of 400" not in e] == []
    ctx.close()


def test_intelkam_publishes_skck_slots_and_a_citizen_books_one(live_server, browser, pw):  # noqa: F811
    sctx = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    spage = sctx.new_page()
    login(spage, live_server.url, "intelkam", PASSWORD)
    spage.goto(f"{live_server.url}/staf/layanan/jadwal-skck/")
    first = rules.add_working_days(dt.datetime.now(WIB).date(), 1)
    spage.fill("#date_from", first.isoformat())
    spage.fill("#date_to", rules.add_working_days(first, 2).isoformat())
    spage.fill("#times", "08:00, 10:00")
    spage.fill("#capacity", "1")
    spage.click(".schedule button[type=submit]")
    spage.wait_for_selector("p.ok")
    assert "6 jadwal diterbitkan" in spage.inner_text("p.ok")
    spage.screenshot(path=str(SCREENS / "permits-staff-slots.png"), full_page=True)

    ctx, page = phone_page(browser, *POINT)
    page.goto(f"{live_server.url}/layanan/skck/")
    assert "Rp30.000" in page.inner_text(".fee")
    page.fill("#name", "Budi Santoso")
    page.fill("#nik", "3275010101850002")
    page.fill("#email", "budi@contoh.id")
    page.fill("#dob", "1985-01-01")
    page.select_option("#purpose", "pekerjaan")
    page.locator("input[name=slot]").first.check()
    page.screenshot(path=str(SCREENS / "permits-skck-form.png"), full_page=True)
    page.click("button[type=submit].primary")
    page.wait_for_selector("#received")
    assert page.inner_text("#status") == "Diajukan"
    page.screenshot(path=str(SCREENS / "permits-skck-booked.png"), full_page=True)
    spage.reload()
    assert "1" in spage.inner_text("table.grid tbody tr:first-child td:nth-child(3)")
    assert page.js_errors == []
    sctx.close()
    ctx.close()
