"""SKCK pre-registration: Intelkam publishes slots; a citizen books one (fee shown), one active booking
per NIK, full slots refused, cancellation and rejection free the place; two citizens racing for the last
place: exactly one wins (threads on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.permits import selectors, slots, submit, workflow
from siaga.permits.models import Request, Slot

from .conftest import *  # noqa: F403
from .conftest import key, person, working_day


def schedule(pw, capacity=2, user="intelkam", polsek=None, times=("08:00", "10:00")):
    return slots.create_schedule(
        pw.u(user),
        polres=pw.tree.a,
        polsek=polsek,
        date_from=working_day(1),
        date_to=working_day(3),
        times=list(times),
        minutes=60,
        capacity=capacity,
    )


def skck(slot_, n=1, **over):
    fields = {**person(n), "slot": slot_.pk, "dob": "1990-04-12", "purpose": "pekerjaan", **over}
    return submit.submit(kind="skck", key=key(n, "skck"), fields=fields)


@pytest.mark.django_db
def test_a_schedule_makes_slots_on_working_days_only(pw):
    made = schedule(pw)
    assert len(made) == 6  # 3 working days x 2 times
    from siaga.permits import rules

    assert all(rules.is_working_day(timezone.localtime(s.starts_at).date()) for s in made)
    assert schedule(pw) == []  # the same schedule again adds nothing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("over", "err"),
    [
        ({"times": []}, Invalid),
        ({"times": ["25:00"]}, Invalid),
        ({"capacity": 0}, Invalid),
        ({"capacity": 500}, Invalid),
        ({"minutes": 5}, Invalid),
        ({"date_to": "2020-01-01"}, Invalid),
        ({"date_from": "besok"}, Invalid),
    ],
)
def test_bad_schedules_are_refused(pw, over, err):
    kwargs = {
        "polres": pw.tree.a,
        "date_from": working_day(1),
        "date_to": working_day(3),
        "times": ["08:00"],
        "capacity": 5,
        **over,
    }
    with pytest.raises(err):
        slots.create_schedule(pw.u("intelkam"), **kwargs)
    assert Slot.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["operator", "commander", "dispatcher", "intelkam_b"])
def test_only_intelkam_of_the_polres_publishes_slots(pw, user):
    with pytest.raises(Forbidden):
        schedule(pw, user=user)
    assert Slot.objects.count() == 0


@pytest.mark.django_db
def test_booking_takes_a_place_and_shows_the_fee(pw):
    slot = schedule(pw)[0]
    s = skck(slot)
    r = s.request
    assert r.status == "submitted" and r.slot_id == slot.pk and r.active_nik == r.nik
    assert Slot.objects.get(pk=slot.pk).booked == 1
    view = selectors.public_view(r)
    assert view["fee_text"] == "Rp30.000" and view["slot"]["starts_at"] == slot.starts_at


@pytest.mark.django_db
def test_one_active_booking_per_nik(pw):
    a, b = schedule(pw)[:2]
    skck(a, 1)
    with pytest.raises(Conflict) as e:
        skck(b, 2, nik=person(1)["nik"])
    assert e.value.code == "one_booking"
    assert Slot.objects.get(pk=b.pk).booked == 0 and Request.objects.count() == 1


@pytest.mark.django_db
def test_a_full_slot_is_refused_and_cancelling_frees_the_place(pw):
    slot = schedule(pw, capacity=1)[0]
    first = skck(slot, 1)
    with pytest.raises(Conflict) as e:
        skck(slot, 2)
    assert e.value.code == "slot_full" and Request.objects.count() == 1
    submit.cancel(first.request.tracking_code, first.secret)
    assert Slot.objects.get(pk=slot.pk).booked == 0
    again = skck(slot, 3, nik=person(1)["nik"])  # the same NIK may book again after cancelling
    assert again.created and Slot.objects.get(pk=slot.pk).booked == 1


@pytest.mark.django_db
def test_rejection_frees_the_place_and_confirmation_keeps_it(pw):
    slot = schedule(pw, capacity=3)[0]
    a, b = skck(slot, 1), skck(slot, 2)
    workflow.reject(pw.u("intelkam"), a.request.pk, reason="NIK tidak cocok dengan KTP.")
    workflow.approve(pw.u("intelkam"), b.request.pk)
    assert Slot.objects.get(pk=slot.pk).booked == 1
    r = Request.objects.get(pk=b.request.pk)
    assert r.status == "approved" and not r.letter_number  # SKCK: a confirmed booking, no letter here
    submit.cancel(r.tracking_code, b.secret)  # a confirmed booking may still be cancelled
    assert Slot.objects.get(pk=slot.pk).booked == 0


@pytest.mark.django_db
def test_an_operator_cannot_confirm_an_skck(pw):
    r = skck(schedule(pw)[0]).request
    with pytest.raises(Forbidden):
        workflow.approve(pw.u("operator"), r.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"slot": ""}, "slot"),
        ({"slot": "abc"}, "slot"),
        ({"dob": "2015-01-01"}, "dob"),
        ({"dob": "1990-13-01"}, "dob"),
        ({"purpose": "fun"}, "purpose"),
        ({"purpose": "lainnya", "purpose_note": ""}, "purpose_note"),
    ],
)
def test_bad_bookings(pw, over, field):
    slot = schedule(pw)[0]
    with pytest.raises(Invalid) as e:
        skck(slot, **over)
    assert e.value.field == field
    assert Slot.objects.get(pk=slot.pk).booked == 0 and Request.objects.count() == 0


@pytest.mark.django_db
def test_unknown_and_past_slots(pw):
    slot = schedule(pw)[0]
    with pytest.raises(NotFound):
        skck(slot, slot=999999)
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(Invalid):
        skck(slot)
    assert Request.objects.count() == 0


@pytest.mark.django_db
def test_a_past_appointment_no_longer_blocks_a_new_booking(pw):
    a, b = schedule(pw)[:2]
    skck(a, 1)
    Slot.objects.filter(pk=a.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=2),
        ends_at=timezone.now() - dt.timedelta(days=2, hours=-1),
    )
    assert skck(b, 2, nik=person(1)["nik"]).created


@pytest.mark.django_db(transaction=True)
def test_two_citizens_race_for_the_last_place_and_exactly_one_wins(pw):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is run on PostgreSQL")
    slot = schedule(pw, capacity=1)[0]
    barrier = threading.Barrier(6)
    results: list[str] = []

    def book(n: int) -> None:
        try:
            barrier.wait()
            skck(slot, 10 + n)
            results.append("won")
        except Conflict as e:
            results.append(e.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["slot_full"] * 5 + ["won"]
    assert Slot.objects.get(pk=slot.pk).booked == 1 and Request.objects.filter(slot=slot).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_nik_racing_for_two_slots_gets_one_booking(pw):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is run on PostgreSQL")
    made = schedule(pw, capacity=5)
    barrier = threading.Barrier(4)
    results: list[str] = []

    def book(n: int) -> None:
        try:
            barrier.wait()
            skck(made[n], 20 + n, nik=person(1)["nik"])
            results.append("won")
        except Conflict as e:
            results.append(e.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["one_booking"] * 3 + ["won"]
    assert sum(Slot.objects.filter(pk__in=[s.pk for s in made]).values_list("booked", flat=True)) == 1
