"""Risk classes: shrinkage, hysteresis, configurable thresholds, the why components, storage, pages."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from siaga.accounts.services import create_user
from siaga.analytics import risk
from siaga.analytics.models import RiskConfig, RiskSnapshot
from siaga.core.context import acting
from siaga.core.errors import Forbidden, Invalid

from ..core.world import K1, K1B, K2, build_tree

CFG = SimpleNamespace(mode="absolute", waspada=1.5, rawan=2.0, confirm_weeks=2, margin=0.0)


def _level(n=30, seed=1):
    rng = np.random.default_rng(seed)
    areas = {}
    for i in range(n):
        a = risk.Area("rt", f"r{i}", f"RT {i}", population=300)
        a.incidents = float(rng.poisson(4))
        areas[("rt", a.key)] = a
    tiny = risk.Area("rt", "tiny", "tiny", population=5)
    tiny.incidents = 1.0
    big = risk.Area("rt", "big", "big", population=5000)
    big.incidents = 500.0
    areas[("rt", "tiny")] = tiny
    areas[("rt", "big")] = big
    return areas


def _scores(areas, **w):
    weights = risk.weights_of(None) | {"predicted": 0.0} | w
    rows = risk.score_areas(areas, weights)["rt"]
    return {a.key: (round(sum(c.values()), 4), c, d) for a, c, d in rows}


def test_shrinkage_a_tiny_area_with_one_incident_is_not_rawan_a_big_one_with_many_is():
    s = _scores(_level())
    th = risk.thresholds_for([], CFG)
    # Raw rates: the tiny area's (1/5) is above the big area's (500/5000), yet after shrinkage
    # the tiny one stays near the mean and the big one stands out.
    assert 1 / 5 > 500 / 5000
    mean = s["tiny"][2]["incidents_prior"]["mean"]
    assert (1 / 5) / mean > th["rawan"]  # unshrunk, the tiny area would be rawan
    assert risk.classify(s["tiny"][0], th) != "rawan"
    assert risk.classify(s["big"][0], th) == "rawan"
    assert s["tiny"][0] < s["big"][0]


def test_shrink_is_full_pooling_without_overdispersion_and_identity_with_a_flat_prior():
    rr, prior = risk.shrink([3, 3, 3], [100, 100, 100])
    assert np.allclose(rr, 1.0)
    rr, prior = risk.shrink([0, 0], [5, 5])
    assert np.allclose(rr, 1.0) and prior["mean"] == 0.0
    rr, _ = risk.shrink([1, 50, 2, 80, 0, 3], [100, 100, 100, 100, 100, 100])
    assert rr[3] > rr[1] > 1 > rr[0] > rr[4]  # order kept, extremes pulled in


def test_components_sum_to_the_score():
    areas = _level()
    areas[("rt", "r0")].problems = {"PG": 1, "AG": 1, "GN": 1}
    areas[("rt", "r1")].predicted = 4.0
    rows = risk.score_areas(areas, risk.weights_of(None))["rt"]
    for _, comp, _ in rows:
        assert set(comp) == {"incidents", "problems", "predicted"}
    r0 = next(c for a, c, _ in rows if a.key == "r0")
    assert r0["problems"] == pytest.approx(0.25 + 0.75 + 1.5)


def test_hysteresis_one_week_spike_does_not_flip_the_class_two_do():
    th = risk.thresholds_for([], CFG)
    state = None
    classes = []
    for score in [1.0, 2.5, 1.0, 2.5, 2.5, 2.5, 1.0, 1.0]:
        state = risk.hysteresis(risk.classify(score, th), score, th, state)
        classes.append(state.risk_class)
    assert classes == ["aman", "aman", "aman", "aman", "rawan", "rawan", "rawan", "aman"]


def test_hysteresis_margin_and_confirm_weeks_are_configurable():
    th = risk.thresholds_for([], SimpleNamespace(**{**vars(CFG), "confirm_weeks": 1, "margin": 0.3}))
    prev = risk.Step("aman")
    assert risk.hysteresis("rawan", 2.1, th, prev).risk_class == "aman"  # within the margin
    assert risk.hysteresis("rawan", 2.4, th, prev).risk_class == "rawan"
    assert risk.hysteresis("aman", 1.4, th, risk.Step("waspada")).risk_class == "waspada"
    assert risk.hysteresis("aman", 1.1, th, risk.Step("waspada")).risk_class == "aman"


def test_percentile_thresholds():
    th = risk.thresholds_for(list(range(101)), SimpleNamespace(**{**vars(CFG), "mode": "percentile",
                                                               "waspada": 70, "rawan": 90}))  # fmt: skip
    assert th["waspada"] == pytest.approx(70) and th["rawan"] == pytest.approx(90)


@pytest.mark.parametrize("bad", ["2026-W60", "2026-13", "week", "2026W1"])
def test_bad_week_is_invalid(bad):
    with pytest.raises(Invalid):
        risk.week_start(bad)


def test_week_start():
    assert risk.week_start("2026-W44") == dt.date(2026, 10, 26)
    assert risk.week_start(dt.date(2026, 10, 29)) == dt.date(2026, 10, 26)


# --- with the database ------------------------------------------------------------------------


@pytest.fixture
def world(db):
    from siaga.cad.categories import CATEGORY_CHOICES

    with acting(None, "test-risk"):
        t = build_tree()
        users = {}
        for name, role, scope in [
            ("commander", "commander", {"polres": t.a}),
            ("kabag_ops", "kabag_ops", {"polres": t.a}),
            ("analyst", "analyst", {"polres": t.a}),
            ("operator_s2", "operator", {"polsek": t.s2}),
            ("bhabin_k1", "bhabin", {"polsek": t.s1, "kelurahan_code": K1}),
            ("patrol", "patrol", {"polres": t.a}),
            ("humas", "humas", {"polres": t.a}),
        ]:
            users[name] = create_user(name, "Sandi-Rahasia-123", role, validate=False, **scope)
    cat = CATEGORY_CHOICES[0][0]
    return SimpleNamespace(t=t, u=users, cat=cat, n=[0])


def _incident(w, kel, when, *, rt=None, prio=2, polsek=None):
    from siaga.cad.models import Incident

    w.n[0] += 1
    return Incident.objects.create(
        polres=w.t.a, polsek=polsek, number=f"BKS/T/{w.n[0]}", category=w.cat, priority=prio,
        received_at=when, created_at=when, kecamatan_code=kel[:8], kelurahan_code=kel,
        rw=1 if rt else None, rt=rt,
    )  # fmt: skip


W44 = dt.date(2026, 10, 26)
NOW = dt.datetime(2026, 10, 26, 8, tzinfo=dt.UTC)


def test_compute_stores_every_level_with_components_and_one_audit_event(world):
    from siaga.core.models import AuditEntry

    for i in range(6):
        _incident(world, K1, NOW - dt.timedelta(days=3 + i), rt=1, polsek=world.t.s1)
    _incident(world, K2, NOW - dt.timedelta(days=4), polsek=world.t.s2)
    _incident(world, K2, NOW + dt.timedelta(days=1), polsek=world.t.s2)  # after the cutoff: not counted
    before = AuditEntry.objects.filter(action="analytics.risk.computed").count()
    summary = risk.compute(None, world.t.a, "2026-W44", now=NOW)
    assert AuditEntry.objects.filter(action="analytics.risk.computed").count() == before + 1
    snaps = RiskSnapshot.objects.filter(polres=world.t.a, week=W44)
    assert summary["areas"] == snaps.count()
    assert set(snaps.values_list("level", flat=True)) == {"rt", "rw", "kelurahan", "kecamatan", "polsek"}
    for s in snaps:
        assert sum(s.components.values()) == pytest.approx(s.score, abs=1e-3)
    k1 = snaps.get(level="kelurahan", key=K1)
    assert k1.detail["incident_count"] == 6 and k1.polsek_id == world.t.s1.pk
    assert snaps.get(level="kelurahan", key=K2).detail["incident_count"] == 1
    assert snaps.get(level="rt", key=f"{K1}/001/001").detail["incident_count"] == 6
    assert snaps.get(level="polsek", key="S1").detail["incident_count"] == 6
    assert not RiskSnapshot.objects.filter(polres=world.t.b).exists()
    risk.compute(None, world.t.a, "2026-W44", now=NOW)  # a re-run replaces the week
    assert RiskSnapshot.objects.filter(polres=world.t.a, week=W44).count() == summary["areas"]


def test_open_problems_raise_the_score_by_level(world):
    from siaga.mapping.models import Problem

    for level in ("GN", "AG"):
        Problem.objects.create(
            title="sengketa", kind="land", source="visit", level=level, polres=world.t.a,
            polsek=world.t.s1, kelurahan_code=K1B, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
    Problem.objects.create(
        title="done", kind="land", source="visit", level="GN", status="resolved", polres=world.t.a,
        polsek=world.t.s1, kelurahan_code=K1B, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    risk.compute(None, world.t.a, "2026-W44", now=NOW)
    s = RiskSnapshot.objects.get(level="kelurahan", key=K1B, week=W44)
    assert s.components["problems"] == pytest.approx(1.5 + 0.75)
    assert s.detail["problems"] == {"PG": 0, "AG": 1, "GN": 1}
    assert RiskSnapshot.objects.get(level="kecamatan", key=K1B[:8], week=W44).components["problems"] > 0


def test_thresholds_configurable_and_history_with_hysteresis(world):
    risk.compute(None, world.t.a, "2026-W43", now=NOW)
    assert set(RiskSnapshot.objects.values_list("risk_class", flat=True)) == {"aman"}
    risk.configure(world.u["kabag_ops"], world.t.a, waspada=0.1, rawan=0.2)
    risk.compute(None, world.t.a, "2026-W44", now=NOW)
    s44 = RiskSnapshot.objects.get(level="kelurahan", key=K1, week=W44)
    assert s44.raw_class == "rawan" and s44.risk_class == "aman" and s44.pending_weeks == 1
    risk.compute(None, world.t.a, "2026-W45", now=NOW)
    s45 = RiskSnapshot.objects.get(level="kelurahan", key=K1, week=dt.date(2026, 11, 2))
    assert s45.risk_class == "rawan" and s45.thresholds["rawan"] == 0.2


@pytest.mark.parametrize(
    "fields",
    [{"waspada": 3, "rawan": 2}, {"mode": "median"}, {"confirm_weeks": 0}, {"waspada": "x"}, {"colour": 1},
     {"mode": "percentile", "waspada": 50, "rawan": 150}, {"weights": [1]}],
)  # fmt: skip
def test_bad_config_is_refused_and_nothing_stored(world, fields):
    with pytest.raises(Invalid):
        risk.configure(world.u["analyst"], world.t.a, **fields)
    assert not RiskConfig.objects.exists()


def test_config_change_needs_the_role(world):
    with pytest.raises(Forbidden):
        risk.configure(world.u["commander"], world.t.a, waspada=1, rawan=2)
    assert not RiskConfig.objects.exists()


def test_command(world, capsys):
    call_command("analytics", "risk", "--week", "2026-W44", "--polres", "BKS")
    assert '"polres": "BKS"' in capsys.readouterr().out
    assert RiskSnapshot.objects.filter(week=W44).exists()
    with pytest.raises(CommandError):
        call_command("analytics", "risk", "--week", "2026-W99")
    with pytest.raises(CommandError):
        call_command("analytics", "risk", "--polres", "NOPE")


# --- pages and API ----------------------------------------------------------------------------


@pytest.fixture
def computed(world):
    for i in range(3):
        _incident(world, K1, NOW - dt.timedelta(days=2 + i), rt=1, polsek=world.t.s1)
    risk.compute(None, world.t.a, "2026-W44", now=NOW)
    return world


@pytest.mark.parametrize("level", ["rt", "rw", "kelurahan", "kecamatan", "polsek"])
def test_map_page_renders_each_level(client, computed, level):
    client.force_login(computed.u["commander"])
    r = client.get(f"/analitik/risiko/?level={level}")
    assert r.status_code == 200
    assert 'id="risk-geojson"' in r.text and "<script>" not in r.text
    assert r.context["total"] == RiskSnapshot.objects.filter(level=level).count() > 0


def test_area_page_shows_why_and_history(client, computed):
    client.force_login(computed.u["analyst"])
    r = client.get(f"/analitik/risiko/rt/{K1}/001/001/")
    assert r.status_code == 200
    assert [p[0] for p in r.context["parts"]] == ["incidents", "problems", "predicted"]
    assert len(r.context["history"]) == 1


def test_scoped_user_sees_only_its_areas(client, computed):
    client.force_login(computed.u["bhabin_k1"])
    r = client.get("/analitik/risiko/?level=kelurahan")
    assert {s.key for s in r.context["snaps"]} == {K1}
    assert client.get(f"/analitik/risiko/kelurahan/{K2}/").status_code == 404
    client.force_login(computed.u["operator_s2"])
    r = client.get("/analitik/risiko/?level=kelurahan")
    assert {s.key for s in r.context["snaps"]} == {K2}
    assert client.get(f"/analitik/risiko/kelurahan/{K1}/").status_code == 404


@pytest.mark.parametrize("name", ["patrol", "humas"])
def test_roles_without_the_right_are_refused(client, computed, name):
    client.force_login(computed.u[name])
    assert client.get("/analitik/risiko/").status_code == 403
    assert client.get(f"/analitik/risiko/kelurahan/{K1}/").status_code == 403
    assert client.get("/api/analytics/risk").status_code == 403


def test_anonymous_is_sent_to_login(client, computed):
    assert client.get("/analitik/risiko/").status_code == 302
    assert client.get("/api/analytics/risk").status_code == 401


def test_api(client, computed):
    client.force_login(computed.u["commander"])
    items = client.get("/api/analytics/risk?level=kelurahan").json()["items"]
    assert {i["key"] for i in items} == {K1, K1B, K2}
    assert all(set(i["components"]) == {"incidents", "problems", "predicted"} for i in items)
    hist = client.get(f"/api/analytics/risk?level=kelurahan&key={K1}").json()["items"]
    assert len(hist) == 1 and hist[0]["week"] == "2026-10-26"
    assert client.get("/api/analytics/risk?level=planet").status_code == 400
    assert client.get("/api/analytics/risk?week=2026-W77").status_code == 400
