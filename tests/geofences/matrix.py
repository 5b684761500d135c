"""The geofences app's part of the permission matrix (tests/core/test_permission_matrix.py).

Fences sit in Polsek S1 and S2 of Polres A, at Polres A level (no Polsek) and in Polsek SB of Polres B:
read by operations (commander, Kabag Ops, operators, dispatchers, patrol), Lantas and analysts of their
area; drawn by Kabag Ops and Lantas (the administrator aside). Rules and subject states carry the same
resource and their fence's place.
"""

from __future__ import annotations

from siaga.geofences.models import Geofence

MODELS = {"geofences.geofence": (Geofence, lambda o: o.name)}

FENCES = {
    "ALL": {"gf_s1", "gf_s2", "gf_a", "gf_b"},
    "A": {"gf_s1", "gf_s2", "gf_a"},
    "S1": {"gf_s1"},
    "B": {"gf_b"},
}

TABLE = {
    ("geofences.geofence", "view"): (
        FENCES,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher patrol lantas analyst",
            "S1": "operator_s1",
            "B": "patrol_b",
        },
    ),
    ("geofences.geofence", "change"): (FENCES, {"ALL": "admin_all", "A": "admin kabag_ops lantas"}),
}

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[107.0, -6.3], [107.1, -6.3], [107.1, -6.2], [107.0, -6.2], [107.0, -6.3]]],
}


def build(tree, users, now) -> None:
    for name, polres, polsek in (
        ("gf_s1", tree.a, tree.s1),
        ("gf_s2", tree.a, tree.s2),
        ("gf_a", tree.a, None),
        ("gf_b", tree.b, tree.sb),
    ):
        Geofence.objects.create(
            polres=polres, polsek=polsek, name=name, kind="custom", geometry=SQUARE, vertices=5,
            min_lon=107.0, min_lat=-6.3, max_lon=107.1, max_lat=-6.2, created_at=now, updated_at=now,
        )  # fmt: skip
