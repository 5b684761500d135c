"""Legal fixtures: the small command tree of tests/core/world.py (Polres A and B), Si Kum and other users,
the bundled library, and a clean cache (rate limits) per test."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.legal import library

from ..core.world import build_tree

PASSWORD = "Sandi-Rahasia-123"


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Legal:
    tree: object
    users: dict

    def u(self, name):
        return self.users[name]

    @property
    def polres(self):
        return self.tree.a


@pytest.fixture
def legal(db):
    with acting(None, "test-legal"):
        t = build_tree()
        users = {}
        for name, role, scope in [
            ("sikum", "sikum", {"polres": t.a}),
            ("sikum2", "sikum", {"polres": t.a}),
            ("sikum_b", "sikum", {"polres": t.b}),
            ("commander", "commander", {"polres": t.a}),
            ("operator", "operator", {"polres": t.a}),
            ("humas", "humas", {"polres": t.a}),
            ("citizen", "citizen", {}),
            ("admin", "admin", {}),
        ]:
            users[name] = create_user(name, PASSWORD, role, validate=False, **scope)
        library.load_seed()
    return Legal(t, users)


def key(n: int | str) -> str:
    return f"test-legal-key-{n:>06}"
