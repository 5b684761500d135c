"""The live demo generator, stepped by hand (no threads): calls, pranks, incidents, automatic units."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from siaga.cad import live
from siaga.cad.models import Assignment, Call, Incident, Unit

from .ops_fixtures import *  # noqa: F403
from .ops_fixtures import P_S1B

BUSY = live.Params(calls_per_hour=400, human_share=0.34, on_scene_s=(120, 240), close_s=(30, 60))


def run_for(sim, start, minutes, step_s=5):
    now = start
    for _ in range(int(minutes * 60 / step_s)):
        now += dt.timedelta(seconds=step_s)
        sim.step(now)
    return now


def test_street_path_and_movement():
    rng = random.Random(3)
    a, b = (-6.2334, 107.0136), (-6.2530, 107.0109)
    path = live.street_path(a, b, rng)
    assert path[0] == a and path[-1] == b and len(path) == 4
    assert path[1][1] == a[1] and path[2][1] == b[1]  # north-south, then east-west, then north-south
    length = live.path_length(path)
    assert live.leg_m(a, b) <= length <= 1.5 * live.leg_m(a, b)
    half, done = live.along(path, length / 2)
    assert not done and min(a[0], b[0]) <= half[0] <= max(a[0], b[0])
    end, done = live.along(path, length + 1)
    assert done and end == b
    assert live.speed_ms("r2", 8) > live.speed_ms("r4", 8)  # rush hour: motorbikes filter through
    assert live.speed_ms("r4", 3) > live.speed_ms("r4", 8)


def test_a_shift_runs(ops):
    start = timezone.now() - dt.timedelta(hours=2)
    sim = live.LiveDemo(ops.polres, params=BUSY, seed=7)
    assert sim.user.role == "dispatcher" and sim.user.polres_id == ops.polres.pk
    sim.step(start)
    end = run_for(sim, start, 45)
    st = sim.stats
    assert st["calls"] > 150  # ~400 an hour
    assert 0.75 < st["calls_prank"] / st["calls"] < 0.95
    calls = Call.objects.filter(idempotency_key__startswith=live.KEY_PREFIX)
    assert calls.count() == st["calls"]
    pranks = calls.filter(disposition="prank")
    assert pranks.count() >= st["calls_prank"] - 5  # all but the last few are answered and closed
    for c in pranks[:20]:
        assert c.answered_at and c.ended_at and c.ended_at > c.answered_at
        assert (c.ended_at - c.received_at).total_seconds() < 120
    # some calls rang long enough to be overdue and escalated up the ladder
    assert calls.exclude(escalation_level="").exists()
    # the valid ones became incidents, handled by automatic units or left for the human dispatcher
    created = Incident.objects.filter(polres=ops.polres, calls__in=calls).distinct()
    assert created.count() == st["incidents"] > 5
    assert st["incidents_human"] >= 1 and st["incidents_auto"] >= 1
    closed = created.filter(status="closed")
    assert closed.exists()
    for i in closed:
        assert i.dispatched_at and i.en_route_at and i.on_scene_at and i.cleared_at and i.closed_at
        assert i.received_at <= i.answered_at <= i.dispatched_at <= i.en_route_at <= i.on_scene_at
    waiting = [sim.plans[k] for k in sim.plans if sim.plans[k].human]
    assert waiting and all(
        Incident.objects.get(pk=p.incident_id).status == "created" for p in waiting if p.dispatch_at > end
    )
    # the unit a human crews (the patrol officer's S1-R4) is never moved by the demo
    assert not Assignment.objects.filter(unit=ops.units["S1-R4"]).exists()
    # every write was the system user's, through the services (audited)
    from siaga.core.models import AuditEntry

    assert AuditEntry.objects.filter(actor_id=sim.user.pk).count() > st["calls"]


def test_units_drive_to_the_scene(ops):
    start = timezone.now() - dt.timedelta(hours=1)
    # the fixture's units were positioned "now"; the simulated shift runs an hour earlier
    Unit.objects.filter(polres=ops.polres).update(position_at=start - dt.timedelta(hours=1))
    sim = live.LiveDemo(ops.polres, params=live.Params(calls_per_hour=0), seed=1)
    call = live.intake.ring(ops.polres, "081211112222", at=start)
    sim.calls[call.pk] = live.CallPlan(call.pk, "incident", start)
    sim.p = live.Params(calls_per_hour=0, human_share=0.0, dispatch_s=(5, 5), turnout_s=(10, 10))
    sim.step(start)
    now = start
    while not Assignment.objects.filter(incident__calls__pk=call.pk).exists():
        now += dt.timedelta(seconds=5)
        sim.step(now)
        assert now < start + dt.timedelta(minutes=5)
    i = Incident.objects.get(calls__pk=call.pk)
    unit = Unit.objects.get(pk=Assignment.objects.get(incident=i).unit_id)
    assert unit.callsign != "S1-R4"  # crewed by a human
    seen = []
    while unit.status != "on_scene" and now < start + dt.timedelta(minutes=40):
        now += dt.timedelta(seconds=1)
        sim.step(now)
        unit.refresh_from_db()
        seen.append((unit.lat, unit.lon))
    assert unit.status == "on_scene"
    assert live.leg_m((unit.lat, unit.lon), (i.lat, i.lon)) < 1  # arrived at the incident
    assert len(set(seen)) > 3  # moved through intermediate fixes
    job_path = live.street_path((0, 0), (1, 1), random.Random(0))
    assert len(job_path) == 4
    i.refresh_from_db()
    assert i.status == "on_scene" and i.en_route_at < i.on_scene_at


def test_human_incidents_wait_then_a_supervisor_takes_them(ops):
    start = timezone.now() - dt.timedelta(hours=1)
    sim = live.LiveDemo(
        ops.polres,
        params=live.Params(calls_per_hour=0, human_share=1.0, human_wait_s=120, dispatch_s=(1, 1)),
        seed=2,
    )
    call = live.intake.ring(ops.polres, "081233334444", at=start)
    sim.calls[call.pk] = live.CallPlan(call.pk, "incident", start)
    sim.step(start)
    run_for(sim, start, 1.5)
    i = Incident.objects.get(calls__pk=call.pk)
    assert i.status == "created"  # left for the human dispatcher
    run_for(sim, start + dt.timedelta(minutes=1.5), 4)
    i.refresh_from_db()
    assert i.status != "created"  # nobody came: the supervisor dispatched it


def test_a_human_dispatch_is_driven_and_a_human_answer_is_left_alone(ops):
    from siaga.cad import dispatching, incidents, intake
    from siaga.core.context import acting

    start = timezone.now() - dt.timedelta(hours=1)
    sim = live.LiveDemo(ops.polres, params=live.Params(calls_per_hour=0), seed=3)
    disp = ops.u("dispatcher")
    with acting(disp, "t"):
        i = incidents.create_incident(disp, category="keributan", lat=P_S1B[1], lon=P_S1B[0])
        dispatching.dispatch(disp, i, ops.units["S2-R4"])
    # a call that a human operator answered is theirs
    call = intake.ring(ops.polres, "081255556666", call_id=live.KEY_PREFIX + "x", at=start)
    sim.calls[call.pk] = live.CallPlan(call.pk, "prank", start + dt.timedelta(seconds=30))
    with acting(ops.u("operator"), "t"):
        intake.answer(ops.u("operator"), call)
    sim.step(start)
    assert sim.stats.get("adopted") == 1 and call.pk not in sim.calls
    run_for(sim, start, 3)
    assert Unit.objects.get(pk=ops.units["S2-R4"].pk).status in ("en_route", "on_scene")
    call.refresh_from_db()
    assert call.status == "answered" and call.operator_id == ops.u("operator").pk


def test_steps_are_deterministic_for_a_seed(ops):
    sim = live.LiveDemo(ops.polres, params=BUSY, seed=11)
    a = [sim._poisson(2.0) for _ in range(20)] + [sim.rng.random()]
    sim2 = live.LiveDemo(ops.polres, params=BUSY, seed=11)
    b = [sim2._poisson(2.0) for _ in range(20)] + [sim2.rng.random()]
    assert a == b


@pytest.mark.parametrize("speed", [1.0, 4.0])
def test_speed_scales_rates(ops, speed):
    start = timezone.now() - dt.timedelta(hours=1)
    sim = live.LiveDemo(ops.polres, params=live.Params(calls_per_hour=120, speed=speed), seed=5)
    sim.step(start)
    run_for(sim, start, 10, step_s=10)
    expected = 120 * speed * 10 / 60
    assert 0.4 * expected < sim.stats.get("calls", 0) < 1.8 * expected


def test_open_incidents_without_units_are_adopted(ops):
    """The demo builder leaves a snapshot of a shift in progress: open incidents with no unit on them."""
    from siaga.cad import dispatching, incidents
    from siaga.core.context import acting

    disp = ops.u("dispatcher")
    with acting(disp, "t"):
        waiting = incidents.create_incident(disp, category="keributan", lat=P_S1B[1], lon=P_S1B[0])
        done = incidents.create_incident(disp, category="curat", lat=P_S1B[1], lon=P_S1B[0] + 0.01)
        dispatching.dispatch(disp, done, ops.units["S1-R2"])
        dispatching.set_unit_status(disp, ops.units["S1-R2"], "cleared")  # cleared, no unit left on it
    start = timezone.now()
    sim = live.LiveDemo(
        ops.polres, params=live.Params(calls_per_hour=0, human_share=0.0, dispatch_s=(5, 5)), seed=4
    )
    sim.step(start)
    assert sim.stats["orphans"] == 2
    run_for(sim, start, 1, step_s=5)
    assert Incident.objects.get(pk=waiting.pk).status != "created"  # dispatched like any other
    run_for(sim, start + dt.timedelta(minutes=1), 5, step_s=10)
    assert Incident.objects.get(pk=done.pk).status == "closed"  # walked on to closed
