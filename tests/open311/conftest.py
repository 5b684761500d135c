"""Open311 fixtures: the portal's operations-room world (clean cache per test) and a live API key."""

from __future__ import annotations

import pytest

from siaga.core.context import acting

from ..portal.conftest import *  # noqa: F403
from ..portal.conftest import clean_cache  # noqa: F401


@pytest.fixture
def api_key(ops):
    """(record, key in clear) of a third-party app's key for the test Polres."""
    from siaga.open311 import keys

    with acting(None, "test-open311"):
        return keys.create_key(None, name="Aplikasi Uji", contact="dev@uji.example", polres=ops.polres)
