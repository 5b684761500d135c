"""The permits app's part of the permission matrix (tests/core/test_permission_matrix.py).

Requests and SKCK slots at K1 (Polsek S1), S2 (Polsek S2), Polres A without a Polsek, and Polres B.
The read gate is role × jurisdiction; which unit acts on which kind is narrowed in the services
(tests/permits/test_access.py), not here.
"""

from __future__ import annotations

import datetime as dt

from siaga.permits.models import Request, Slot

# capacities name the slots (the label function reads them)
CAPACITY = {"s1": 11, "s2": 12, "a": 13, "b": 14}

MODELS = {
    "permits.request": (Request, lambda o: o.key),
    "permits.slot": (Slot, lambda o: "slot_" + {v: k for k, v in CAPACITY.items()}[o.capacity]),
}

REQUESTS = {
    "ALL": {"req_s1", "req_s2", "req_a", "req_b"},
    "A": {"req_s1", "req_s2", "req_a"},
    "S1": {"req_s1"},
    "B": {"req_b"},
}
SLOTS = {k: {n.replace("req_", "slot_") for n in v} for k, v in REQUESTS.items()}

TABLE = {
    ("permits.request", "view"): (
        REQUESTS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator intelkam",
            "S1": "operator_s1",
        },
    ),
    ("permits.request", "change"): (
        REQUESTS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator intelkam",
            "S1": "operator_s1",
        },
    ),
    ("permits.slot", "view"): (
        SLOTS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator intelkam",
            "S1": "operator_s1",
        },
    ),
    ("permits.slot", "change"): (SLOTS, {"ALL": "admin_all", "A": "admin intelkam"}),
}


def build(tree, users, now) -> None:
    places = {"s1": (tree.a, tree.s1), "s2": (tree.a, tree.s2), "a": (tree.a, None), "b": (tree.b, tree.sb)}
    for name, (polres, polsek) in places.items():
        slot = Slot.objects.create(
            polres=polres,
            polsek=polsek,
            starts_at=now + dt.timedelta(days=3),
            ends_at=now + dt.timedelta(days=3, hours=1),
            capacity=CAPACITY[name],
            created_at=now,
        )
        Request.objects.create(
            polres=polres,
            polsek=polsek,
            kind="skck",
            tracking_code=f"req_{name}",
            secret_hash="x",
            key=f"req_{name}",
            name="matrix",
            nik="3275014512900001",
            slot=slot,
            created_at=now,
            updated_at=now,
        )
