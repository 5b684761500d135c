"""Log-in: argon2 hashes, lockout after SIAGA_LOGIN_FAILURE_LIMIT failures (django-axes), TOTP second
factor (django-otp) for pages, the API and enrolment."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from siaga.accounts import services as accounts
from siaga.core.models import AuditEntry
from tests.core.world import build_tree

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery 42"


@pytest.fixture
def tree():
    return build_tree()


@pytest.fixture
def officer(tree):
    return accounts.create_user("officer", PASSWORD, "operator", polres=tree.a)


def token_for(device: TOTPDevice, offset: int = 0) -> str:
    """The code an authenticator app shows now, from the device's own key."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits) + offset
    return f"{code % 10**device.digits:0{device.digits}d}"


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- passwords ---------------------------------------------------------------------------------------------


@pytest.mark.production_hashers
def test_argon2_is_the_hasher_actually_used(client, tree):
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    user = accounts.create_user("officer", PASSWORD, "operator", polres=tree.a)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    hasher = identify_hasher(user.password)
    assert hasher.algorithm == "argon2" and type(hasher).__name__ == "Argon2PasswordHasher"
    assert not hasher.must_update(user.password)  # stored with the configured costs
    assert check_password(PASSWORD, user.password)
    assert client.post(LOGIN, {"username": "officer", "password": PASSWORD}).status_code == 302


def test_login_with_the_right_password(client, officer):
    r = client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    assert r.status_code == 302 and logged_in(client)


# --- lockout ---------------------------------------------------------------------------------------


def test_lockout_after_the_failure_limit_then_even_the_right_password_is_refused(client, officer):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5  # SIAGA_LOGIN_FAILURE_LIMIT's default
    for attempt in range(1, limit):
        r = client.post(LOGIN, {"username": "officer", "password": f"wrong-{attempt}"})
        assert r.status_code == 200 and not logged_in(client), attempt  # the form again, with an error
    r = client.post(LOGIN, {"username": "officer", "password": "wrong-last"})
    assert r.status_code == 429  # the limit-th failure locks
    r = client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    assert r.status_code == 429 and not logged_in(client)
    # the lock is for this username from this address: another account still logs in
    accounts.create_user("colleague", PASSWORD, "operator", polres=officer.polres)
    r = client.post(LOGIN, {"username": "colleague", "password": PASSWORD})
    assert r.status_code == 302 and logged_in(client)


def test_a_success_before_the_limit_resets_the_count(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "officer", "password": "wrong"})
    assert client.post(LOGIN, {"username": "officer", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "officer", "password": "wrong"})
    assert client.post(LOGIN, {"username": "officer", "password": PASSWORD}).status_code == 302


def test_inactive_user_cannot_log_in(client, officer):
    accounts.set_active(officer, False)
    r = client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    assert r.status_code == 200 and not logged_in(client)


# --- TOTP ------------------------------------------------------------------------------------------


@pytest.fixture
def guarded(tree):
    return accounts.create_user("guarded", PASSWORD, "commander", polres=tree.a, require_2fa=True)


def test_require_2fa_redirects_pages_to_setup_and_the_api_answers_401(client, guarded):
    client.force_login(guarded)
    r = client.get("/dasbor/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/setup/")
    r = client.get("/api/accounts/me")
    assert r.status_code == 401 and r.json()["code"] == "2fa_required"


def test_confirming_a_device_with_a_real_token_verifies(client, guarded):
    client.force_login(guarded)
    assert client.get("/accounts/2fa/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=guarded, confirmed=False)
    r = client.post("/accounts/2fa/setup/", {"token": token_for(device)})
    assert r.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/api/accounts/me").status_code == 200
    assert client.get("/dasbor/").status_code == 200
    assert AuditEntry.objects.filter(action="accounts.user.2fa_enabled", object_id=str(guarded.pk)).exists()


def test_the_wrong_code_does_not_confirm(client, guarded):
    client.force_login(guarded)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=guarded, confirmed=False)
    for bad in (token_for(device, offset=1), "abcdef", ""):
        r = client.post("/accounts/2fa/setup/", {"token": bad})
        assert r.status_code == 200  # the page again, with an error
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/api/accounts/me").status_code == 401


def _enrolled(user) -> TOTPDevice:
    device = accounts.pending_totp(user)
    assert accounts.confirm_totp(user, device, token_for(device))
    device.refresh_from_db()
    device.last_t = -1  # let the current code be used once more by the log-in below
    device.save(update_fields=["last_t"])
    return device


def test_login_with_a_device_asks_for_the_code(client, guarded):
    device = _enrolled(guarded)
    r = client.post(LOGIN, {"username": "guarded", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/")
    assert client.get("/api/accounts/me").status_code == 401
    assert client.get("/dasbor/").status_code == 302
    assert client.post("/accounts/2fa/", {"token": token_for(device, offset=1)}).status_code == 200
    assert client.get("/api/accounts/me").status_code == 401
    # django-otp throttles after a failure: right away even the right code is refused...
    assert client.post("/accounts/2fa/", {"token": token_for(device), "next": "/"}).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    # ...until the delay has passed
    past = timezone.now() - dt.timedelta(minutes=5)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=past)
    r = client.post("/accounts/2fa/", {"token": token_for(device), "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/api/accounts/me").status_code == 200


def test_a_password_alone_cannot_enrol_a_new_device(client, guarded):
    """Bug fixed: /accounts/2fa/setup/ let a signed-in but unverified user replace the second factor."""
    _enrolled(guarded)
    client.force_login(guarded)
    r = client.get("/accounts/2fa/setup/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/2fa/?")
    assert client.post("/accounts/2fa/setup/", {"token": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=guarded).count() == 1


def test_a_device_of_another_user_cannot_be_confirmed(guarded, officer):
    from siaga.core.errors import Forbidden

    device = accounts.pending_totp(officer)
    with pytest.raises(Forbidden):
        accounts.confirm_totp(guarded, device, token_for(device))


def test_the_next_parameter_cannot_leave_the_site(client, guarded):
    device = _enrolled(guarded)
    client.force_login(guarded)
    r = client.post("/accounts/2fa/", {"token": token_for(device), "next": "https://evil.example/"})
    assert r.status_code == 302 and not re.match(r"https?://", r["Location"])
