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
