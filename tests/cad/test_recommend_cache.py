"""The recommendation's unit cache (cad.recommend.read_candidates): every unit or assignment write is seen
by the very next recommendation, users and scopes never share cached columns, a transaction's own
uncommitted writes are never cached, and cached answers equal a plain ORM read ranked the same way.

Transactional: the unit stamp moves after a real commit, as in production."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from siaga.accounts.models import User
from siaga.accounts.services import create_user
from siaga.cad import dispatching, incidents
from siaga.cad import recommend as rec
from siaga.cad import services as cad_services
from siaga.cad.models import Unit
from siaga.core.errors import NotFound

from .ops_fixtures import *  # noqa: F403
from .ops_fixtures import P_S1, P_S1B, P_S2, refresh
from .recommend_reference import plain_recommend

pytestmark = pytest.mark.django_db(transaction=True)


def new(ops, category="curat", point=P_S1, **kw):
    return incidents.create_incident(ops.u("operator"), category=category, lat=point[1], lon=point[0], **kw)


def names(user, incident, **kw):
    return [r.callsign for r in dispatching.recommend(user, incident, limit=10, **kw)]


def queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        out = fn()
    return out, len(ctx.captured_queries)


def reference(user, incident, now=None, limit=10):
    return plain_recommend(user, incident.pk, now=now, limit=limit)


def test_a_warm_call_is_two_small_queries_and_the_same_answer(ops):
    d, i = ops.u("dispatcher"), new(ops)
    first, n_first = queries(lambda: dispatching.recommend(d, i, limit=10))
    again, n_again = queries(lambda: dispatching.recommend(d, i, limit=10))
    assert again == first == reference(d, i)
    assert n_again == 2 < n_first  # the incident through the read gate, the unit stamp


def test_status_position_dispatch_and_clearing_are_seen_by_the_very_next_call(ops):
    d = ops.u("dispatcher")
    i = new(ops)
    r2 = ops.units["S1-R2"]
    assert "S1-R2" in names(d, i)
    dispatching.set_unit_status(d, r2, "off_duty")
    assert "S1-R2" not in names(d, i)
    dispatching.set_unit_status(d, r2, "available")
    assert "S1-R2" in names(d, i)

    far = next(r for r in dispatching.recommend(d, i, limit=10) if r.callsign == "S1-R2").distance_m
    dispatching.update_position(r2, P_S1[1], P_S1[0] + 0.0005, timezone.now())
    near = next(r for r in dispatching.recommend(d, i, limit=10) if r.callsign == "S1-R2")
    assert near.distance_m < far and near.distance_m == pytest.approx(55, rel=0.1)

    job = new(ops)
    dispatching.dispatch(d, job, r2)
    assert "S1-R2" not in names(d, i)
    dispatching.set_unit_status(d, r2, "cleared")
    back = next(r for r in dispatching.recommend(d, i, limit=10) if r.callsign == "S1-R2")
    assert "1 job(s) this shift" in back.reasons
    assert dispatching.recommend(d, i, limit=10) == reference(d, i)


def test_closing_an_incident_frees_its_units_for_the_next_call(ops):
    d = ops.u("dispatcher")
    i, job = new(ops), new(ops)
    dispatching.dispatch(d, job, ops.units["S1-R4"])
    assert "S1-R4" not in names(d, i)
    for step in ("en_route", "on_scene", "cleared"):  # the incident, not the unit, is cleared
        incidents.transition(d, job, step, refresh(job).version)
    assert "S1-R4" in names(d, i)


def test_new_units_and_plain_orm_saves_are_seen(ops):
    d, i = ops.u("dispatcher"), new(ops)
    names(d, i)
    cad_services.bulk_create_units(
        ops.polres, [{"callsign": "NEW", "kind": "r2", "lon": P_S1B[0], "lat": P_S1B[1]}]
    )
    assert "NEW" in names(d, i)
    u = Unit.objects.get(callsign="NEW")
    u.status = "out_of_service"
    u.save()  # e.g. the admin site
    assert "NEW" not in names(d, i)
    u.delete()
    assert dispatching.recommend(d, i, limit=10) == reference(d, i)


def test_a_write_by_another_process_is_seen_through_the_stamp(ops):
    d, i = ops.u("dispatcher"), new(ops)
    assert "S1-R2" in names(d, i)
    # what another process's service does: change the row, commit, move the stamp (no signal here)
    Unit.objects.filter(pk=ops.units["S1-R2"].pk).update(status="off_duty")
    assert "S1-R2" in names(d, i)  # this process has not heard of it: the cached columns are used
    rec.bump_units_stamp(ops.polres.pk)
    assert "S1-R2" not in names(d, i)


def test_the_load_window_moves_with_the_clock_without_a_write(ops):
    d = ops.u("dispatcher")
    r4 = ops.units["S1-R4"]
    for _k in range(2):
        dispatching.dispatch(d, new(ops), r4)
        dispatching.set_unit_status(d, r4, "cleared")
    i = new(ops)
    now = timezone.now()
    assert dispatching.recommend(d, i, limit=10, now=now) == reference(d, i, now=now)
    later = now + dt.timedelta(hours=9)
    got = dispatching.recommend(d, i, limit=10, now=later)
    assert got == reference(d, i, now=later)
    assert not any("job" in x for r in got for x in r.reasons)
    earlier = now - dt.timedelta(hours=30)  # before the cached margin: read again, same answer
    assert dispatching.recommend(d, i, limit=10, now=earlier) == reference(d, i, now=earlier)


def test_users_and_scopes_never_share_cached_columns(ops):
    i = new(ops)
    everyone = {"S1-R4", "S1-R2", "S2-R4", "LANTAS"}
    assert set(names(ops.u("dispatcher"), i)) == everyone  # warm for the Polres-wide dispatcher
    assert set(names(ops.u("disp_s1"), i)) == {"S1-R4", "S1-R2"}  # S1 sees its own units only
    assert set(names(ops.u("dispatcher"), i)) == everyone
    with pytest.raises(NotFound):
        dispatching.recommend(ops.u("disp_s2"), i)
    with pytest.raises(NotFound):
        dispatching.recommend(ops.u("other_disp"), i)
    with pytest.raises(NotFound):
        dispatching.recommend(ops.u("citizen"), i)
    # a Polsek dispatcher moved to the other Polsek sees the other units, not the cached ones
    s1 = User.objects.get(pk=ops.u("disp_s1").pk)
    i2 = new(ops, point=P_S2)
    with pytest.raises(NotFound):
        dispatching.recommend(s1, i2)
    s1.polsek = ops.s2
    s1.save()
    s1 = User.objects.get(pk=s1.pk)
    assert set(names(s1, i2)) == {"S2-R4"}
    # Intelkam may see incidents but no units: no candidates, never someone else's cached ones
    intel = create_user("intel", "Sandi-Rahasia-123", "intelkam", validate=False, polres=ops.polres)
    assert dispatching.recommend(intel, i) == reference(intel, i) == []


def test_a_transactions_own_uncommitted_writes_are_read_not_cached(ops):
    d, i = ops.u("dispatcher"), new(ops)
    assert "S1-R2" in names(d, i)
    with pytest.raises(RuntimeError), transaction.atomic():
        dispatching.set_unit_status(d, ops.units["S1-R2"], "off_duty")
        assert rec.changed_in_this_transaction(ops.polres.pk)
        assert "S1-R2" not in names(d, i)  # its own write
        raise RuntimeError("rolled back")
    assert not rec.changed_in_this_transaction(ops.polres.pk)
    assert "S1-R2" in names(d, i)  # the rolled-back state was not cached


def test_recommendations_equal_the_plain_read_for_every_user_and_incident(ops):
    d = ops.u("dispatcher")
    dispatching.dispatch(d, new(ops), ops.units["LANTAS"])
    dispatching.set_unit_status(d, ops.units["LANTAS"], "cleared")
    points = [(P_S1, "curat", 3), (P_S2, "laka", 2), (P_S1B, "tawuran", 1)]
    made = [new(ops, category=c, point=p, priority=pr) for p, c, pr in points]
    for who in ("dispatcher", "disp_s1", "disp_s2", "commander", "kabag", "admin", "analyst"):
        u = ops.u(who)
        for i in made:
            try:
                want = reference(u, i)
            except incidents.Incident.DoesNotExist:
                with pytest.raises(NotFound):
                    dispatching.recommend(u, i, limit=10)
                continue
            assert dispatching.recommend(u, i, limit=10) == want, (who, i.pk)
            assert dispatching.recommend(u, i, limit=10) == want, (who, i.pk)  # warm
