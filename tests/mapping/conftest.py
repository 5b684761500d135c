"""Mapping fixtures: the command tree of tests/core/world.py, one user per role that matters, and a
fresh field key per test (never the working tree's var/field_key)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from siaga.accounts.services import create_user
from siaga.core.context import acting

from ..core.world import K1, K2, World, build_tree

PASSWORD = "Sandi-Rahasia-123"


@pytest.fixture(autouse=True)
def field_key(monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SIAGA_FIELD_KEY", key)
    return key


@pytest.fixture
def w(db):
    with acting(None, "test-mapping"):
        t = build_tree()
        users = {}
        for name, role, scope in [
            ("bhabin_k1", "bhabin", {"polsek": t.s1, "kelurahan_code": K1}),
            ("bhabin_k2", "bhabin", {"polsek": t.s2, "kelurahan_code": K2}),
            ("intelkam", "intelkam", {"polres": t.a}),
            ("intelkam_b", "intelkam", {"polres": t.b}),
            ("kabag_ops", "kabag_ops", {"polres": t.a}),
            ("analyst", "analyst", {"polres": t.a}),
            ("operator", "operator", {"polres": t.a}),
            ("commander", "commander", {"polres": t.a}),
            ("humas", "humas", {"polres": t.a}),
            ("partner", "partner", {"polres": t.a}),
            ("citizen", "citizen", {}),
            ("admin", "admin", {"polres": t.a}),
        ]:
            users[name] = create_user(name, PASSWORD, role, validate=False, **scope)
    return World(t, users)
