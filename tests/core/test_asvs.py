"""OWASP ASVS 4.0.3 level 2 controls that are settings rather than features: session cookies and their
life, password change, caching of signed-in answers, TLS-only headers, the secret key, error pages,
content types and body size limits. docs/security.md maps each ASVS requirement to its test."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import path
from django.utils import timezone

from siaga.accounts import services as accounts
from siaga.core.models import AuditEntry
from tests.core.world import build_tree

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PASSWORD_PAGE = "/accounts/password/"
ME = "/api/accounts/me"
PASSWORD = "correct horse battery 42"
NEW = "a different long phrase 7"


@pytest.fixture
def officer():
    return accounts.create_user("officer", PASSWORD, "operator", polres=build_tree().a)


def signed_in(password: str = PASSWORD) -> Client:
    c = Client()
    r = c.post(LOGIN, {"username": "officer", "password": password})
    assert r.status_code == 302, r.status_code
    return c


def session_cookie(c: Client):
    return c.cookies[settings.SESSION_COOKIE_NAME]


# --- V3.2, V3.3, V3.4: session tokens -----------------------------------------------------------------------


def test_session_cookie_is_httponly_samesite_and_lives_the_configured_hours(officer):
    c = Client()
    r = c.post(LOGIN, {"username": "officer", "password": PASSWORD})
    cookie = session_cookie(c)
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["domain"]  # this host only
    assert settings.SESSION_COOKIE_AGE == 12 * 3600 and cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert cookie.value not in r["Location"]  # never in a URL
    assert len(cookie.value) >= 32  # Django's 32 characters of [a-z0-9] from secrets: > 160 bits
    assert c.get(ME).status_code == 200


def test_log_in_issues_a_new_session_id(officer):
    """Session fixation: an id planted before the log-in is not the one that becomes signed in."""
    planted = SessionStore()
    planted["seen"] = True
    planted.create()
    c = Client()
    c.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert c.post(LOGIN, {"username": "officer", "password": PASSWORD}).status_code == 302
    assert session_cookie(c).value != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert attacker.get(ME).status_code == 401


def test_log_out_ends_the_session_on_the_server(officer):
    c = signed_in()
    key = session_cookie(c).value
    assert c.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()  # the old cookie, e.g. from the back button or a copied header
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get(ME).status_code == 401
    assert replay.get("/dasbor/").status_code == 302  # to the log-in page


def test_an_expired_session_is_signed_out(officer):
    c = signed_in()
    key = session_cookie(c).value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert c.get(ME).status_code == 401


# --- V2.1.5, V2.1.6, V3.3.3: password change ----------------------------------------------------------------


def _change(c: Client, old: str, new1: str, new2: str | None = None):
    body = {"old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2}
    return c.post(PASSWORD_PAGE, body)


@pytest.mark.parametrize(
    ("old", "new1", "new2"),
    [
        ("not my password", NEW, None),  # the current password is required
        ("", NEW, None),
        (PASSWORD, NEW, NEW + "x"),  # the two new ones differ
        (PASSWORD, "kx9-mq2-zw7", None),  # 11 characters: fewer than 12
        (PASSWORD, "1234567890123", None),  # all digits
        (PASSWORD, "password1234", None),  # a common password
    ],
    ids=["wrong current", "no current", "mismatch", "11 characters", "all digits", "common"],
)
def test_a_refused_password_change_changes_nothing(officer, old, new1, new2):
    c = signed_in()
    other = signed_in()
    r = _change(c, old, new1, new2)
    assert r.status_code == 400 and 'role="alert"' in r.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="accounts.user.password_changed").exists()
    assert c.get(ME).status_code == 200 and other.get(ME).status_code == 200


def test_a_password_change_needs_the_current_one_keeps_this_session_and_ends_the_others(officer):
    c = signed_in()
    other = signed_in()  # another device
    assert c.get(PASSWORD_PAGE).status_code == 200
    r = _change(c, PASSWORD, NEW)
    assert r.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW) and not officer.check_password(PASSWORD)
    assert c.get(ME).status_code == 200
    assert other.get(ME).status_code == 401
    row = AuditEntry.objects.get(action="accounts.user.password_changed", object_id=str(officer.pk))
    assert "argon2" not in json.dumps([row.before, row.after])  # no hash in the trail
    assert Client().post(LOGIN, {"username": "officer", "password": PASSWORD}).status_code == 200  # refused
    signed_in(NEW)


def test_twelve_characters_are_enough(officer):
    assert _change(signed_in(), PASSWORD, "kx9-mq2-zw7p").status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("kx9-mq2-zw7p")


def test_long_unicode_passwords_are_kept_whole(officer):
    """V2.1.2-V2.1.4: 64+ characters, spaces and emoji accepted; no truncation."""
    c = signed_in()
    long = "kata sandi panjang 🚓 " * 5  # 110 characters
    assert _change(c, PASSWORD, long).status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(long) and not officer.check_password(long[:-1])


def test_wrong_current_passwords_count_towards_the_log_in_lockout(officer):
    c = signed_in()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        assert _change(c, f"guess-{attempt}", NEW).status_code in {400, 429}
    r = _change(c, PASSWORD, NEW)
    assert r.status_code == 429
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_the_password_page_needs_a_session():
    r = Client().get(PASSWORD_PAGE)
    assert r.status_code == 302 and r["Location"].startswith(LOGIN)


# --- V8.2.1, V3.3.1: nothing a signed-in user sees is kept by a browser or proxy ----------------------------


def test_signed_in_answers_are_not_stored_public_ones_keep_their_caching(officer):
    c = signed_in()
    for url in (ME, "/dasbor/", "/"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert {"no-store", "private"} <= {d.strip() for d in r["Cache-Control"].split(",")}, url
    anonymous = Client().get("/")
    assert "no-store" not in anonymous.get("Cache-Control", "")
    feed = c.get("/alerts/atom.xml")  # a public feed sets its own, signed in or not
    assert feed.status_code == 200 and feed["Cache-Control"] == "public, max-age=60"


# --- V9, V14.4.5, V3.4.1, V3.4.4: TLS-only settings follow the environment ----------------------------------

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'debug': s.DEBUG, 'secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
    "'session_name': s.SESSION_COOKIE_NAME, 'csrf_name': s.CSRF_COOKIE_NAME, 'hsts': s.SECURE_HSTS_SECONDS,"
    "'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'proxy_ssl': s.SECURE_PROXY_SSL_HEADER}))"
)


def _settings_with(tmp_path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIAGA_")}
    clean.update(DJANGO_SETTINGS_MODULE="siaga.settings", SIAGA_DATA_DIR=str(tmp_path), **env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_tls_settings_are_off_by_default_and_on_when_the_environment_says_so(tmp_path):
    plain = _settings_with(tmp_path)
    assert plain == {
        "debug": False,
        "secure": False,
        "csrf_secure": False,
        "session_name": "sessionid",
        "csrf_name": "csrftoken",
        "hsts": 0,
        "subdomains": True,
        "proxy_ssl": None,
    }
    tls = _settings_with(
        tmp_path, SIAGA_SECURE_COOKIES="1", SIAGA_HSTS_SECONDS="31536000", SIAGA_PROXY_COUNT="1"
    )
    assert tls == {
        "debug": False,
        "secure": True,
        "csrf_secure": True,
        "session_name": "__Host-sessionid",
        "csrf_name": "__Host-csrftoken",
        "hsts": 31536000,
        "subdomains": True,
        "proxy_ssl": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_hsts_is_sent_over_https_behind_the_proxy_and_not_over_http(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    c = Client()
    r = c.get(LOGIN, HTTP_X_FORWARDED_PROTO="https")
    assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in c.get(LOGIN)  # plain HTTP: the header means nothing there


def test_secure_cookies_carry_the_secure_flag_and_the_host_prefix(settings, officer):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"
    c = Client()
    c.get(LOGIN, secure=True)
    assert c.cookies["__Host-csrftoken"]["secure"] is True
    assert c.post(LOGIN, {"username": "officer", "password": PASSWORD}, secure=True).status_code == 302
    cookie = c.cookies["__Host-sessionid"]
    assert cookie["secure"] is True and cookie["path"] == "/" and not cookie["domain"]
    assert c.get(ME, secure=True).status_code == 200


# --- V2.10.4, V6.4: the secret key comes from the environment or a private file, never from the code --------


def test_secret_key_comes_from_the_environment_or_a_private_generated_file(tmp_path, monkeypatch):
    import siaga.settings as conf

    monkeypatch.delenv("SIAGA_SECRET_KEY", raising=False)
    monkeypatch.setattr(conf, "DATA_DIR", tmp_path / "a")
    (tmp_path / "a").mkdir()
    first = conf._secret_key()
    key_file = tmp_path / "a" / "secret_key"
    assert len(first) >= 50 and key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert conf._secret_key() == first  # stable across restarts
    monkeypatch.setattr(conf, "DATA_DIR", tmp_path / "b")
    (tmp_path / "b").mkdir()
    assert conf._secret_key() != first  # each installation its own
    monkeypatch.setenv("SIAGA_SECRET_KEY", "from-the-environment-" + "x" * 40)
    assert conf._secret_key() == "from-the-environment-" + "x" * 40


# --- V7.4, V14.3: errors are generic; no versions; every answer says its content type -----------------------


def _boom(request):
    raise RuntimeError("internal-detail-7f3a in /srv/siaga/secret.py")


urlpatterns = [path("boom/", _boom), path("api/boom/", _boom)]


@pytest.mark.parametrize("url", ["/boom/", "/api/boom/"])
def test_an_unexpected_error_is_a_generic_page_with_the_request_id(settings, url):
    settings.ROOT_URLCONF = __name__
    assert settings.DEBUG is False
    r = Client(raise_request_exception=False).get(url, HTTP_X_REQUEST_ID="support-ticket-42")
    body = r.content.decode()
    assert r.status_code == 500
    assert "internal-detail" not in body and "Traceback" not in body and "secret.py" not in body
    assert r["X-Request-ID"] == "support-ticket-42"  # what support asks for


def test_no_version_headers_and_declared_content_types(officer):
    c = signed_in()
    for url, kind in [
        ("/api/core/health", "application/json"),
        (ME, "application/json"),
        ("/api/no/such/thing", "application/json"),
        ("/dasbor/", "text/html; charset=utf-8"),
        (LOGIN, "text/html; charset=utf-8"),
    ]:
        r = c.get(url)
        assert r["Content-Type"].startswith(kind), (url, r["Content-Type"])
        assert "Server" not in r and "X-Powered-By" not in r, url


# --- V12.1.1, V13.1.5: bodies too large or of the wrong type ------------------------------------------------


def test_a_request_body_over_the_limit_is_refused_and_stores_nothing():
    from siaga.portal.models import Sos

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440  # Django's 2.5 MB for bodies other than files
    build_tree()  # a Polres to receive the SOS
    c = Client()
    sos = json.dumps({"key": "asvs-size-limit-0001"})
    padded = sos + " " * settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # the same JSON, only too long
    r = c.post("/api/portal/sos", padded, content_type="application/json")
    assert r.status_code == 400 and not Sos.objects.exists()
    assert c.post("/api/portal/sos", sos, content_type="application/json").status_code in {200, 201}
    assert Sos.objects.count() == 1


# --- V2.8.4: a TOTP code works once -------------------------------------------------------------------------


def test_a_totp_code_is_accepted_once(officer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.test_auth import token_for

    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    code = token_for(device)
    first = signed_in()
    assert first.post("/accounts/2fa/", {"token": code}).status_code == 302
    assert first.get(ME).status_code == 200
    second = signed_in()  # someone who saw the code and knows the password
    r = second.post("/accounts/2fa/", {"token": code})
    assert r.status_code == 200 and second.get(ME).json()["code"] == "2fa_required"


# --- V13.2.3, V14.5.3: the cookie-authenticated API needs the CSRF token; no cross-origin reads -------------


def test_the_api_refuses_a_signed_in_write_without_the_csrf_token(officer):
    c = Client(enforce_csrf_checks=True)
    c.force_login(officer)
    r = c.post("/api/cad/incidents", "{}", content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "http_403"  # CSRF check failed
    token = "a" * 32  # with a token (cookie and header agree) the same call gets past CSRF to validation
    c.cookies[settings.CSRF_COOKIE_NAME] = token
    r = c.post("/api/cad/incidents", "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 422
    r = c.post(PASSWORD_PAGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 403
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_no_cross_origin_access_is_granted(officer):
    c = signed_in()
    for method in (c.get, c.options):
        r = method(ME, HTTP_ORIGIN="https://evil.example")
        assert not any(h.lower().startswith("access-control-") for h in r.headers), r.headers


# --- V4.3.2, V12.4.1, V12.5: no listings, uploads not served, only packaged static files --------------------


def test_no_directory_listing_and_no_direct_access_to_uploads(officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    c = signed_in()
    for url in ("/media/", "/media/portal/photo.jpg", "/static/", "/static/../settings.py", "/.git/config"):
        assert c.get(url).status_code == 404, url


def test_uploaded_files_are_private_to_the_service(settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    name = FileSystemStorage(location=tmp_path).save("cad/attachments/2026/01/a.txt", ContentFile(b"x"))
    assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "cad" / "attachments").stat().st_mode) == 0o700


# --- V7.1.1: no password reaches a log line -----------------------------------------------------------------


def test_passwords_never_reach_the_logs(officer, caplog):
    caplog.set_level("DEBUG")
    Client().post(LOGIN, {"username": "officer", "password": "wrong-but-secret-9876"})
    c = signed_in()
    _change(c, "another-secret-5432", NEW)
    _change(c, PASSWORD, "kx9-mq2-zw7")
    assert caplog.records  # the refusals were logged
    for secret in ("wrong-but-secret-9876", "another-secret-5432", PASSWORD):
        assert secret not in caplog.text


# --- V14.1.3: Django's deployment check passes behind TLS ---------------------------------------------------


def test_the_deployment_check_is_clean_behind_tls(tmp_path):
    """Only two warnings remain, both by design: the proxy redirects HTTP to HTTPS (W008) and HSTS preload is
    the operator's decision (W021)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIAGA_")}
    env.update(
        DJANGO_SETTINGS_MODULE="siaga.settings",
        SIAGA_DATA_DIR=str(tmp_path),
        SIAGA_SECURE_COOKIES="1",
        SIAGA_HSTS_SECONDS="31536000",
        SIAGA_PROXY_COUNT="1",
        SIAGA_ALLOWED_HOSTS="siaga.polres.example.id",
        SIAGA_SECRET_KEY="k" * 10 + "Zq8#p1LmN0vB7xC2sD4fG6hJ9kL3mN5bV8cX1zA7sD0fG",
    )
    command = [sys.executable, "-m", "django", "check", "--deploy"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    found = set(re.findall(r"\((security\.[WE]\d+)\)", out.stdout + out.stderr))
    assert found == {"security.W008", "security.W021"}, out.stdout + out.stderr
