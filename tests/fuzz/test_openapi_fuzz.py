"""Schema fuzzing of the whole JSON API (schemathesis against /api/openapi.json), in process over WSGI.

Every operation, each example sent as four people: the installation's administrator, an operator of
Polres A, a Bhabinkamtibmas of one kelurahan, and an anonymous visitor, over the permission matrix's
world (records of every kind in two Polres, so ids exist). The checks: no server error (5xx), every
response matches its declared schema, status code and content type. Bounded budget:
SIAGA_FUZZ_EXAMPLES examples per operation (3 by default; raise it locally for a deeper run). The schema
declares no OpenAPI links, so there is no stateful phase.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis import checks

from siaga.api import api
from siaga.core.context import acting
from siaga.wsgi import application
from tests.core.test_permission_matrix import _build

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("SIAGA_FUZZ_EXAMPLES", "3"))
CSRF = "fuzzcsrf0123456789abcdefghijklmn"  # 32 characters: an unmasked CSRF secret
AS = ["admin_all", "operator", "bhabin", None]
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    checks.content_type_conformance,
]

# Built from the API object, not fetched: no request (and no database connection) at collection time.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = application


@pytest.fixture(scope="module")
def sessions(django_db_setup, django_db_blocker):
    """The matrix world, built once inside a transaction rolled back at the end, with a session each."""
    fast = ["tests.accounts.hashers.FastArgon2PasswordHasher"]
    # The WSGI handler would close the test's connection around each request (and with it the open
    # transaction); Django's own test client disconnects the same signal for the same reason.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=fast),
            acting(None, "fuzz"),
            transaction.atomic(),
        ):
            users = _build()
            keys = {}
            for name in AS:
                if name is None:
                    continue
                s = SessionStore()
                s[SESSION_KEY] = str(users[name].pk)
                s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                s[HASH_SESSION_KEY] = users[name].get_session_auth_hash()
                s.create()
                keys[name] = s.session_key
            yield keys
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: a CI failure reproduces locally
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case, sessions, django_db_blocker):
    with django_db_blocker.unblock():
        for name in AS:
            cookies = {"csrftoken": CSRF}
            if name:
                cookies["sessionid"] = sessions[name]
            headers = {"X-CSRFToken": CSRF, "Referer": "http://testserver/"}
            # Each request in a savepoint rolled back after it, as each request is its own transaction in
            # production: a query PostgreSQL refused (answered 422) must not poison the next request.
            with transaction.atomic():
                case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)
                transaction.set_rollback(True)
