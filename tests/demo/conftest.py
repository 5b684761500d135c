"""One small demo (30 days of history, real boundaries, fewer RT) built once for all of tests/demo."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from siaga.territory import lookup

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # argon2 is slow by design
SEED = 7
DAYS = 30


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    from siaga.demo.build import build_demo

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        lookup.invalidate()
        result = build_demo(SEED, days=DAYS, rt_total=2000, console=False)
        yield result
        call_command("flush", interactive=False, verbosity=0)
        lookup.invalidate()


@pytest.fixture(scope="package")
def geo(demo, django_db_blocker):
    from siaga.demo.build import make_geo

    with django_db_blocker.unblock():
        return make_geo(demo.polres)


@pytest.fixture(scope="package")
def year(demo, geo, django_db_blocker):
    """A full year of generated history (numpy only, nothing written) for the rate checks."""
    from siaga.demo import history

    with django_db_blocker.unblock():
        return history.generate(SEED, demo.now, geo, days=365)
