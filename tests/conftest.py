"""Shared fixtures: a small Polda → Polres → Polsek tree and users of every role and scope.

Service-backed tests (PostgreSQL, Redis, MQTT, Chromium) skip locally with a reason when the
service is absent, and fail under CI=true, where .ci/run has started them.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from siaga.core.context import acting

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, reason: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pytest_configure(config):
    config.addinivalue_line("markers", "production_hashers: hash passwords with the real argon2 costs")


@pytest.fixture(autouse=True)
def fast_argon2(request, settings):
    """Argon2 at test-sized costs (the production costs take ~0.5 s a hash); same algorithm, same format.

    Tests marked `production_hashers` keep settings.PASSWORD_HASHERS exactly as configured."""
    if request.node.get_closest_marker("production_hashers") is None:
        settings.PASSWORD_HASHERS = [
            "tests.accounts.hashers.FastArgon2PasswordHasher",
            *settings.PASSWORD_HASHERS,
        ]


@pytest.fixture
def need_redis():
    require(port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/15"


@pytest.fixture
def need_chromium():
    require(
        shutil.which("chromium") is not None or os.path.exists("/usr/bin/chromium"),
        "Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    )
    return "/usr/bin/chromium"


@pytest.fixture
def system():
    """Run a block as the system (no user), e.g. to build fixtures through services."""
    with acting(None, "test-setup"):
        yield


def _postgres_url_reachable() -> bool:
    from urllib.parse import urlparse

    url = urlparse(os.environ.get("SIAGA_DATABASE_URL", ""))
    return port_open(url.hostname or "127.0.0.1", url.port or 5432)


@pytest.fixture
def need_postgres():
    """For tests/services/test_postgres_*.py: they run when the suite runs on PostgreSQL.

    On SQLite they skip, locally and under CI (.ci/run runs the suite a second time on PostgreSQL);
    with SIAGA_DATABASE_URL set to a PostgreSQL server that cannot be reached, they fail under CI=true.
    """
    from django.db import connection

    url = os.environ.get("SIAGA_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        require(_postgres_url_reachable(), f"PostgreSQL at {url} is not reachable")
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL: set SIAGA_DATABASE_URL=postgresql://…")
    return connection


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level messages in English, so assertions read the msgids. Requests still pick their
    language by LocaleMiddleware (Bahasa Indonesia by default), which the i18n tests check."""
    from django.utils import translation

    with translation.override("en"):
        yield
