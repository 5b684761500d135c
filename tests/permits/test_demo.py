"""The app's demo content, built on the small test tree: every kind in every state, an issued SKTLK that
verifies, slots with bookings, a rejected demonstration notice and forbidden places."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siaga.core import audit
from siaga.permits import demo, letters
from siaga.permits.models import ForbiddenPlace, Request, Slot

from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_demo_has_every_kind_in_every_state(pw):
    counts = demo.build(pw.tree.a, timezone.now(), seed=1)
    assert counts["sktlk"] == 7 and counts["skck"] == 7 and counts["slots"] > 0
    states = {}
    for kind, status in Request.objects.values_list("kind", "status"):
        states.setdefault(kind, set()).add(status)
    assert states["sktlk"] == {
        "submitted",
        "in_review",
        "needs_fix",
        "approved",
        "rejected",
        "revoked",
        "cancelled",
    }
    assert states["skck"] == {"submitted", "in_review", "needs_fix", "approved", "rejected", "cancelled"}
    assert states["keramaian"] == {"submitted", "in_review", "approved", "rejected", "forwarded"}
    assert states["unjuk_rasa"] == {"submitted", "approved", "needs_fix", "rejected", "forwarded"}
    issued = Request.objects.get(kind="sktlk", status="approved")
    assert letters.verification(issued.verify_code)["state"] == "valid"
    refused = Request.objects.get(kind="unjuk_rasa", status="rejected")
    assert "UU 9/1998 Pasal 9" in refused.reason
    assert Slot.objects.filter(booked__gt=0).exists()
    assert set(ForbiddenPlace.objects.values_list("kind", flat=True)) == {"military", "vital"}
    assert audit.verify().ok
