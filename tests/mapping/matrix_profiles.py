"""Case files' part of the permission matrix (tests/core/test_permission_matrix.py).

A case file sits at K1 (Polsek S1), K1B (S1), K2 (S2), at Polres A level (no Polsek, no kelurahan) and at
KB (Polres B). Read by the command, Kabag Ops, Bhabinkamtibmas, Intelkam and analysts; written by Kabag
Ops, Bhabinkamtibmas, Intelkam and analysts. A Bhabinkamtibmas sees only his kelurahan.
"""

from __future__ import annotations

from siaga.mapping.models import CaseFile

MODELS = {"mapping.casefile": (CaseFile, lambda o: o.title)}

CASES = {
    "ALL": {"case_k1", "case_s1", "case_k2", "case_a", "case_b"},
    "A": {"case_k1", "case_s1", "case_k2", "case_a"},
    "K1": {"case_k1"},
    "K2": {"case_k2"},
}

TABLE = {
    ("mapping.casefile", "view"): (
        CASES,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops intelkam analyst",
            "K1": "bhabin_k1",
            "K2": "bhabin",
        },
    ),
    ("mapping.casefile", "change"): (
        CASES,
        {"ALL": "admin_all", "A": "admin kabag_ops intelkam analyst", "K1": "bhabin_k1", "K2": "bhabin"},
    ),
}


def build(tree, users, now) -> None:
    from tests.core.world import K1, K1B, K2, KB

    places = {
        "k1": (tree.a, tree.s1, K1),
        "s1": (tree.a, tree.s1, K1B),
        "k2": (tree.a, tree.s2, K2),
        "a": (tree.a, None, ""),
        "b": (tree.b, tree.sb, KB),
    }
    for key, (polres, polsek, kel) in places.items():
        CaseFile.objects.create(
            title=f"case_{key}", area_level="kelurahan" if kel else "kecamatan", area_key=kel or "32.75.01",
            polres=polres, polsek=polsek, kelurahan_code=kel, created_at=now, updated_at=now,
        )  # fmt: skip
