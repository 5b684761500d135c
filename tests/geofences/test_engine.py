"""The engine: enter / leave / dwell transitions, who rules apply to, quiet windows, out-of-order fixes,
overlapping fences, event-zone windows, the periodic sweep and the fence index cache."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.geofences import engine, services
from siaga.geofences.models import GeofenceState

from .conftest import CENTRE, T0, minutes, square

IN = (CENTRE[1], CENTRE[0])  # lat, lon inside the default square
OUT = (CENTRE[1] + 0.05, CENTRE[0])  # 5.5 km north


def fence(w, name="Zona terlarang", *, geometry=None, kind="forbidden_zone", rules=("enter", "leave"), **kw):
    f = services.create_fence(w.u("kabag_ops"), name=name, kind=kind, geometry=geometry or square(), **kw)
    for r in rules:
        if isinstance(r, dict):
            services.add_rule(w.u("kabag_ops"), f.pk, **r)
        else:
            services.add_rule(w.u("kabag_ops"), f.pk, trigger=r)
    return f


def fix(unit, where, at, device=None, kind=""):
    return (getattr(unit, "pk", unit), device, kind, where[0], where[1], at)


def test_enter_then_leave_raise_one_alert_each(w, raised):
    f = fence(w)
    u = w.units["R4-01"]
    engine.observe(w.tree.a.pk, [fix(u, OUT, minutes(0))])
    assert raised.calls == [] and not GeofenceState.objects.exists()  # never inside: nothing stored
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(1))])
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(2))])  # still inside: nothing new
    engine.observe(w.tree.a.pk, [fix(u, OUT, minutes(3))])
    assert raised.kinds() == ["geofence.enter", "geofence.leave"]
    enter = raised.calls[0]
    assert enter["polres_id"] == w.tree.a.pk and enter["unit_id"] == u.pk and enter["at"] == minutes(1)
    assert enter["details"]["geofence_id"] == f.pk and enter["details"]["geofence"] == "Zona terlarang"
    assert "R4-01" in enter["title"] and enter["dedupe_key"]
    s = GeofenceState.objects.get()
    assert not s.inside and s.left_at == minutes(3) and s.last_fix_at == minutes(3)


def test_a_batch_with_several_fixes_of_one_subject_is_taken_in_time_order(w, raised):
    fence(w)
    u = w.units["R4-01"]
    batch = [fix(u, OUT, minutes(3)), fix(u, IN, minutes(1)), fix(u, IN, minutes(2)), fix(u, IN, minutes(4))]
    engine.observe(w.tree.a.pk, batch)
    assert raised.kinds() == ["geofence.enter", "geofence.leave", "geofence.enter"]
    assert [c["at"] for c in raised.calls] == [minutes(1), minutes(3), minutes(4)]


def test_out_of_order_fixes_are_ignored(w, raised):
    fence(w)
    u = w.units["R4-01"]
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(10))])
    engine.observe(w.tree.a.pk, [fix(u, OUT, minutes(5))])  # older than the state's last fix
    assert raised.kinds() == ["geofence.enter"]
    s = GeofenceState.objects.get()
    assert s.inside and s.last_fix_at == minutes(10)


def test_first_fix_inside_is_an_enter(w, raised):
    fence(w)
    engine.observe(w.tree.a.pk, [fix(None, IN, minutes(0), device=77, kind="bodycam")])
    assert raised.kinds() == ["geofence.enter"]
    assert raised.calls[0]["device_id"] == 77 and raised.calls[0]["unit_id"] is None
    assert GeofenceState.objects.get().subject == "d:77"


def test_dwell_is_raised_once_per_visit(w, raised):
    fence(w, rules=({"trigger": "dwell", "dwell_minutes": 10},))
    u = w.units["R2-01"]
    for m in (0, 5, 9):
        engine.observe(w.tree.a.pk, [fix(u, IN, minutes(m))])
    assert raised.calls == []
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(10))])
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(30))])
    assert raised.kinds() == ["geofence.dwell"]
    engine.observe(w.tree.a.pk, [fix(u, OUT, minutes(31))])
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(32))])
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(45))])  # a new visit: 13 min
    assert raised.kinds() == ["geofence.dwell", "geofence.dwell"]


def test_sweep_raises_dwell_for_a_subject_that_stopped_reporting(w, raised):
    fence(w, rules=({"trigger": "dwell", "dwell_minutes": 15},))
    u = w.units["POS-01"]
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(0))])
    assert engine.sweep(minutes(14))["dwell"] == 0
    assert engine.sweep(minutes(16))["dwell"] == 1
    assert engine.sweep(minutes(20))["dwell"] == 0  # once per visit
    assert raised.kinds() == ["geofence.dwell"] and raised.calls[0]["at"] == minutes(16)
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(25))])
    assert raised.kinds() == ["geofence.dwell"]  # the fix does not raise it again


def test_rules_apply_to_unit_kinds_device_kinds_and_named_units(w, raised):
    r4, r2, post = w.units["R4-01"], w.units["R2-01"], w.units["POS-01"]
    fence(
        w,
        rules=(
            {"trigger": "enter", "unit_kinds": ["r2"]},
            {"trigger": "enter", "device_kinds": ["bodycam"]},
            {"trigger": "enter", "units": [post.pk]},
        ),
    )
    engine.observe(
        w.tree.a.pk,
        [
            fix(r4, IN, minutes(0), device=1, kind="avl"),  # no rule applies
            fix(r2, IN, minutes(0), device=2, kind="avl"),  # unit kind
            fix(post, IN, minutes(0), device=3, kind="avl"),  # named unit
            fix(None, IN, minutes(0), device=4, kind="bodycam"),  # device kind
        ],
    )
    got = sorted((c["details"]["subject"], c["details"]["rule_id"]) for c in raised.calls)
    assert {s for s, _r in got} == {f"u:{r2.pk}", f"u:{post.pk}", "d:4"}
    assert len(got) == 3
    assert GeofenceState.objects.count() == 4  # every subject's presence is kept, alerted or not


def test_quiet_window_holds_back_repeats(w, raised):
    fence(w, rules=({"trigger": "enter", "quiet_minutes": 30}, "leave"))
    u = w.units["R4-01"]
    for m, where in ((0, IN), (5, OUT), (10, IN), (15, OUT), (40, IN)):
        engine.observe(w.tree.a.pk, [fix(u, where, minutes(m))])
    assert raised.kinds() == [
        "geofence.enter",
        "geofence.leave",
        "geofence.leave",
        "geofence.enter",
    ]
    assert [c["at"] for c in raised.calls if c["kind"] == "geofence.enter"] == [minutes(0), minutes(40)]


def test_overlapping_fences_each_see_their_own_transitions(w, raised):
    a = fence(w, "Zona A", geometry=square(half=0.01))
    b = fence(w, "Zona B", geometry=square(lon=CENTRE[0] + 0.015, half=0.01))
    u = w.units["R4-01"]
    both = (CENTRE[1], CENTRE[0] + 0.0075)
    only_b = (CENTRE[1], CENTRE[0] + 0.02)
    for m, where in ((0, IN), (1, both), (2, only_b), (3, OUT)):
        engine.observe(w.tree.a.pk, [fix(u, where, minutes(m))])
    seen = [(c["details"]["geofence_id"], c["kind"], c["at"]) for c in raised.calls]
    assert seen == [
        (a.pk, "geofence.enter", minutes(0)),
        (b.pk, "geofence.enter", minutes(1)),
        (a.pk, "geofence.leave", minutes(2)),
        (b.pk, "geofence.leave", minutes(3)),
    ]


def test_event_zone_counts_only_within_its_window(w, raised):
    fence(w, kind="event_zone", active_from=minutes(10), active_until=minutes(20))
    u = w.units["R4-01"]
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(5))])
    assert raised.calls == []
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(11))])
    assert raised.kinds() == ["geofence.enter"]
    engine.observe(w.tree.a.pk, [fix(u, OUT, minutes(25))])  # after the window: ignored
    assert raised.kinds() == ["geofence.enter"]
    assert engine.sweep(minutes(30), cleanup=True)["dropped"] == 1 and not GeofenceState.objects.exists()


def test_fixes_of_other_polres_units_and_bad_fixes_are_skipped(w, raised):
    fence(w)
    bad = [
        (None, None, "", IN[0], IN[1], minutes(0)),  # no subject
        (w.units["R4-01"].pk, None, "", float("nan"), IN[1], minutes(0)),
        (w.units["R4-01"].pk, None, "", 95.0, IN[1], minutes(0)),
        (w.units["R4-01"].pk, None, "", IN[0], IN[1], "yesterday"),
        ("x",),
        (w.unit_b.pk, None, "", IN[0], IN[1], minutes(0)),  # a unit of Polres B, no device
    ]
    assert engine.observe(w.tree.a.pk, bad) == []
    assert raised.calls == [] and not GeofenceState.objects.exists()


def test_deactivated_fence_and_removed_rule_stop_alerting(w, raised):
    f = fence(w, rules=("enter",))
    rule = f.rules.get()
    u = w.units["R4-01"]
    services.remove_rule(w.u("kabag_ops"), rule.pk)
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(0))])
    assert raised.calls == []  # the index saw the rule go (stamp moved)
    services.add_rule(w.u("kabag_ops"), f.pk, trigger="leave")
    services.deactivate_fence(w.u("kabag_ops"), f.pk)
    engine.observe(w.tree.a.pk, [fix(u, OUT, minutes(1))])
    assert raised.calls == [] and not GeofenceState.objects.exists()


def test_index_is_cached_until_the_stamp_moves(w, raised, django_assert_num_queries):
    fence(w, rules=())
    engine.index(w.tree.a.pk)
    with django_assert_num_queries(1):  # the stamp only
        first = engine.index(w.tree.a.pk)
    assert first is engine.index(w.tree.a.pk)
    fence(w, "Zona 2", geometry=square(lon=107.1), rules=())
    assert len(engine.index(w.tree.a.pk).fences) == 2


def test_no_fences_no_work(w, raised, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert engine.observe(w.tree.a.pk, [fix(w.units["R4-01"], IN, minutes(0))]) == []


@pytest.mark.parametrize("naive", [True, False])
def test_naive_times_are_utc(w, raised, naive):
    fence(w)
    at = T0.replace(tzinfo=None) if naive else T0
    engine.observe(w.tree.a.pk, [fix(w.units["R4-01"], IN, at)])
    assert raised.calls[0]["at"] == T0 and raised.calls[0]["at"].tzinfo is not None
    assert GeofenceState.objects.get().inside_since == T0.astimezone(dt.UTC)


def test_sweep_looks_only_at_states_with_a_dwell_due(w, raised, django_assert_max_num_queries):
    f = fence(w, rules=({"trigger": "dwell", "dwell_minutes": 30, "unit_kinds": ["r2"]},))
    r4, r2 = w.units["R4-01"], w.units["R2-01"]
    engine.observe(w.tree.a.pk, [fix(r4, IN, minutes(0)), fix(r2, IN, minutes(0))])
    due = dict(GeofenceState.objects.values_list("subject", "next_dwell_at"))
    assert due == {f"u:{r4.pk}": None, f"u:{r2.pk}": minutes(30)}  # the rule does not apply to R4
    with django_assert_max_num_queries(1):
        assert engine.sweep(minutes(29), cleanup=False) == {"dwell": 0, "dropped": 0}
    assert engine.sweep(minutes(31), cleanup=False)["dwell"] == 1
    assert GeofenceState.objects.get(subject=f"u:{r2.pk}").next_dwell_at is None
    # a new dwell rule for everyone: the subjects inside are looked at again
    services.add_rule(w.u("kabag_ops"), f.pk, trigger="dwell", dwell_minutes=45)
    assert engine.sweep(minutes(40), cleanup=False)["dwell"] == 0
    assert GeofenceState.objects.get(subject=f"u:{r4.pk}").next_dwell_at == minutes(45)
    assert engine.sweep(minutes(46), cleanup=False)["dwell"] == 2
    assert raised.kinds() == ["geofence.dwell"] * 3


def test_fixes_that_change_only_the_position_are_written_at_most_every_refresh(w, raised):
    fence(w)
    u = w.units["R4-01"]
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(0))])  # enter: written
    v0 = GeofenceState.objects.get().version
    for k in range(1, 6):  # every 5 s for 25 s, still inside: nothing material
        engine.observe(w.tree.a.pk, [fix(u, IN, minutes(k / 12))])
    s = GeofenceState.objects.get()
    assert s.version == v0 and s.last_fix_at == minutes(0)
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(0.5))])  # 30 s after the stored fix: refreshed
    s = GeofenceState.objects.get()
    assert s.version == v0 + 1 and s.last_fix_at == minutes(0.5)
    engine.observe(w.tree.a.pk, [fix(u, OUT, minutes(0.6))])  # a crossing is written at once
    s = GeofenceState.objects.get()
    assert not s.inside and s.last_fix_at == minutes(0.6)
    assert raised.kinds() == ["geofence.enter", "geofence.leave"]


def _racing(monkeypatch, w, fixes):
    """Make another worker apply `fixes` between this call's read of the states and its write."""
    original, fired = engine._plan_subject, []

    def plan(*args, **kwargs):
        changes = original(*args, **kwargs)
        if not fired:
            fired.append(True)
            monkeypatch.setattr(engine, "_plan_subject", original)
            engine.observe(w.tree.a.pk, fixes)  # lands first: its states and its alerts
            monkeypatch.setattr(engine, "_plan_subject", plan)
        return changes

    monkeypatch.setattr(engine, "_plan_subject", plan)


@pytest.mark.parametrize("stored_before", [False, True], ids=["new state", "stored state"])
def test_a_worker_whose_write_loses_redoes_the_subject_and_raises_nothing_twice(
    w, raised, monkeypatch, stored_before
):
    fence(w)
    u = w.units["R4-01"]
    if stored_before:  # inside, then the racing fix is a leave: the stored state's version is bumped
        engine.observe(w.tree.a.pk, [fix(u, IN, minutes(0))])
        batch = [fix(u, OUT, minutes(1))]
    else:  # no state yet: both insert the same (fence, subject); one insert lands
        batch = [fix(u, IN, minutes(1))]
    before = len(raised.calls)
    _racing(monkeypatch, w, batch)
    assert engine.observe(w.tree.a.pk, batch) == []  # lost, re-read, nothing left to do
    assert raised.kinds()[before:] == (["geofence.leave"] if stored_before else ["geofence.enter"])
    s = GeofenceState.objects.get()
    assert s.inside is (not stored_before) and s.last_fix_at == minutes(1)


def test_a_lost_write_keeps_the_later_fixes_the_other_worker_had_not_seen(w, raised, monkeypatch):
    fence(w)
    u = w.units["R4-01"]
    _racing(monkeypatch, w, [fix(u, IN, minutes(1))])
    engine.observe(w.tree.a.pk, [fix(u, IN, minutes(1)), fix(u, OUT, minutes(2))])
    assert raised.kinds() == ["geofence.enter", "geofence.leave"]  # enter by the other, leave by us
    s = GeofenceState.objects.get()
    assert not s.inside and s.last_fix_at == minutes(2)


def test_states_of_many_subjects_are_written_together(w, raised, django_assert_max_num_queries):
    fence(w)
    units = list(w.units.values())
    engine.observe(w.tree.a.pk, [fix(units[0], IN, minutes(0))])  # warm the index; one stored state
    batch = [fix(u, IN if k else OUT, minutes(1)) for k, u in enumerate(units)]
    batch += [(None, 900 + k, "tracker", *IN, minutes(1)) for k in range(40)]  # devices without a unit
    with django_assert_max_num_queries(12):  # not one write per subject
        engine.observe(w.tree.a.pk, batch)
    assert GeofenceState.objects.filter(inside=True).count() == 2 + 40
    assert GeofenceState.objects.get(subject=f"u:{units[0].pk}").inside is False
    assert sorted(raised.kinds()) == ["geofence.enter"] * 43 + ["geofence.leave"]
