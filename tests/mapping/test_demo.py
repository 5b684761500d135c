"""The demo's mapping content, made through the services (mapping.demo.build)."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.accounts.services import create_user
from siaga.core import audit
from siaga.core.context import acting
from siaga.mapping import demo, informants
from siaga.mapping.models import Broadcast, Informant, Partner, Potential, Problem, ProblemStatus, Visit
from tests.core.world import K1

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


def test_demo_fills_every_register(w):
    t = w.tree
    with acting(None, "t"):
        create_user("bhabin", "x", "bhabin", validate=False, polsek=t.s1, kelurahan_code=K1)
    intel = w.u("intelkam")  # the fixture's intelkam and humas carry the demo's login names
    counts = demo.build(t.a, NOW, seed=1)
    assert counts == {
        "problems": 6,
        "visits": 3,
        "potentials": 7,
        "partners": 4,
        "informants": 2,
        "casefiles": 3,
    }
    assert Problem.objects.count() == 7  # one raised during a visit
    assert set(Problem.objects.values_list("status", flat=True)) == set(ProblemStatus.values)
    assert set(Problem.objects.values_list("level", flat=True)) == {"PG", "AG", "GN"}
    assert Visit.objects.filter(problems__isnull=False).distinct().count() == 2
    assert set(Potential.objects.values_list("kind", flat=True)) == {
        "person",
        "activity",
        "natural",
        "network",
    }
    assert Broadcast.objects.get().recipients.count() == Partner.objects.count() == 4
    i = Informant.objects.get(code_name="MERPATI")
    assert informants.reveal(intel, i.pk)["name"] == "Informan Fiktif Satu"
    assert audit.verify().ok


def test_demo_without_the_logins_makes_nothing(w):
    assert demo.build(w.tree.a, NOW) == {}
    assert not Problem.objects.exists()
