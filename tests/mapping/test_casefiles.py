"""Case files (SARA): service rules, bad input, stage order, roles and the impact measure."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from siaga.cad.models import Incident
from siaga.core.context import acting
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.mapping import casefiles, problems
from siaga.mapping.models import CaseFile, CaseStageChange
from tests.core.world import K1, K2

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)


def incident(tree, number, at, kel=K1, category="curat", rw=None, rt=None, polsek=None, lat=None, lon=None):
    return Incident.objects.create(
        number=number,
        category=category,
        polres=tree.a,
        polsek=polsek or (tree.s1 if kel == K1 else tree.s2),
        kelurahan_code=kel,
        rw=rw,
        rt=rt,
        lat=lat,
        lon=lon,
        received_at=at,
        created_at=at,
    )


def open_case(w, who="bhabin_k1", **kw):
    args = {"title": "Curat di Bintara", "area_level": "kelurahan", "area_key": K1, "at": T0}
    args.update(kw)
    with acting(w.u(who), "t"):
        return casefiles.create(w.u(who), **args)


def move(w, cf, stage, who="bhabin_k1", **kw):
    with acting(w.u(who), "t"):
        return casefiles.advance(w.u(who), cf.pk, stage=stage, **kw)


# --- create and bad input ---------------------------------------------------------------------------


def test_open_places_the_case_file_and_audits(w):
    inc = incident(w.tree, "INC-1", T0 - dt.timedelta(days=3), category="curanmor")
    cf = open_case(w, incident_ids=[inc.pk], scanning="Curanmor malam hari")
    assert (cf.stage, cf.kelurahan_code, cf.polsek_id, cf.polres_id) == (
        "scanning",
        K1,
        w.tree.s1.pk,
        w.tree.a.pk,
    )
    assert cf.categories == ["curanmor"]  # taken from the linked incidents when none are given
    assert cf.owner == w.u("bhabin_k1") and cf.area_name == "Bintara"
    assert list(cf.incidents.all()) == [inc]
    assert CaseStageChange.objects.filter(case_file=cf, new="scanning").count() == 1
    assert AuditEntry.objects.filter(action="mapping.casefile.created", object_id=str(cf.pk)).exists()


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"title": "ab"}, "title"),
        ({"scanning": "a\x00b"}, "scanning"),
        ({"area_level": "desa"}, "level"),
        ({"categories": ["nope"]}, "categories"),
        ({"impact_weeks": 0}, "impact_weeks"),
        ({"impact_weeks": 53}, "impact_weeks"),
        ({"impact_weeks": "eight"}, "impact_weeks"),
        ({"problem_ids": ["x"]}, "problem_ids"),
        ({"problem_ids": [999999]}, "problem_ids"),
        ({"incident_ids": [999999]}, "incident_ids"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(w, bad, field):
    with pytest.raises(Invalid) as e:
        open_case(w, **bad)
    assert e.value.field == field and e.value.status == 400
    assert not CaseFile.objects.exists()


def test_unknown_area_is_404(w):
    with pytest.raises(NotFound):
        open_case(w, area_key="32.75.01.9999")
    assert not CaseFile.objects.exists()


def test_a_problem_outside_the_actors_area_cannot_be_linked(w):
    with acting(w.u("bhabin_k2"), "t"):
        p = problems.create(
            w.u("bhabin_k2"), title="Tawuran", kind="brawl", source="visit", kelurahan_code=K2
        )
    with pytest.raises(Invalid):
        open_case(w, problem_ids=[p.pk])
    assert not CaseFile.objects.exists()


def test_a_bhabin_cannot_open_a_case_file_outside_his_kelurahan(w):
    with pytest.raises(Forbidden):
        open_case(w, area_key=K2)
    with pytest.raises(Forbidden):
        open_case(w, who="commander")  # the commander reads case files, does not write them
    assert not CaseFile.objects.exists()


def test_an_rt_case_file_sits_at_its_rt(w):
    cf = open_case(w, area_level="rt", area_key=f"{K1}/001/001")
    assert (cf.rt_key, cf.kelurahan_code, cf.area_name) == (f"{K1}/001/001", K1, "RT 001/RW 001 Bintara")


# --- stages -----------------------------------------------------------------------------------------


def test_stages_go_in_order_and_need_the_previous_text(w):
    cf = open_case(w)
    with pytest.raises(Invalid, match="in order"):
        move(w, cf, "response")
    with pytest.raises(Invalid) as e:
        move(w, cf, "analysis")  # the scanning text is empty
    assert e.value.field == "scanning"
    with acting(w.u("bhabin_k1"), "t"):
        casefiles.update(
            w.u("bhabin_k1"), cf.pk, scanning="Curat berulang di gang sempit", analysis="Lampu mati"
        )
    cf = move(w, cf, "analysis", at=T0 + dt.timedelta(days=1))
    cf = move(w, cf, "response", at=T0 + dt.timedelta(days=7))
    assert cf.response_started_at == T0 + dt.timedelta(days=7)
    with pytest.raises(Invalid, match="already"):
        move(w, cf, "response")
    with pytest.raises(Invalid) as e:
        move(w, cf, "analysis")  # back needs a reason
    assert e.value.field == "note"
    cf = move(w, cf, "analysis", note="Data belum lengkap", at=T0 + dt.timedelta(days=8))
    assert cf.stage == "analysis" and cf.response_started_at == T0 + dt.timedelta(days=7)
    history = [(h.old, h.new) for h in cf.stage_changes.all()]
    assert history == [
        ("", "scanning"),
        ("scanning", "analysis"),
        ("analysis", "response"),
        ("response", "analysis"),
    ]
    with pytest.raises(Invalid):
        move(w, cf, "bogus")


def test_a_stale_version_is_refused(w):
    cf = open_case(w, scanning="x")
    with pytest.raises(Conflict):
        move(w, cf, "analysis", version=cf.version + 1)
    with acting(w.u("bhabin_k1"), "t"), pytest.raises(Conflict):
        casefiles.update(w.u("bhabin_k1"), cf.pk, title="Judul baru", version=99)
    assert CaseFile.objects.get().stage == "scanning"


def test_update_refuses_nothing_and_unknown_fields(w):
    cf = open_case(w)
    with acting(w.u("bhabin_k1"), "t"):
        with pytest.raises(Invalid):
            casefiles.update(w.u("bhabin_k1"), cf.pk)
        with pytest.raises(Invalid):
            casefiles.update(w.u("bhabin_k1"), cf.pk, stage="response")
        with pytest.raises(Invalid):
            casefiles.update(w.u("bhabin_k1"), cf.pk, owner=w.u("commander").pk)  # may not work on it


# --- roles ------------------------------------------------------------------------------------------


def test_who_sees_a_case_file(w):
    cf = open_case(w)
    for name in ("bhabin_k1", "commander", "kabag_ops", "intelkam", "analyst", "admin"):
        assert casefiles.get(w.u(name), cf.pk).pk == cf.pk, name
    for name in ("bhabin_k2", "operator", "humas", "partner", "citizen", "intelkam_b"):
        with pytest.raises(NotFound):
            casefiles.get(w.u(name), cf.pk)
        assert not casefiles.register(w.u(name)).exists()


def test_other_roles_cannot_move_it(w):
    cf = open_case(w, scanning="x")
    for name in ("commander", "bhabin_k2", "operator"):
        with pytest.raises((Forbidden, NotFound)):
            move(w, cf, "analysis", who=name)
    assert move(w, cf, "analysis", who="kabag_ops").stage == "analysis"


# --- impact -----------------------------------------------------------------------------------------


def test_rate_test_known_values():
    t = casefiles.rate_test(20, 10, 56, 56)
    assert t.rate_ratio == pytest.approx(0.5)
    assert t.p_value == pytest.approx(binomtest(10, 30, 0.5).pvalue)
    assert t.ci_low < 0.5 < t.ci_high
    half = casefiles.rate_test(10, 10, 56, 28)  # same count in half the time: twice the rate
    assert half.rate_ratio == pytest.approx(2.0)
    none = casefiles.rate_test(0, 0, 56, 56)
    assert (none.rate_ratio, none.p_value) == (None, 1.0)
    assert casefiles.rate_test(0, 5, 56, 56).rate_ratio is None  # no baseline: no ratio
    with pytest.raises(ValueError):
        casefiles.rate_test(1, 1, 0, 56)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 400),
    st.integers(0, 400),
    st.floats(0.5, 400, allow_nan=False),
    st.floats(0.5, 400, allow_nan=False),
)
def test_rate_test_properties(before, after, t_before, t_after):
    t = casefiles.rate_test(before, after, t_before, t_after)
    assert 0.0 <= t.p_value <= 1.0
    if t.rate_ratio is not None:
        assert t.rate_ratio >= 0
        assert t.ci_low is not None and t.ci_low <= t.rate_ratio * (1 + 1e-9)
        if t.ci_high is not None:
            assert t.rate_ratio <= t.ci_high * (1 + 1e-9)
        swapped = casefiles.rate_test(after, before, t_after, t_before)
        if swapped.rate_ratio:
            assert t.rate_ratio * swapped.rate_ratio == pytest.approx(1.0)
        assert swapped.p_value == pytest.approx(t.p_value, abs=1e-9)


def test_impact_counts_the_linked_categories_in_the_area_before_and_after(w):
    start = T0 + dt.timedelta(days=7)
    day = dt.timedelta(days=1)
    for n in range(6):  # 6 curat in K1 in the 4 weeks before
        incident(w.tree, f"B{n}", start - (n + 1) * 3 * day)
    incident(w.tree, "A0", start + 2 * day)  # 1 curat after
    incident(w.tree, "X0", start + 2 * day, category="laka")  # another category: not counted
    incident(w.tree, "X1", start + 2 * day, kel=K2)  # another kelurahan: not counted
    incident(w.tree, "X2", start - 40 * day)  # before the window
    cf = open_case(w, categories=["curat"], impact_weeks=4, scanning="s")
    assert casefiles.impact(w.u("commander"), cf).status == "not_started"
    with acting(w.u("bhabin_k1"), "t"):
        casefiles.update(w.u("bhabin_k1"), cf.pk, analysis="a")
    move(w, cf, "analysis")
    cf = move(w, cf, "response", at=start)
    assert casefiles.impact(w.u("commander"), cf, now=start).status == "too_early"
    imp = casefiles.impact(w.u("commander"), cf, now=start + 28 * day)
    assert (imp.status, imp.before, imp.after, imp.before_days, imp.after_days) == ("measured", 6, 1, 28, 28)
    assert imp.test.rate_ratio == pytest.approx(1 / 6)
    assert imp.test.p_value == pytest.approx(binomtest(1, 7, 0.5).pvalue)
    assert imp.change_pct == pytest.approx(-83.3)
    # still running: the after window is cut at now and rates are per day
    part = casefiles.impact(w.u("commander"), cf, now=start + 7 * day)
    assert (part.before, part.after, part.after_days) == (6, 1, 7)
    assert part.test.rate_ratio == pytest.approx((1 / 7) / (6 / 28))


def test_impact_at_rt_level_counts_only_that_rt(w):
    start = T0 + dt.timedelta(days=7)
    incident(w.tree, "R1", start - dt.timedelta(days=2), rw=1, rt=1)
    incident(w.tree, "R2", start - dt.timedelta(days=2), rw=1, rt=2)
    cf = open_case(w, area_level="rt", area_key=f"{K1}/001/001", scanning="s", categories=["curat"])
    with acting(w.u("bhabin_k1"), "t"):
        casefiles.update(w.u("bhabin_k1"), cf.pk, analysis="a")
    move(w, cf, "analysis")
    cf = move(w, cf, "response", at=start)
    imp = casefiles.impact(w.u("bhabin_k1"), cf, now=start + dt.timedelta(days=3))
    assert (imp.before, imp.after) == (1, 0)


def test_incident_numbers_resolve_through_the_read_gate(w):
    a = incident(w.tree, "BKS/1", T0)
    incident(w.tree, "BKS/2", T0, kel=K2)
    assert casefiles.incident_ids(w.u("bhabin_k1"), "BKS/1") == [a.pk]
    with pytest.raises(Invalid, match="BKS/2"):
        casefiles.incident_ids(w.u("bhabin_k1"), "BKS/1, BKS/2")
