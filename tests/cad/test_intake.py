"""cad.intake: ringing, answering, the escalation ladder, caller history, dispositions and places."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from siaga.cad import incidents, intake
from siaga.cad.models import Call, OpsConfig
from siaga.core.context import acting
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.territory.models import Rt

from .conftest import KELURAHAN, OUTSIDE
from .ops_fixtures import *  # noqa: F403
from .ops_fixtures import P_S1, refresh

pytestmark = pytest.mark.django_db


def ring(ops, number="081234567890", call_id=None, at=None):
    with acting(None, "telephony"):
        return intake.ring(ops.polres, number, call_id=call_id, at=at)


def test_ring_creates_a_ringing_call_and_is_idempotent_on_call_id(ops):
    before = AuditEntry.objects.count()
    c = ring(ops, "0812-3456-7890", call_id="pbx-1")
    assert c.status == "ringing" and c.caller_number == "081234567890" and c.answered_at is None
    assert AuditEntry.objects.filter(seq__gt=before, action="cad.call.ringing").count() == 1
    again = ring(ops, "081234567890", call_id="pbx-1")
    assert again.pk == c.pk and Call.objects.count() == 1
    assert AuditEntry.objects.count() == before + 1
    # the same call id at another Polres is another call
    with acting(None, "telephony"):
        other = intake.ring(ops.other, "081234567890", call_id="pbx-1")
    assert other.pk != c.pk


@pytest.mark.parametrize(
    "kwargs",
    [
        {"caller_number": "call me maybe"},
        {"caller_number": "0812", "call_id": "x" * 65},
        {"caller_number": "0812345", "at": dt.datetime(2026, 1, 1, 12, 0)},  # naive
        {"caller_number": "0812345", "at": timezone.now() + dt.timedelta(hours=1)},
    ],
)
def test_ring_rejects_bad_input(ops, kwargs):
    with pytest.raises(Invalid), acting(None, "telephony"):
        intake.ring(ops.polres, **kwargs)
    assert Call.objects.count() == 0


def test_answer_once_then_conflict(ops):
    c = ring(ops)
    answered = intake.answer(ops.u("operator"), c)
    assert answered.status == "answered" and answered.operator_id == ops.u("operator").pk
    assert answered.answered_at is not None
    with pytest.raises(Conflict):
        intake.answer(ops.u("dispatcher"), c)


@pytest.mark.parametrize(
    "who,error",
    [
        ("citizen", NotFound),
        ("disp_s1", NotFound),
        ("other_disp", NotFound),
        ("analyst", Forbidden),
        ("patrol", NotFound),
    ],
)
def test_answer_needs_a_call_taker_in_scope(ops, who, error):
    c = ring(ops)
    with pytest.raises(error):
        intake.answer(ops.u(who), c)
    assert refresh(c).status == "ringing"


def test_escalation_ladder_by_ringing_time(ops):
    t0 = timezone.now() - dt.timedelta(minutes=5)
    c = ring(ops, at=t0)
    assert intake.escalate_overdue(now=t0 + dt.timedelta(seconds=5)) == []
    moved = intake.escalate_overdue(now=t0 + dt.timedelta(seconds=12))
    assert [(m["call_id"], m["from"], m["to"]) for m in moved] == [(c.pk, "", "polsek")]
    assert intake.escalate_overdue(now=t0 + dt.timedelta(seconds=15)) == []  # idempotent
    assert [m["to"] for m in intake.escalate_overdue(now=t0 + dt.timedelta(seconds=20))] == ["polres"]
    assert [m["to"] for m in intake.escalate_overdue(now=t0 + dt.timedelta(seconds=41))] == ["polda"]
    assert intake.escalate_overdue(now=t0 + dt.timedelta(seconds=300)) == []  # top of the ladder
    c = refresh(c)
    assert c.escalation_level == "polda" and c.escalated_at == t0 + dt.timedelta(seconds=41)
    assert AuditEntry.objects.filter(action="cad.call.escalated").count() == 3


def test_a_late_check_jumps_straight_to_the_reached_level_and_answered_calls_stay(ops):
    t0 = timezone.now() - dt.timedelta(minutes=5)
    late = ring(ops, "0811111111", at=t0)
    answered = ring(ops, "0822222222", at=t0)
    intake.answer(ops.u("operator"), answered)
    moved = intake.escalate_overdue(now=t0 + dt.timedelta(seconds=45))
    assert [(m["call_id"], m["from"], m["to"]) for m in moved] == [(late.pk, "", "polda")]


def test_custom_ladder_from_ops_config(ops):
    with pytest.raises(Forbidden):
        intake.set_ops_config(ops.u("operator"), ops.polres, target_answer_s=15)
    with pytest.raises(Invalid):
        intake.set_ops_config(
            ops.u("kabag"),
            ops.polres,
            escalation_ladder=[{"level": "a", "after_s": 30}, {"level": "b", "after_s": 20}],
        )
    intake.set_ops_config(ops.u("kabag"), ops.polres, escalation_ladder=[{"level": "piket", "after_s": 30}])
    assert OpsConfig.objects.get(polres=ops.polres).escalation_ladder == [{"level": "piket", "after_s": 30}]
    t0 = timezone.now() - dt.timedelta(minutes=5)
    ring(ops, at=t0)
    assert intake.escalate_overdue(now=t0 + dt.timedelta(seconds=25)) == []
    assert [m["to"] for m in intake.escalate_overdue(now=t0 + dt.timedelta(seconds=30))] == ["piket"]


def test_queue_marks_overdue_calls(ops):
    now = timezone.now()
    old = ring(ops, "0811", at=now - dt.timedelta(seconds=30))
    new = ring(ops, "0822", at=now - dt.timedelta(seconds=2))
    q = intake.queue(ops.u("operator"), now=now)
    assert [(x["call"].pk, x["overdue"]) for x in q] == [(old.pk, True), (new.pk, False)]
    assert intake.queue(ops.u("citizen"), now=now) == []


def _closed(ops, number, disposition, at):
    c = ring(ops, number, at=at)
    intake.answer(ops.u("operator"), c, at=at + dt.timedelta(seconds=3))
    return intake.close_call(ops.u("operator"), c, disposition, at=at + dt.timedelta(seconds=30))


def test_caller_history_counts_pranks_and_flags_repeat_callers(ops):
    now = timezone.now()
    for k in range(3):
        _closed(ops, "081300000001", "prank", now - dt.timedelta(days=1, hours=k))
    _closed(ops, "081300000001", "information", now - dt.timedelta(days=30))
    _closed(ops, "081300000002", "information", now - dt.timedelta(days=2))
    h = intake.caller_history(ops.u("operator"), "0813-0000-0001", now=now)
    assert (h.total, h.prank_count, h.recent_count) == (4, 3, 3)
    assert h.repeat and h.prankster
    assert [c.disposition for c in h.calls][:3] == ["prank"] * 3
    h2 = intake.caller_history(ops.u("operator"), "081300000002", now=now)
    assert (h2.total, h2.repeat, h2.prankster) == (1, False, False)
    assert intake.caller_history(ops.u("citizen"), "081300000001", now=now).total == 0
    with pytest.raises(Invalid):
        intake.caller_history(ops.u("operator"), "")


def test_close_call_dispositions(ops):
    op = ops.u("operator")
    c = ring(ops)
    with pytest.raises(Invalid):  # not answered yet
        intake.close_call(op, c, "information")
    intake.answer(op, c)
    with pytest.raises(Invalid):
        intake.close_call(op, c, "nonsense")
    with pytest.raises(Invalid):  # incident disposition needs its incident
        intake.close_call(op, c, "incident")
    with pytest.raises(Invalid):
        intake.close_call(op, c, "information", category="alien")
    c = intake.close_call(op, c, "prank", notes="laughing")
    assert (c.status, c.disposition, c.category, c.notes) == ("ended", "prank", "prank", "laughing")
    assert c.ended_at is not None
    with pytest.raises(Conflict):
        intake.close_call(op, c, "information")
    abandoned = ring(ops, "0899")
    with pytest.raises(Invalid):
        intake.close_call(op, abandoned, "prank")
    assert intake.close_call(op, abandoned, "abandoned").disposition == "abandoned"


def test_close_call_linked_to_an_open_incident_with_a_place_from_address_text(ops):
    op = ops.u("operator")
    i = incidents.create_incident(op, category="curat", lat=P_S1[1], lon=P_S1[0], summary="maling")
    c = ring(ops)
    intake.answer(op, c)
    c = intake.close_call(
        op, c, "linked", incident=i, address="Jl. Melati 5 RT 002/RW 001, Kel. Margahayu, Bekasi Timur"
    )
    assert c.incident_id == i.pk and c.disposition == "linked" and c.category == "curat"
    assert c.kelurahan_code == KELURAHAN[1] and (c.rw, c.rt) == (1, 2)
    rt = Rt.objects.get(kelurahan_id=KELURAHAN[1], rw_number=1, number=2)
    assert (c.lat, c.lon) == pytest.approx((rt.centroid_lat, rt.centroid_lon))


def test_close_call_outside_the_polres_changes_nothing(ops):
    op = ops.u("operator")
    c = intake.answer(op, ring(ops))
    with pytest.raises(Invalid) as e:
        intake.close_call(op, c, "information", lat=OUTSIDE[1], lon=OUTSIDE[0])
    assert "outside" in e.value.message
    c = refresh(c)
    assert c.status == "answered" and c.kelurahan_code == "" and c.disposition == ""


class TestResolveLocation:
    def test_point(self, ops):
        p = intake.resolve_location(ops.polres, lat=P_S1[1], lon=P_S1[0])
        assert p.kelurahan_code == KELURAHAN[0] and p.polsek_id == ops.s1.pk and p.rt and p.rw
        assert p.kecamatan_code == "32.75.01" and len(p.h3_cell) == 15

    def test_kelurahan_rw_rt_and_kelurahan_centroid(self, ops):
        rt = Rt.objects.filter(kelurahan_id=KELURAHAN[3]).order_by("rw_number", "number").first()
        p = intake.resolve_location(ops.polres, kelurahan_code=KELURAHAN[3], rw=rt.rw_number, rt=rt.number)
        assert (p.lat, p.lon) == pytest.approx((rt.centroid_lat, rt.centroid_lon))
        assert p.polsek_id == ops.s2.pk and (p.rw, p.rt) == (rt.rw_number, rt.number)
        k = intake.resolve_location(ops.polres, kelurahan_code=KELURAHAN[0])
        assert k.rt is None and k.polsek_id == ops.s1.pk and k.kelurahan_code == KELURAHAN[0]

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"lat": OUTSIDE[1], "lon": OUTSIDE[0]},
            {"lat": 95.0, "lon": 107.0},
            {"lat": float("nan"), "lon": 107.0},
            {"lat": -6.2},
            {"kelurahan_code": "32.16.01.2001"},  # Kabupaten Bekasi: another Polres
            {"kelurahan_code": "99.99.99.9999"},
            {"kelurahan_code": KELURAHAN[0], "rw": 1, "rt": 99},
            {"address": "somewhere over the rainbow"},
            {},
        ],
    )
    def test_bad_places(self, ops, kwargs):
        with pytest.raises(Invalid):
            intake.resolve_location(ops.polres, **kwargs)
