"""The demo's legal content: the library, and consultations in every state with one in the FAQ,
made through the services (the demo builder calls legal.demo.build after the portal's demo)."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.core import audit
from siaga.legal import demo
from siaga.legal.models import Consultation, ConsultationStatus, FaqEntry, KuhpMapping, Regulation

from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


def test_demo_has_the_library_and_consultations_in_every_state(legal):
    counts = demo.build(legal.polres, NOW, seed=3)
    assert counts["consultations"] == len(demo.QUESTIONS)
    assert Regulation.objects.count() >= 15 and KuhpMapping.objects.count() >= 10
    assert set(Consultation.objects.values_list("status", flat=True)) == set(ConsultationStatus.values)
    assert FaqEntry.objects.filter(consultation__isnull=False, published=True).count() == 1
    assert all(c.polres == legal.polres for c in Consultation.objects.all())
    assert audit.verify().ok


def test_demo_without_the_si_kum_login_still_loads_the_library(db):
    from siaga.core.context import acting
    from tests.core.world import build_tree

    with acting(None, "t"):
        t = build_tree()
    counts = demo.build(t.a, NOW)
    assert "consultations" not in counts and Regulation.objects.exists()
