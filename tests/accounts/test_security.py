"""CSRF, Content-Security-Policy with a nonce, clickjacking and other headers, request ids."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        if words := part.split():
            out[words[0]] = words[1:]
    return out


def test_post_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN, {"username": "x", "password": "y"}).status_code == 403
    assert client.post("/accounts/logout/").status_code == 403


def test_post_with_the_csrf_token_gets_through():
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    r = client.post(LOGIN, {"username": "x", "password": "y", "csrfmiddlewaretoken": token})
    assert r.status_code == 200  # past CSRF: the form again, with "wrong credentials"


def test_csp_has_a_nonce_and_no_unsafe_inline_script(client):
    r = client.get(LOGIN)
    assert r.status_code == 200
    csp = directives(r["Content-Security-Policy"])
    script = csp["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    nonces = [s for s in script if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = r.content.decode()
    assert f'nonce="{nonce}"' in html  # the page's scripts carry this response's nonce
    assert all(f'nonce="{nonce}"' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert client.get(LOGIN)["Content-Security-Policy"] != r["Content-Security-Policy"]  # fresh nonce


def test_security_headers(client):
    r = client.get(LOGIN)
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    session_cookie = client.cookies.get("csrftoken")
    assert session_cookie is not None and session_cookie["samesite"] == "Lax"


def test_request_id_is_echoed_or_made(client):
    r = client.get(LOGIN, HTTP_X_REQUEST_ID="proxy-1234abcd")
    assert r["X-Request-ID"] == "proxy-1234abcd"
    r = client.get(LOGIN, HTTP_X_REQUEST_ID="bad id; <script>")
    assert r["X-Request-ID"].startswith("req-") and "<" not in r["X-Request-ID"]
    r = client.get(LOGIN)
    assert re.fullmatch(r"req-[0-9a-f]{16}", r["X-Request-ID"])


def test_api_needs_authentication(client):
    r = client.get("/api/accounts/me")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert client.get("/api/core/health").status_code == 200


# --- the second-factor check is remembered in the session -------------------------------------------


def _api_user(name="cached2fa"):
    from siaga.accounts.services import create_user
    from siaga.core.context import acting

    with acting(None, "test"):
        return create_user(name, "kata-sandi-uji-9", "admin")


def test_the_device_check_is_asked_once_per_session():
    c = Client()
    c.force_login(_api_user())
    assert c.get("/api/core/health").status_code == 200  # first request: asks, remembers
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        assert c.get("/api/core/health").status_code == 200
    assert not [x for x in q.captured_queries if "otp_" in x["sql"]]


def test_enrolling_a_device_elsewhere_makes_the_open_session_ask_for_the_code():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _api_user()
    c = Client()
    c.force_login(user)
    assert c.get("/api/core/health").status_code == 200  # remembered: no device
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)  # e.g. another session
    r = c.get("/api/core/health")
    assert r.status_code == 401 and r.json()["code"] == "2fa_required"
    device.delete()  # removed again: the session is let through again, no stale "has a device"
    assert c.get("/api/core/health").status_code == 200


def test_a_change_in_another_process_is_seen_within_the_recheck_time(monkeypatch):
    """A device written by another process (a CLI command) fires no signal here: the session's answer
    expires after RECHECK_S."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from siaga.accounts import middleware

    user = _api_user()
    c = Client()
    c.force_login(user)
    assert c.get("/api/core/health").status_code == 200
    TOTPDevice.objects.bulk_create([TOTPDevice(user=user, name="phone", confirmed=True)])  # no signal
    assert c.get("/api/core/health").status_code == 200  # still the remembered answer
    monkeypatch.setattr(middleware, "RECHECK_S", -1)  # as if RECHECK_S had passed
    assert c.get("/api/core/health").status_code == 401
