"""The open311 demo: one app key (hash only) and a few reports filed through Open311 by that app."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.open311 import demo, keys
from siaga.open311.models import ApiKey, Submission
from siaga.portal import reports
from siaga.portal.models import Report

from ..cad.ops_fixtures import P_S1, P_S2
from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_demo_makes_a_key_and_requests_through_open311(ops, capsys):
    for n, (lon, lat) in enumerate([P_S1, P_S2]):
        reports.submit_report(
            key=f"portal-demo-key-{n:04d}xx",
            category="curat",
            description="Rumah dibobol saat kosong.",
            lat=lat,
            lon=lon,
            device=f"d{n}",
        )
    now = dt.datetime.now(dt.UTC)
    counts = demo.build(ops.polres, now, seed=5)
    assert counts == {"open311_keys": 1, "open311_requests": 2}
    k = ApiKey.objects.get()
    assert k.key_hash == keys.digest(demo.demo_key(5)) and demo.demo_key(5) not in str(
        ApiKey.objects.values().get()
    )
    subs = Submission.objects.select_related("report")
    assert subs.count() == 2 and all(s.api_key == k for s in subs)
    assert {s.report.category for s in subs} == {"laka", "keributan"}
    assert Report.objects.count() == 4 and k.last_used_at is not None
    assert demo.demo_key(5) not in capsys.readouterr().out
    assert sorted(s.report.status for s in subs) == ["closed", "new"]  # the SPKT worked on them
