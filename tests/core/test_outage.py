"""A database out of reach answers 503 + Retry-After (JSON under /api/, a small page elsewhere), wherever in
the request it surfaces: in an API operation, in the session or login middleware before any view, in a
page. Other database errors stay 500. The errors are the ones Django raises: the driver's error wrapped
in django.db's, as a PostgreSQL restart produces them (tests/services/test_faults_under_load.py shows it
against a real server)."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from django.db import InterfaceError, OperationalError
from psycopg import errors as pg

from siaga.accounts.services import create_user
from siaga.core import outage
from siaga.core.context import acting
from siaga.portal.models import Report

pytestmark = pytest.mark.django_db


def wrapped(cause: Exception, cls=OperationalError) -> Exception:
    """`cause` as Django raises it: django.db's class, the driver's error as __cause__."""
    try:
        try:
            raise cause
        except Exception as e:
            raise cls(str(e)) from e
    except cls as dj:
        return dj


REFUSED = psycopg.OperationalError(
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
)


@pytest.mark.parametrize(
    ("exc", "unavailable", "busy"),
    [
        (wrapped(REFUSED), True, False),
        (wrapped(psycopg.OperationalError("consuming input failed: server closed the connection")), 1, 0),
        (wrapped(pg.AdminShutdown("terminating connection due to administrator command")), True, False),
        (wrapped(pg.CannotConnectNow("the database system is starting up")), True, False),
        (wrapped(pg.TooManyConnections("sorry, too many clients already")), True, False),
        (wrapped(pg.ConnectionFailure("connection failure")), True, False),
        (wrapped(psycopg.InterfaceError("the connection is closed"), InterfaceError), True, False),
        (InterfaceError("connection already closed"), True, False),
        (wrapped(pg.DeadlockDetected("deadlock detected\nDETAIL: blocked by process 7")), False, True),
        (wrapped(pg.SerializationFailure("could not serialize access")), False, True),
        (wrapped(pg.QueryCanceled("canceling statement due to statement timeout")), False, False),
        (wrapped(pg.LockNotAvailable("could not obtain lock on row: blocked")), False, False),
        (wrapped(sqlite3.OperationalError("database is locked")), False, True),
        (wrapped(sqlite3.OperationalError("no such table: core_auditentry")), False, False),
        (ValueError("connection refused"), False, False),
        (None, False, False),
    ],
)
def test_which_database_errors_are_an_outage_and_which_a_busy_retry(exc, unavailable, busy):
    assert outage.database_unavailable(exc) is bool(unavailable)
    assert outage.database_busy(exc) is bool(busy)


@pytest.fixture
def logged_in(client):
    with acting(None, "test"):
        user = create_user("root", "kata-sandi-uji-9", "admin")
    client.force_login(user)
    client.raise_request_exception = False  # answer as the server does, not re-raised into the test
    return client


@pytest.fixture
def sessions_unreachable(monkeypatch):
    """The session store cannot reach the database: the first thing a logged-in request touches."""

    def load(self):
        raise wrapped(REFUSED)

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", load)


def assert_api_refusal(r, code="unavailable", retry_after="5"):
    assert r.status_code == 503, r.content[:300]
    assert r["Retry-After"] == retry_after
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["code"] == code and body["detail"], body


def test_the_api_answers_503_json_when_the_session_middleware_cannot_reach_the_database(
    logged_in, sessions_unreachable
):
    assert_api_refusal(logged_in.get("/api/cad/incidents"))
    assert_api_refusal(logged_in.post("/api/cad/incidents", {}, content_type="application/json"))


def test_a_page_answers_a_small_503_page_when_the_database_is_out_of_reach(logged_in, sessions_unreachable):
    r = logged_in.get("/ops/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 503
    assert r["Retry-After"] == "5" and r["Content-Type"].startswith("text/html")
    text = r.content.decode()
    assert "briefly unavailable" in text and "Traceback" not in text
    assert 'http-equiv="refresh" content="5"' in text  # a GET page asks again by itself


def test_the_503_page_speaks_indonesian_by_default(logged_in, sessions_unreachable):
    r = logged_in.get("/ops/", HTTP_ACCEPT_LANGUAGE="id")
    assert r.status_code == 503
    assert 'lang="id"' in r.content.decode()


def test_an_api_operation_that_loses_the_database_answers_503_and_stores_nothing(client, monkeypatch):
    def lost(**kwargs):
        raise wrapped(pg.AdminShutdown("terminating connection due to administrator command"))

    monkeypatch.setattr("siaga.portal.reports.submit_report", lost)
    form = {"key": "k" * 20, "category": "pencurian", "description": "A motorbike was taken.", "lat": "-6.2"}
    assert_api_refusal(client.post("/api/portal/reports", form))
    assert not Report.objects.exists()


def test_a_deadlock_is_a_busy_retry_not_an_outage(client, monkeypatch):
    def deadlock(**kwargs):
        raise wrapped(pg.DeadlockDetected("deadlock detected"))

    monkeypatch.setattr("siaga.portal.reports.submit_report", deadlock)
    r = client.post("/api/portal/reports", {"key": "k" * 20})
    assert_api_refusal(r, code="busy", retry_after="1")


def test_other_database_errors_stay_server_errors(logged_in, client, monkeypatch):
    def broken(**kwargs):
        raise wrapped(pg.QueryCanceled("canceling statement due to statement timeout"))

    monkeypatch.setattr("siaga.portal.reports.submit_report", broken)
    client.raise_request_exception = False
    assert client.post("/api/portal/reports", {"key": "k" * 20}).status_code == 500

    def bug(self):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", bug)
    assert logged_in.get("/ops/").status_code == 500
    assert logged_in.get("/api/cad/incidents").status_code == 500


def test_readiness_says_database_down_when_the_connection_is_broken(client, monkeypatch):
    from django.db import connection

    def closed():
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(connection, "cursor", closed)
    r = client.get("/api/core/health/ready")
    assert r.status_code == 503
    assert r.json()["status"] == "down" and r.json()["database"] == "down"


def test_a_postgresql_connection_attempt_gives_up_after_the_connect_timeout(tmp_path):
    """A database host that does not answer fails the request after seconds, not TCP's minutes."""
    import json
    import os
    import subprocess
    import sys

    code = "import json; from siaga import settings; print(json.dumps(settings.DATABASES['default']))"
    env = {**os.environ, "SIAGA_DATA_DIR": str(tmp_path)}
    env.pop("SIAGA_DATABASE_CONNECT_TIMEOUT", None)

    def options(url: str, **extra) -> dict:
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, "SIAGA_DATABASE_URL": url, **extra},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1]).get("OPTIONS", {})

    assert options("postgresql://u@db.example:5432/siaga")["connect_timeout"] == 5
    shorter = options("postgresql://u@db.example/siaga", SIAGA_DATABASE_CONNECT_TIMEOUT="2")
    assert shorter["connect_timeout"] == 2
    assert options("postgresql://u@db.example/siaga?connect_timeout=9")["connect_timeout"] == 9  # URL wins


def test_a_refused_request_is_one_warning_line_not_a_traceback(logged_in, sessions_unreachable, caplog):
    with caplog.at_level("WARNING"):
        assert logged_in.get("/ops/").status_code == 503
    assert not [r for r in caplog.records if r.name == "django.request"]  # the 500 record is dropped
    lines = [r for r in caplog.records if r.name == "siaga.outage"]
    assert len(lines) == 1 and lines[0].levelname == "WARNING" and not lines[0].exc_info


def test_other_server_errors_are_still_logged_with_their_traceback(caplog):
    import logging

    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    try:
        raise ValueError("a bug")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert outage.OutageLogFilter().filter(record) is True
    try:
        raise wrapped(REFUSED)
    except Exception:
        import sys

        record.exc_info = sys.exc_info()
    assert outage.OutageLogFilter().filter(record) is False
