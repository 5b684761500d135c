import pytest

from siaga.accounts.services import create_user
from siaga.core.context import acting

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def analyst():
    from siaga.territory.models import Polda, Polres, Region

    # reference rows straight from the ORM: only the scope of the user matters here
    kota = Region.objects.create(code="32.75", name="Kota Bekasi", level=2, kind="kota")
    polda = Polda.objects.create(code="PMJ", name="Polda Metro Jaya")
    polres = Polres.objects.create(polda=polda, code="BKS", name="Polres Metro Bekasi Kota", region=kota)
    with acting(None, "test"):
        return create_user("analis", "kata-sandi-uji-9", "analyst", polres=polres)


def test_login_dashboard_and_language_switch(live_server, browser_page, analyst):
    page = browser_page
    login(page, live_server.url, "analis", "kata-sandi-uji-9")
    assert page.locator("h1").inner_text() == "Dasbor"  # Bahasa Indonesia by default
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Dashboard"
    page.click("button[name=language][value=id]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Dasbor"
    assert page.js_errors == []


def test_wrong_password_shows_error_and_stays_logged_out(live_server, browser_page, analyst):
    page = browser_page
    login(page, live_server.url, "analis", "salah-sandi")
    assert "/accounts/login/" in page.url
    assert page.locator("[role=alert]").count() == 1
