"""The open311 part of the permission matrix (tests/core/test_permission_matrix.py): API keys are seen
and changed by administrators only — within their own scope — and by no other role."""

from __future__ import annotations

from siaga.open311 import keys
from siaga.open311.models import ApiKey

MODELS = {"open311.apikey": (ApiKey, lambda o: o.name)}

KEYS = {"ALL": {"key_a", "key_b"}, "A": {"key_a"}}

TABLE = {
    ("open311.apikey", "view"): (KEYS, {"ALL": "admin_all", "A": "admin"}),
    ("open311.apikey", "change"): (KEYS, {"ALL": "admin_all", "A": "admin"}),
}


def build(tree, users, now) -> None:
    keys.create_key(None, name="key_a", contact="a@app.example", polres=tree.a, at=now)
    keys.create_key(None, name="key_b", contact="b@app.example", polres=tree.b, at=now)
