"""cad.dispatching: recommendation order and reasons, dispatch rules, unit status propagation, positions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from siaga.cad import dispatching, incidents
from siaga.cad.models import Assignment, Unit
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry

from .ops_fixtures import *  # noqa: F403
from .ops_fixtures import P_S1, P_S1C, P_S2, refresh

pytestmark = pytest.mark.django_db


def new(ops, category="curat", point=P_S1, who="operator", **kw):
    return incidents.create_incident(ops.u(who), category=category, lat=point[1], lon=point[0], **kw)


class TestRecommend:
    def test_order_excludes_unavailable_and_unpositioned_units_with_reasons(self, ops):
        i = new(ops)
        recs = dispatching.recommend(ops.u("dispatcher"), i, limit=10)
        names = [r.callsign for r in recs]
        assert names[0] == "S1-R4" and "OFF" not in names and "NOPOS" not in names
        assert set(names) == {"S1-R4", "S1-R2", "S2-R4", "LANTAS"}
        assert [r.rank for r in recs] == [1, 2, 3, 4] and recs == sorted(recs, key=lambda r: r.score_s)
        top = recs[0]
        assert top.distance_m == pytest.approx(330, rel=0.1) and "km" in top.reasons[0]
        assert "same Polsek" in top.reasons
        s2 = next(r for r in recs if r.callsign == "S2-R4")
        assert "from another Polsek" in s2.reasons

    def test_capability_wins_for_a_crash(self, ops):
        crash = new(ops, category="laka", point=P_S1C)
        recs = dispatching.recommend(ops.u("dispatcher"), crash, limit=2)
        assert recs[0].callsign == "LANTAS" and "has lantas" in recs[0].reasons

    def test_scope_limits_candidates_and_incidents(self, ops):
        i = new(ops)
        assert {r.callsign for r in dispatching.recommend(ops.u("disp_s1"), i)} == {"S1-R4", "S1-R2"}
        with pytest.raises(NotFound):
            dispatching.recommend(ops.u("disp_s2"), i)
        with pytest.raises(NotFound):
            dispatching.recommend(ops.u("citizen"), i)

    def test_load_of_the_last_eight_hours_counts(self, ops):
        d = ops.u("dispatcher")
        for _k in range(3):
            j = new(ops)
            dispatching.dispatch(d, j, ops.units["S1-R4"])
            dispatching.set_unit_status(d, ops.units["S1-R4"], "cleared")
        recs = dispatching.recommend(d, new(ops), limit=10)
        r4 = next(r for r in recs if r.callsign == "S1-R4")
        assert "3 job(s) this shift" in r4.reasons and r4.score_s == pytest.approx(r4.eta_s + 3 * 60)
        later = timezone.now() + dt.timedelta(hours=9)  # the jobs have left the 8-hour window
        r4 = next(r for r in dispatching.recommend(d, new(ops), limit=10, now=later) if r.callsign == "S1-R4")
        assert r4.score_s == pytest.approx(r4.eta_s) and not any("job" in x for x in r4.reasons)


class TestDispatch:
    def test_dispatch_claims_the_unit_and_stamps_the_incident(self, ops):
        i = new(ops)
        before = AuditEntry.objects.count()
        a = dispatching.dispatch(ops.u("dispatcher"), i, ops.units["S1-R4"], version=1)
        assert a.active and a.dispatched_by_id == ops.u("dispatcher").pk
        i = refresh(i)
        assert i.status == "dispatched" and i.dispatched_at == a.dispatched_at and i.version == 2
        assert refresh(ops.units["S1-R4"]).status == "dispatched"
        actions = [e.action for e in AuditEntry.objects.filter(seq__gt=before)]
        assert actions == ["cad.unit.dispatched", "cad.incident.dispatched"]
        # a second unit joins without changing the status
        dispatching.dispatch(ops.u("dispatcher"), i, ops.units["S1-R2"])
        i = refresh(i)
        assert i.status == "dispatched" and i.version == 3 and i.assignments.filter(active=True).count() == 2

    def test_a_busy_unit_is_a_conflict(self, ops):
        d = ops.u("dispatcher")
        a, b = new(ops), new(ops)
        dispatching.dispatch(d, a, ops.units["S1-R4"])
        with pytest.raises(Conflict) as e:
            dispatching.dispatch(d, b, ops.units["S1-R4"])
        assert e.value.code == "unit_busy"
        with pytest.raises(Conflict):
            dispatching.dispatch(d, b, ops.units["OFF"])
        assert refresh(b).status == "created" and Assignment.objects.count() == 1

    def test_partial_unique_index_is_the_backstop(self, ops):
        d = ops.u("dispatcher")
        a, b = new(ops), new(ops)
        dispatching.dispatch(d, a, ops.units["S1-R4"])
        with pytest.raises(IntegrityError), transaction.atomic():
            Assignment.objects.create(incident=b, unit=ops.units["S1-R4"], dispatched_at=timezone.now())
        # a unit marked available by mistake while still assigned: the insert fails, nothing changes
        Unit.objects.filter(pk=ops.units["S1-R4"].pk).update(status="available")
        with pytest.raises(Conflict):
            dispatching.dispatch(d, b, ops.units["S1-R4"])
        assert refresh(ops.units["S1-R4"]).status == "available" and refresh(b).status == "created"

    @pytest.mark.parametrize(
        "who,incident_at,unit,error",
        [
            ("disp_s1", P_S2, "S1-R4", NotFound),  # S2's incident
            ("disp_s1", P_S1, "S2-R4", NotFound),  # S2's unit
            ("disp_s2", P_S1, "S2-R4", NotFound),
            ("other_disp", P_S1, "S1-R4", NotFound),
            ("citizen", P_S1, "S1-R4", NotFound),
            ("operator", P_S1, "S1-R4", Forbidden),  # may change incidents, not units
            ("analyst", P_S1, "S1-R4", Forbidden),
        ],
    )
    def test_scope_and_role(self, ops, who, incident_at, unit, error):
        i = new(ops, point=incident_at)
        with pytest.raises(error):
            dispatching.dispatch(ops.u(who), i, ops.units[unit])
        assert refresh(i).status == "created" and refresh(ops.units[unit]).status == "available"

    def test_stale_version_and_closed_incident(self, ops):
        d = ops.u("dispatcher")
        i = new(ops)
        with pytest.raises(Conflict):
            dispatching.dispatch(d, i, ops.units["S1-R4"], version=9)
        incidents.transition(d, i, "closed", i.version)
        with pytest.raises(Invalid):
            dispatching.dispatch(d, i, ops.units["S1-R4"])
        assert refresh(ops.units["S1-R4"]).status == "available"


class TestUnitStatus:
    def test_status_propagates_to_assignment_and_incident(self, ops):
        d = ops.u("dispatcher")
        i = new(ops)
        r4, r2 = ops.units["S1-R4"], ops.units["S1-R2"]
        dispatching.dispatch(d, i, r4)
        dispatching.dispatch(d, i, r2)
        dispatching.set_unit_status(ops.u("patrol"), r4, "en_route", lat=P_S1[1], lon=P_S1[0] + 0.001)
        i = refresh(i)
        assert i.status == "en_route" and i.en_route_at is not None
        assert refresh(r4).lon == pytest.approx(P_S1[0] + 0.001)
        dispatching.set_unit_status(d, r2, "on_scene")  # straight to on scene
        i = refresh(i)
        assert i.status == "on_scene" and i.on_scene_at is not None
        dispatching.set_unit_status(d, r4, "on_scene")  # later unit: the incident keeps the first time
        assert refresh(i).on_scene_at == i.on_scene_at
        a4 = Assignment.objects.get(unit=r4)
        assert a4.en_route_at and a4.on_scene_at and a4.active
        dispatching.set_unit_status(d, r4, "cleared")
        assert refresh(i).status == "on_scene" and refresh(r4).status == "available"
        dispatching.set_unit_status(d, r2, "cleared")
        i = refresh(i)
        assert i.status == "cleared" and i.cleared_at is not None
        assert not Assignment.objects.filter(active=True).exists()

    @pytest.mark.parametrize(
        "start,status",
        [
            ("available", "en_route"),
            ("available", "dispatched"),
            ("available", "cleared"),
            ("available", "flying"),
            ("off_duty", "on_scene"),
        ],
    )
    def test_illegal_unit_moves(self, ops, start, status):
        u = ops.units["S1-R4" if start == "available" else "OFF"]
        with pytest.raises(Invalid):
            dispatching.set_unit_status(ops.u("dispatcher"), u, status)
        assert refresh(u).status == start

    def test_a_unit_on_a_job_does_not_go_off_duty(self, ops):
        dispatching.dispatch(ops.u("dispatcher"), new(ops), ops.units["S1-R4"])
        with pytest.raises(Invalid):
            dispatching.set_unit_status(ops.u("dispatcher"), ops.units["S1-R4"], "off_duty")

    def test_who_may_set_a_units_status(self, ops):
        u = ops.units["S1-R4"]
        assert dispatching.set_unit_status(ops.u("patrol"), u, "off_duty").status == "off_duty"  # its crew
        with pytest.raises(Forbidden):
            dispatching.set_unit_status(ops.u("patrol2"), u, "available")
        with pytest.raises(NotFound):
            dispatching.set_unit_status(ops.u("disp_s2"), u, "available")
        assert dispatching.set_unit_status(ops.u("disp_s1"), u, "available").status == "available"


def test_positions_newer_only_and_not_audited(ops):
    u = ops.units["S1-R2"]
    t = timezone.now()
    before = AuditEntry.objects.count()
    assert dispatching.update_position(u, -6.24, 107.02, t)
    assert not dispatching.update_position(u, -6.30, 107.10, t - dt.timedelta(minutes=1))
    u = refresh(u)
    assert (u.lat, u.lon, u.position_at) == (-6.24, 107.02, t)
    with pytest.raises(Invalid):
        dispatching.update_position(u, 123, 107.0, t)
    with pytest.raises(Invalid):
        dispatching.update_position(u, -6.2, 107.0, t + dt.timedelta(hours=1))
    assert AuditEntry.objects.count() == before
    with pytest.raises(Forbidden):
        dispatching.update_position_as(ops.u("patrol2"), u, -6.24, 107.02)
