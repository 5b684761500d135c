"""The mapping app's part of the permission matrix (tests/core/test_permission_matrix.py).

Each register has a record at K1 (Polsek S1), at K1B (S1), at K2 (S2), at Polres A level (no Polsek,
no kelurahan) and at KB (Polres B). Problems and potentials are read by the command, operations,
Binmas, Intelkam and analysts; visits by the command, Binmas, Intelkam and analysts; partners by the
command, Binmas, Intelkam and Humas; informants by Intelkam alone (and the administrator, who cannot
reveal identities: see siaga.mapping.informants.reveal). A Bhabinkamtibmas sees only his kelurahan.
"""

from __future__ import annotations

from siaga.mapping.models import Informant, Partner, Potential, Problem, Visit

MODELS = {
    "mapping.problem": (Problem, lambda o: o.title),
    "mapping.visit": (Visit, lambda o: o.place),
    "mapping.potential": (Potential, lambda o: o.name),
    "mapping.partner": (Partner, lambda o: o.name),
    "mapping.informant": (Informant, lambda o: o.code_name),
}

PLACES = ("k1", "s1", "k2", "a", "b")


def _sets(prefix: str) -> dict[str, set[str]]:
    return {
        "ALL": {f"{prefix}_{p}" for p in PLACES},
        "A": {f"{prefix}_{p}" for p in ("k1", "s1", "k2", "a")},
        "S1": {f"{prefix}_k1", f"{prefix}_s1"},
        "K1": {f"{prefix}_k1"},
        "K2": {f"{prefix}_k2"},
    }


PROBLEMS, VISITS, POTENTIALS, PARTNERS, INFORMANTS = (
    _sets(p) for p in ("prob", "visit", "pot", "partner", "inf")
)

TABLE = {
    ("mapping.problem", "view"): (
        PROBLEMS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops intelkam analyst operator dispatcher",
            "S1": "operator_s1",
            "K1": "bhabin_k1",
            "K2": "bhabin",
        },
    ),
    ("mapping.problem", "change"): (
        PROBLEMS,
        {"ALL": "admin_all", "A": "admin kabag_ops intelkam", "K1": "bhabin_k1", "K2": "bhabin"},
    ),
    ("mapping.visit", "view"): (
        VISITS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops intelkam analyst",
            "K1": "bhabin_k1",
            "K2": "bhabin",
        },
    ),
    ("mapping.visit", "change"): (
        VISITS,
        {"ALL": "admin_all", "A": "admin", "K1": "bhabin_k1", "K2": "bhabin"},
    ),
    ("mapping.potential", "view"): (
        POTENTIALS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops intelkam analyst operator dispatcher",
            "S1": "operator_s1",
            "K1": "bhabin_k1",
            "K2": "bhabin",
        },
    ),
    ("mapping.potential", "change"): (
        POTENTIALS,
        {"ALL": "admin_all", "A": "admin kabag_ops intelkam", "K1": "bhabin_k1", "K2": "bhabin"},
    ),
    ("mapping.partner", "view"): (
        PARTNERS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops intelkam humas",
            "K1": "bhabin_k1",
            "K2": "bhabin",
        },
    ),
    ("mapping.partner", "change"): (
        PARTNERS,
        {"ALL": "admin_all", "A": "admin intelkam humas", "K1": "bhabin_k1", "K2": "bhabin"},
    ),
    ("mapping.informant", "view"): (INFORMANTS, {"ALL": "admin_all", "A": "admin intelkam"}),
    ("mapping.informant", "change"): (INFORMANTS, {"ALL": "admin_all", "A": "admin intelkam"}),
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
        where = {"polres": polres, "polsek": polsek, "kelurahan_code": kel}
        Problem.objects.create(
            title=f"prob_{key}", kind="land", source="visit", created_at=now, updated_at=now, **where
        )
        Visit.objects.create(place=f"visit_{key}", date=now.date(), created_at=now, **where)
        Potential.objects.create(
            name=f"pot_{key}", kind="activity", category="market", created_at=now, **where
        )
        Partner.objects.create(name=f"partner_{key}", kind="fkpm", created_at=now, **where)
        Informant.objects.create(
            code_name=f"inf_{key}", identity="x", created_at=now, updated_at=now, **where
        )
