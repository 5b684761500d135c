"""The legal app's part of the permission matrix (tests/core/test_permission_matrix.py).

The library (legal.regulation) is public reference data: every active account reads it, Si Kum and
admins change it. Consultations (legal.consultation) belong to a Polres: its commander reads them, its
Si Kum reads and answers them; a Polda commander reads those of the Polda's Polres.
"""

from __future__ import annotations

from siaga.legal.models import Consultation, Regulation
from tests.core.world import ACTIVE

MODELS = {
    "legal.regulation": (Regulation, lambda o: o.slug),
    "legal.consultation": (Consultation, lambda o: o.key),
}

REGULATIONS = {"ALL": {"uu-2-2002", "uu-1-2023"}}
CONSULTATIONS = {"ALL": {"cons_a", "cons_b"}, "A": {"cons_a"}}

TABLE = {
    ("legal.regulation", "view"): (REGULATIONS, {"ALL": ACTIVE}),
    ("legal.regulation", "change"): (REGULATIONS, {"ALL": "admin admin_all sikum"}),
    ("legal.consultation", "view"): (
        CONSULTATIONS,
        {"ALL": "admin_all commander_polda", "A": "admin commander sikum"},
    ),
    ("legal.consultation", "change"): (CONSULTATIONS, {"ALL": "admin_all", "A": "admin sikum"}),
}


def build(tree, users, now) -> None:
    for number, year, title in (("2", 2002, "Kepolisian"), ("1", 2023, "KUHP")):
        Regulation.objects.create(
            slug=f"uu-{number}-{year}", kind="UU", number=number, year=year, title=title, updated_at=now
        )
    for name, polres in (("cons_a", tree.a), ("cons_b", tree.b)):
        Consultation.objects.create(
            polres=polres,
            key=name,
            tracking_code=name,
            topic="pidana",
            question="matrix",
            created_at=now,
            updated_at=now,
        )
