"""The demo case files, built over a small world through the case-file service."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.mapping import casefiles, problems, profile_demo
from siaga.mapping.models import CaseFile
from tests.core.world import K1, K2

from .conftest import PASSWORD
from .test_casefiles import incident

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def test_demo_case_files(w):
    t = w.tree
    with acting(None, "t"):
        bhabin = create_user("bhabin", PASSWORD, "bhabin", validate=False, polsek=t.s1, kelurahan_code=K1)
        create_user("kabagops", PASSWORD, "kabag_ops", validate=False, polres=t.a)
    with acting(w.u("bhabin_k2"), "t"):
        problems.create(w.u("bhabin_k2"), title="Tawuran", kind="brawl", source="visit", kelurahan_code=K2)
    for n in range(4):
        incident(t, f"C{n}", NOW - dt.timedelta(weeks=7 + n), category="curanmor")
    incident(t, "C9", NOW - dt.timedelta(weeks=2), category="curanmor")
    assert profile_demo.build(t.a, NOW) == {"casefiles": 3}
    by_stage = {c.stage: c for c in CaseFile.objects.all()}
    assert set(by_stage) == {"response", "analysis", "scanning"}
    first = by_stage["response"]
    assert first.categories == ["curanmor"] and first.incidents.count() == 4
    imp = casefiles.impact(bhabin, first, now=NOW)
    assert (imp.status, imp.before, imp.after) == ("measured", 4, 1)
    assert by_stage["scanning"].area_level == "kecamatan"
