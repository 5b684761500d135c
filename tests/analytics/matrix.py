"""The analytics app's part of the permission matrix (tests/core/test_permission_matrix.py).

Risk snapshots sit at K1 (Polsek S1), K1B (S1), K2 (S2), at Polres A level (a kecamatan row without
Polsek or kelurahan) and at KB (Polres B): read by the command, operations, Intelkam, analysts and the
Bhabinkamtibmas of the kelurahan; written only by the weekly computation (the administrator aside).
Risk configs (one per Polres) are read by the command, Kabag Ops and analysts and set by the last two.
"""

from __future__ import annotations

import datetime as dt

from siaga.analytics.models import RiskConfig, RiskSnapshot

MODELS = {
    "analytics.risksnapshot": (RiskSnapshot, lambda o: o.key),
    "analytics.riskconfig": (RiskConfig, lambda o: f"cfg_{o.polres.code}"),
}

SNAP = {
    "ALL": {"risk_k1", "risk_s1", "risk_k2", "risk_a", "risk_b"},
    "A": {"risk_k1", "risk_s1", "risk_k2", "risk_a"},
    "S1": {"risk_k1", "risk_s1"},
    "K1": {"risk_k1"},
    "K2": {"risk_k2"},
}
CFG = {"ALL": {"cfg_BKS", "cfg_DPK"}, "A": {"cfg_BKS"}}

TABLE = {
    ("analytics.risksnapshot", "view"): (
        SNAP,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops intelkam analyst operator dispatcher",
            "S1": "operator_s1",
            "K1": "bhabin_k1",
            "K2": "bhabin",
        },
    ),
    ("analytics.risksnapshot", "change"): (SNAP, {"ALL": "admin_all", "A": "admin"}),
    ("analytics.riskconfig", "view"): (
        CFG,
        {"ALL": "admin_all commander_polda", "A": "admin commander kabag_ops analyst"},
    ),
    ("analytics.riskconfig", "change"): (CFG, {"ALL": "admin_all", "A": "admin kabag_ops analyst"}),
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
    week = dt.date(2026, 10, 26)
    for key, (polres, polsek, kel) in places.items():
        RiskSnapshot.objects.create(
            polres=polres, polsek=polsek, kelurahan_code=kel, level="kelurahan" if kel else "kecamatan",
            key=f"risk_{key}", name=key, week=week, score=1.0, components={"incidents": 1.0},
            raw_class="aman", risk_class="aman", computed_at=now,
        )  # fmt: skip
    RiskConfig.objects.create(polres=tree.a)
    RiskConfig.objects.create(polres=tree.b)
