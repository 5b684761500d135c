"""The info app's part of the permission matrix (tests/core/test_permission_matrix.py).

Bulletins and alerts belong to a Polres; a Polsek- or kelurahan-scoped user sees those of the Polres over
their Polsek. Every staff role reads them; Humas, the commander and Kabag Ops (and the admin) write them.
"""

from __future__ import annotations

from siaga.info.models import Alert, Bulletin

MODELS = {
    "info.bulletin": (Bulletin, lambda o: o.slug),
    "info.alert": (Alert, lambda o: o.slug),
}

BULLETINS = {"ALL": {"bul_a", "bul_b"}, "A": {"bul_a"}, "B": {"bul_b"}}
ALERTS = {"ALL": {"alert_a", "alert_b"}, "A": {"alert_a"}, "B": {"alert_b"}}
VIEWERS_A = (
    "admin commander kabag_ops operator dispatcher patrol intelkam analyst lantas staff humas sikum"
    " bhabin operator_s1 bhabin_k1"
)
WRITERS = {"ALL": "admin_all commander_polda", "A": "admin commander kabag_ops humas"}

TABLE = {
    ("info.bulletin", "view"): (
        BULLETINS,
        {"ALL": "admin_all commander_polda", "A": VIEWERS_A, "B": "patrol_b"},
    ),
    ("info.bulletin", "change"): (BULLETINS, WRITERS),
    ("info.alert", "view"): (ALERTS, {"ALL": "admin_all commander_polda", "A": VIEWERS_A, "B": "patrol_b"}),
    ("info.alert", "change"): (ALERTS, WRITERS),
}


def build(tree, users, now) -> None:
    for key, polres in (("a", tree.a), ("b", tree.b)):
        Bulletin.objects.create(
            polres=polres,
            slug=f"bul_{key}",
            category="umum",
            title=f"bul_{key}",
            body="matrix",
            created_at=now,
            updated_at=now,
        )
        Alert.objects.create(
            polres=polres,
            slug=f"alert_{key}",
            identifier=f"alert_{key}",
            sender="matrix@siaga.local",
            categories=["Safety"],
            event="matrix",
            urgency="Expected",
            severity="Minor",
            certainty="Likely",
            headline="matrix",
            area_desc="matrix",
            created_at=now,
            updated_at=now,
        )
