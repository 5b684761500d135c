"""SOS and escort: stored first, one P1 incident per key, abuse flagged (never dropped), pings throttled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from siaga.cad.models import Incident, IncidentNote, Source
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.portal import sos
from siaga.portal.models import Escort, EscortStatus, Sos

from ..cad.ops_fixtures import P_S1, P_S2
from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db
KEY = "k" * 8 + "0123456789abcdef"
OUT = (106.8456, -6.2088)  # Monas, Jakarta: outside every Polres of the fixture


def key(n: int) -> str:
    return f"test-key-{n:08d}-abcdefgh"


def test_one_tap_sos_creates_a_p1_incident_in_the_right_polsek(ops):
    s = sos.raise_sos(key=KEY, lat=P_S1[1], lon=P_S1[0], accuracy=12, phone="0812 3456 7890", device="dev-1")
    i = s.incident
    assert i is not None
    assert (i.priority, i.category, i.source, i.summary) == (1, "kemanusiaan", Source.REPORT, "SOS")
    assert i.polres_id == ops.polres.pk and i.polsek_id == ops.s1.pk
    assert i.status == "created" and i.lat == pytest.approx(P_S1[1])
    assert "081234567890" in i.description  # the operator can call back
    assert not s.doubtful
    assert s.device_hash and "dev-1" not in s.device_hash  # stored hashed
    # audited, without the phone number
    e = AuditEntry.objects.get(action="portal.sos.received")
    assert "0812" not in str(e.after) and e.after["has_phone"] is True


def test_retry_with_the_same_key_makes_nothing_new(ops):
    a = sos.raise_sos(key=KEY, lat=P_S1[1], lon=P_S1[0])
    b = sos.raise_sos(key=KEY, lat=P_S2[1], lon=P_S2[0])
    assert a.pk == b.pk and Sos.objects.count() == 1 and Incident.objects.count() == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": ""},
        {"key": "short"},
        {"key": "x" * 65},
        {"key": "bad key with spaces!!"},
        {"key": KEY, "lat": "abc", "lon": 107.0},
        {"key": KEY, "lat": 95, "lon": 107.0},
        {"key": KEY, "lat": -6.2},
    ],
)
def test_bad_input_is_refused_and_stores_nothing(ops, kwargs):
    with pytest.raises(Invalid):
        sos.raise_sos(**kwargs)
    assert Sos.objects.count() == 0 and Incident.objects.count() == 0


def test_no_position_still_creates_the_incident_flagged(ops):
    s = sos.raise_sos(key=KEY, phone="081234567890")
    assert s.incident is not None and s.incident.priority == 1
    assert "no_location" in s.doubt_reasons
    assert "posisi" in s.incident.description.lower() or "position" in s.incident.description.lower()


def test_outside_the_area_is_kept_and_flagged_doubtful(ops):
    s = sos.raise_sos(key=KEY, lat=OUT[1], lon=OUT[0], phone="081234567890")
    assert s.incident is not None, "an SOS outside the area must still reach the operations room"
    assert s.doubtful and "outside_area" in s.doubt_reasons
    assert s.incident.summary.startswith("SOS")
    assert f"{OUT[1]:.6f}" in s.incident.description  # the real position for the operator


def test_rate_limits_flag_instead_of_dropping(ops):
    made = [
        sos.raise_sos(key=key(n), lat=P_S1[1], lon=P_S1[0], device="same-device", phone="081299990000")
        for n in range(6)
    ]
    assert all(s.incident_id for s in made), "every SOS reaches the operations room"
    assert Incident.objects.count() == 6
    assert not made[0].doubtful
    assert made[-1].doubtful and {"rate_device", "rate_phone"} <= set(made[-1].doubt_reasons)
    assert "DIRAGUKAN" in made[-1].incident.summary.upper() or "DOUBTFUL" in made[-1].incident.summary.upper()


def test_many_sos_from_one_address_are_flagged_not_dropped(ops):
    made = [
        sos.raise_sos(
            key=key(n), lat=P_S1[1], lon=P_S1[0], device=f"d-{n}", phone=f"0812999900{n:02d}", ip="10.1.1.1"
        )
        for n in range(sos.RATE_IP + 1)
    ]
    assert all(s.incident_id for s in made) and Sos.objects.count() == sos.RATE_IP + 1
    assert not any(s.doubtful for s in made[:-1])
    assert made[-1].doubtful and made[-1].doubt_reasons == ["rate_ip"]
    other = sos.raise_sos(key=key(99), lat=P_S1[1], lon=P_S1[0], phone="081299990099", ip="10.1.1.2")
    assert not other.doubtful


def test_escorts_are_limited_per_device_counted_once_stored(ops, django_capture_on_commit_callbacks):
    from siaga.portal.common import TooMany

    limit = sos.ESCORT_RATE_DEVICE[0]
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(limit):
            with pytest.raises(Invalid):  # refused input does not use up the limit
                sos.start_escort(key=key(100 + n), minutes=1, device="phone-1")
            sos.start_escort(key=key(n), minutes=10, device="phone-1")
    with pytest.raises(TooMany):
        sos.start_escort(key=key(50), minutes=10, device="phone-1")
    assert sos.start_escort(key=key(0), minutes=10, device="phone-1").pk  # a retry of a stored one
    assert Escort.objects.count() == limit
    sos.start_escort(key=key(51), minutes=10, device="phone-2")
    assert Escort.objects.count() == limit + 1


def test_earlier_prank_makes_the_next_sos_doubtful(ops):
    first = sos.raise_sos(key=key(1), lat=P_S1[1], lon=P_S1[0], device="dev-x")
    with pytest.raises(Forbidden):
        sos.mark_prank(ops.u("analyst"), first)
    with pytest.raises(NotFound):
        sos.mark_prank(ops.u("other_disp"), first)
    sos.mark_prank(ops.u("operator"), first)
    second = sos.raise_sos(key=key(2), lat=P_S1[1], lon=P_S1[0], device="dev-x")
    assert second.doubtful and "prank_history" in second.doubt_reasons
    assert second.incident_id  # still created


def test_a_stored_sos_whose_incident_failed_is_retried(ops, monkeypatch):
    import siaga.cad.incidents as incidents

    real = incidents.create_incident

    def broken(*a, **k):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(incidents, "create_incident", broken)
    s = sos.raise_sos(key=KEY, lat=P_S1[1], lon=P_S1[0])
    assert s.pk and s.incident_id is None  # durable before the incident exists
    monkeypatch.setattr(incidents, "create_incident", real)
    assert sos.retry_unlinked() == 1
    s.refresh_from_db()
    assert s.incident_id and s.incident.priority == 1


def test_location_updates_are_throttled_and_noted_on_the_incident(ops):
    t0 = timezone.now()
    s = sos.raise_sos(key=KEY, lat=P_S1[1], lon=P_S1[0], at=t0)
    _s, ok = sos.ping(KEY, P_S1[1] + 0.001, P_S1[0], 10, at=t0 + dt.timedelta(seconds=10))
    assert ok
    _s, ok = sos.ping(KEY, P_S1[1] + 0.001, P_S1[0], 10, at=t0 + dt.timedelta(seconds=12))
    assert not ok  # within 5 s of the last
    _s, ok = sos.ping(KEY, P_S1[1] + 0.0011, P_S1[0], 10, at=t0 + dt.timedelta(seconds=20))
    assert ok
    s.refresh_from_db()
    assert s.ping_count == 2 and s.reported_lat == pytest.approx(P_S1[1] + 0.0011)
    notes = IncidentNote.objects.filter(incident=s.incident)
    assert notes.count() == 1  # the second ping moved < 50 m within 30 s: no second note
    with pytest.raises(NotFound):
        sos.ping("unknown-key-0000000000", P_S1[1], P_S1[0])
    with pytest.raises(Conflict):
        sos.ping(KEY, P_S1[1], P_S1[0], at=t0 + dt.timedelta(hours=4))


def test_escort_cancelled_in_time_raises_nothing(ops):
    t0 = timezone.now()
    e = sos.start_escort(key=KEY, minutes=10, lat=P_S1[1], lon=P_S1[0], at=t0)
    assert e.deadline_at == t0 + dt.timedelta(minutes=10)
    assert sos.start_escort(key=KEY, minutes=30).pk == e.pk  # idempotent
    sos.cancel_escort(KEY)
    assert sos.fire_due_escorts(t0 + dt.timedelta(minutes=11)) == 0
    assert Sos.objects.count() == 0


def test_escort_that_runs_out_raises_an_sos_even_with_the_page_closed(ops):
    from siaga.cad import ticker

    t0 = timezone.now() - dt.timedelta(minutes=6)
    sos.start_escort(key=KEY, minutes=5, lat=P_S1[1], lon=P_S1[0], phone="081234567890", at=t0)
    ticker.tick()  # the registered job fires it
    e = Escort.objects.get(key=KEY)
    assert e.status == EscortStatus.FIRED and e.sos_id
    assert e.sos.incident.priority == 1 and e.sos.kind == "escort"
    assert sos.fire_due_escorts() == 0  # fires once
    with pytest.raises(Conflict):
        sos.cancel_escort(KEY)


@pytest.mark.parametrize("minutes", [0, 4, 61, "x", None])
def test_escort_minutes_are_checked(ops, minutes):
    with pytest.raises(Invalid):
        sos.start_escort(key=KEY, minutes=minutes)
    assert Escort.objects.count() == 0


def test_early_fire_from_the_page_is_refused_until_due(ops):
    sos.start_escort(key=KEY, minutes=5)
    with pytest.raises(Conflict):
        sos.fire_escort(KEY)


def test_api_sos_roundtrip(client, stations):
    body = {"key": KEY, "lat": P_S1[1], "lon": P_S1[0], "accuracy": 8, "phone": "081234567890", "device": "d"}
    r = client.post("/api/portal/sos", body, content_type="application/json")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["incident_created"] and data["emergency_number"] == "110"
    assert data["nearest"][0]["name"] == ops_name(stations.s1)
    assert data["nearest"][0]["phone"]
    r = client.post("/api/portal/sos", body, content_type="application/json")
    assert r.status_code == 200 and Incident.objects.count() == 1
    r = client.post(f"/api/portal/sos/{KEY}/location", {"lat": P_S1[1], "lon": P_S1[0]}, "application/json")
    assert r.status_code == 200 and r.json()["accepted"] is True
    r = client.post("/api/portal/sos", {"key": "bad"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key"


def ops_name(polsek) -> str:
    return polsek.name


def test_sos_page_works_without_script(client, ops):
    r = client.get("/darurat/")
    assert r.status_code == 200 and b"tel:110" in r.content
    r = client.post("/darurat/", {"key": KEY, "phone": "081234567890"})
    assert r.status_code == 200 and Incident.objects.filter(priority=1).count() == 1


def test_staff_sos_page_shows_doubt_and_marks_prank(client, ops):
    s = sos.raise_sos(key=KEY, lat=OUT[1], lon=OUT[0])
    client.force_login(ops.u("citizen"))
    assert client.get("/staf/sos/").status_code == 403
    client.force_login(ops.u("analyst"))
    html = client.get("/staf/sos/").content.decode()
    assert s.incident.number in html and 'name="prank"' not in html
    client.force_login(ops.u("operator"))
    assert client.post("/staf/sos/", {"sos": s.pk, "prank": "1"}).status_code == 302
    s.refresh_from_db()
    assert s.prank
