"""cad.reports.response_times on a hand-made set of incidents with known intervals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from siaga.cad import incidents, intake, reports, services
from siaga.core.context import acting
from siaga.core.errors import Invalid

from .ops_fixtures import *  # noqa: F403
from .ops_fixtures import P_S1, P_S2

pytestmark = pytest.mark.django_db

ANSWER = [5, 8, 12, 3, 20, 9, 10, 11, 6, 30]
DISPATCH = [40, 70, 55, 65, 30, 90, 60, 61, 20, None]  # the last was never dispatched
ON_SCENE = [300, 700, 500, 650, 550, 610, 600, 200, 900, None]
# UTC hour of receipt: 01:00 UTC is 08:00 WIB (pagi), 09:00 is 16:00 (siang), 19:00 is 02:00 (malam)
HOURS = [1, 1, 1, 1, 1, 9, 9, 9, 19, 19]
POINTS = [P_S1] * 6 + [P_S2] * 4
CATEGORIES = ["curat"] * 5 + ["laka"] * 5
SINCE = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


@pytest.fixture
def history(ops):
    us = np.timedelta64(1, "s")
    nat = np.datetime64("NaT")
    rec = np.array([np.datetime64(f"2026-03-{2 + k:02d}T{h:02d}:00:00", "us") for k, h in enumerate(HOURS)])
    ans = rec + np.array(ANSWER) * us
    disp = np.array([a + d * us if d is not None else nat for a, d in zip(ans, DISPATCH, strict=True)])
    scene = np.array([x + s * us if s is not None else nat for x, s in zip(disp, ON_SCENE, strict=True)])
    closed = rec + 7200 * us
    with acting(None, "test-history"):
        services.import_history(
            ops.polres,
            {
                "category": CATEGORIES,
                "lon": [p[0] for p in POINTS],
                "lat": [p[1] for p in POINTS],
                "received_at": rec,
                "answered_at": ans,
                "created_at": ans,
                "dispatched_at": disp,
                "on_scene_at": scene,
                "closed_at": closed,
                "priority": [1, 2] * 5,
            },
        )
    return ops


def stats(values, target):
    v = np.array([x for x in values if x is not None], dtype=float)
    p50, p90 = np.percentile(v, [50, 90])
    return round(float(p50), 1), round(float(p90), 1), round(100 * float((v <= target).mean()), 1)


def picked(s):
    return s["p50_s"], s["p90_s"], s["met_pct"]


def test_overall_percentiles_and_target_shares(history):
    r = reports.response_times(history.u("commander"), SINCE, UNTIL, group_by=())
    o = r["overall"]
    assert o["incidents"] == 10 and r["groups"] == []
    assert picked(o["answer"]) == stats(ANSWER, 10) and o["answer"]["n"] == 10
    assert picked(o["dispatch"]) == stats(DISPATCH, 60) and o["dispatch"]["n"] == 9
    assert picked(o["on_scene"]) == stats(ON_SCENE, 600)
    assert o["answer"]["met_pct"] == 60.0  # 5, 8, 3, 9, 10, 6
    assert r["targets"] == {"answer_s": 10, "dispatch_s": 60, "on_scene_s": 600}


def test_grouped_by_polsek_category_priority_and_shift(history):
    r = reports.response_times(history.u("commander"), SINCE, UNTIL, group_by=("polsek", "category"))
    rows = {(g["polsek"], g["category"]): g for g in r["groups"]}
    assert set(rows) == {(history.s1.name, "curat"), (history.s1.name, "laka"), (history.s2.name, "laka")}
    s2 = rows[(history.s2.name, "laka")]
    assert s2["incidents"] == 4 and s2["polsek_id"] == history.s2.pk
    assert picked(s2["answer"]) == stats(ANSWER[6:], 10)
    shifts = {
        g["shift"]: g["incidents"]
        for g in reports.response_times(history.u("commander"), SINCE, UNTIL, group_by=("shift",))["groups"]
    }
    assert shifts == {"pagi": 5, "siang": 3, "malam": 2}
    prio = reports.response_times(history.u("commander"), SINCE, UNTIL, group_by=["priority"])["groups"]
    assert [(g["priority"], g["incidents"]) for g in prio] == [(1, 5), (2, 5)]
    four = reports.response_times(history.u("commander"), SINCE, UNTIL)["groups"]
    assert sum(g["incidents"] for g in four) == 10


def test_configurable_shifts_and_targets(history):
    intake.set_ops_config(
        history.u("kabag"),
        history.polres,
        target_answer_s=20,
        shifts=[{"name": "day", "start": 6}, {"name": "night", "start": 18}],
    )
    r = reports.response_times(history.u("commander"), SINCE, UNTIL, group_by=("shift",))
    assert {g["shift"]: g["incidents"] for g in r["groups"]} == {"day": 8, "night": 2}
    assert r["overall"]["answer"]["met_pct"] == 90.0 and r["targets"]["answer_s"] == 20


def test_scope_and_duplicates(history):
    assert reports.response_times(history.u("disp_s2"), SINCE, UNTIL)["overall"]["incidents"] == 4
    assert reports.response_times(history.u("citizen"), SINCE, UNTIL)["overall"]["incidents"] == 0
    op = history.u("operator")
    first = incidents.create_incident(op, category="curat", lat=P_S1[1], lon=P_S1[0])
    incidents.create_incident(op, category="curat", lat=P_S1[1], lon=P_S1[0], link_duplicate_of=first)
    now = timezone.now()
    r = reports.response_times(op, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1), group_by=())
    assert r["overall"]["incidents"] == 1 and r["overall"]["dispatch"]["n"] == 0


@pytest.mark.parametrize(
    "kw",
    [
        {"group_by": ("district",)},
        {"group_by": ("shift", "shift")},
        {"until": SINCE - dt.timedelta(days=1)},
        {"until": SINCE + dt.timedelta(days=900)},
    ],
)
def test_bad_report_requests(history, kw):
    args = {"since": SINCE, "until": UNTIL, **kw}
    with pytest.raises(Invalid):
        reports.response_times(history.u("commander"), **args)


def test_shift_of_hours_wraps_midnight():
    shifts = [{"name": "pagi", "start": 7}, {"name": "siang", "start": 15}, {"name": "malam", "start": 23}]
    got = reports.shift_of_hours(np.arange(24), shifts).tolist()
    assert got[:7] == ["malam"] * 7 and got[7:15] == ["pagi"] * 8 and got[15:23] == ["siang"] * 8
    assert got[23] == "malam"
