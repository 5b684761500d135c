"""The territory page in Chromium: log in, open /territory/, click a kecamatan, see its kelurahan."""

import os

import pytest

from siaga.core.context import acting

from .conftest import TIMUR

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_drill_down_from_kecamatan_to_kelurahan(need_chromium, live_server, kelurahan_fc):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    from siaga.accounts.services import create_user
    from siaga.territory import services

    with acting(None, "test-browser"):
        services.import_codes("32.75")
        services.import_boundaries(kelurahan_fc(TIMUR), level=4)
        services.derive_parent_boundaries(3, "32.75")
        services.derive_parent_boundaries(2, "32.75")
        services.generate_rw_rt(rt_total=60)
        polda = services.create_polda("P", "Polda Metro Jaya")
        polres = services.create_polres(polda, "BKS", "Polres Metro Bekasi Kota", "32.75")
        create_user("peta", "not-a-real-pass-1", "analyst", polres=polres, validate=False)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=need_chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(live_server.url + "/accounts/login/?next=/territory/")
            page.fill("#id_username", "peta")
            page.fill("#id_password", "not-a-real-pass-1")
            page.click("form.stack button[type=submit]")
            page.wait_for_url("**/territory/")
            page.wait_for_selector("#territory-map[data-level=kecamatan]")
            assert page.locator(".terr-label-kecamatan", has_text="Bekasi Timur").count() == 1
            # click the kecamatan polygon on the map (its label sits on it and lets clicks through)
            page.locator(".terr-label-kecamatan", has_text="Bekasi Timur").click(force=True)
            page.wait_for_selector("#territory-map[data-level=kelurahan]")
            labels = page.locator(".terr-label-kelurahan").all_inner_texts()
            assert sorted(labels) == ["Arenjaya", "Bekasijaya", "Durenjaya", "Margahayu"]
            assert "Bekasi Timur" in page.inner_text("#territory-crumbs")
            assert "32.75.01" in page.inner_text("#territory-panel")
            # and on to the RW of a kelurahan, then back up with the breadcrumb
            page.locator(".terr-children button", has_text="Margahayu").click()
            page.wait_for_selector("#territory-map[data-level=rw]")
            page.locator("#territory-crumbs a", has_text="Bekasi Timur").click()
            page.wait_for_selector("#territory-map[data-level=kelurahan]")
            assert errors == []
        finally:
            browser.close()
