"""The patrol plans' part of the permission matrix (tests/core/test_permission_matrix.py).

Plans sit at Polres A level (no Polsek), at Polsek S1, at Polsek S2 and at Polres B (Polsek SB): read by
the command, operations (patrol officers included), analysts and the Bhabinkamtibmas of the Polsek;
drawn up and published by Kabag Ops, analysts and dispatchers. Items are read through their plan.
"""

from __future__ import annotations

import datetime as dt

from siaga.analytics.models import PatrolPlan

MODELS = {"analytics.patrolplan": (PatrolPlan, lambda o: o.shift)}

PLANS = {
    "ALL": {"plan_a", "plan_s1", "plan_s2", "plan_b"},
    "A": {"plan_a", "plan_s1", "plan_s2"},
    "S1": {"plan_s1"},
    "S2": {"plan_s2"},
    "B": {"plan_b"},
}

TABLE = {
    ("analytics.patrolplan", "view"): (
        PLANS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher patrol analyst",
            "S1": "operator_s1 bhabin_k1",
            "S2": "bhabin",
            "B": "patrol_b",
        },
    ),
    ("analytics.patrolplan", "change"): (
        PLANS,
        {"ALL": "admin_all", "A": "admin kabag_ops analyst dispatcher"},
    ),
}


def build(tree, users, now) -> None:
    places = {"a": (tree.a, None), "s1": (tree.a, tree.s1), "s2": (tree.a, tree.s2), "b": (tree.b, tree.sb)}
    for key, (polres, polsek) in places.items():
        PatrolPlan.objects.create(
            polres=polres,
            polsek=polsek,
            date=now.date(),
            shift=f"plan_{key}",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=8),
            method="blend",
            created_at=now,
        )
