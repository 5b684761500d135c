"""pipeline.accept: every validation rule (rejected + reason + counted, nothing stored), dedupe,
out-of-order fixes, impossible speed, routing of positions, panic, CCTV and ANPR."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from siaga.cad.models import Incident, Unit, UnitPosition
from siaga.core.events import subscribe, unsubscribe
from siaga.ingest import devices
from siaga.ingest.models import AnprRead, Device, DeviceAlert, DeviceMessage, RejectCount
from siaga.ingest.pipeline import Inbound, accept

from .conftest import INSIDE

pytestmark = pytest.mark.django_db(transaction=True)
LON, LAT = INSIDE[0]


def now():
    return timezone.now().replace(microsecond=0)


def generic(ref, token=None, transport="http", polres_code=None, received=None, **payload):
    return Inbound(
        transport, "generic", ref, {"device": ref, **payload}, received or now(), polres_code, token
    )


def pos(ref, token, at, lat=LAT, lon=LON, **kw):
    return generic(ref, token, type="position", at=at.isoformat(), lat=lat, lon=lon, **kw)


def nothing_stored():
    return not (UnitPosition.objects.exists() or DeviceMessage.objects.exists() or AnprRead.objects.exists())


def rejects():
    return {r.reason: r.n for r in RejectCount.objects.all()}


@pytest.fixture
def heard():
    got = []

    def listen(event):
        got.append(event)

    subscribe("*")(listen)
    yield got
    unsubscribe(listen)


def test_position_moves_unit_and_writes_history(kit, units, heard):
    dev, token = kit["tracker"]
    at = now() - dt.timedelta(seconds=30)
    [out] = accept([pos("trk-1", token, at, speed=42.5)])
    assert out.status == "accepted" and set(out.routed) == {"device", "history", "unit"}
    u = Unit.objects.get(pk=units[0].pk)
    assert (u.lat, u.lon, u.position_at) == (LAT, LON, at)
    [row] = UnitPosition.objects.all()
    assert (row.unit_id, row.polres_id, row.speed_kmh, row.source) == (u.pk, u.polres_id, 42.5, "generic")
    d = Device.objects.get(pk=dev.pk)
    assert (d.accepted_count, d.last_lat, d.last_fix_at) == (1, LAT, at) and d.last_seen is not None
    assert [e.name for e in heard if e.name == "cad.unit.position"] == ["cad.unit.position"]


def test_batch_one_update_per_unit_newest_wins(kit, units):
    _dev, token = kit["tracker"]
    t0 = now() - dt.timedelta(minutes=5)
    batch = [pos("trk-1", token, t0 + dt.timedelta(seconds=s), lat=LAT + s * 1e-5) for s in (0, 60, 30)]
    outs = accept(batch)
    assert [o.status for o in outs] == ["accepted"] * 3
    assert UnitPosition.objects.count() == 3
    u = Unit.objects.get(pk=units[0].pk)
    assert u.position_at == t0 + dt.timedelta(seconds=60) and u.lat == pytest.approx(LAT + 60e-5)
    assert "unit" in outs[1].routed and "unit" not in outs[2].routed


def test_out_of_order_fix_is_kept_in_history_but_does_not_move_the_unit(kit, units):
    _dev, token = kit["tracker"]
    t = now() - dt.timedelta(minutes=1)
    accept([pos("trk-1", token, t)])
    [out] = accept([pos("trk-1", token, t - dt.timedelta(minutes=2), lat=LAT + 0.001)])
    assert out.status == "accepted" and "unit" not in out.routed and "history" in out.routed
    u = Unit.objects.get(pk=units[0].pk)
    assert (u.lat, u.position_at) == (LAT, t)
    assert UnitPosition.objects.count() == 2


def test_duplicates_by_id_and_by_time(kit):
    _dev, token = kit["tracker"]
    t = now() - dt.timedelta(seconds=10)
    first = accept([pos("trk-1", token, t), pos("trk-1", token, t)])
    assert [o.status for o in first] == ["accepted", "duplicate"]
    assert accept([pos("trk-1", token, t)])[0].status == "duplicate"
    _cam, cam_token = kit["cctv"]
    msg = generic("cam-1", cam_token, id="evt-77", type="cctv", event="fire")
    assert accept([msg])[0].status == "accepted"
    assert accept([msg])[0].status == "duplicate"
    assert UnitPosition.objects.count() == 1 and DeviceAlert.objects.count() == 1
    assert Device.objects.get(ref="trk-1").duplicate_count == 2


def test_impossible_speed_is_rejected_and_counted(kit, units):
    dev, token = kit["tracker"]
    t = now() - dt.timedelta(minutes=2)
    accept([pos("trk-1", token, t)])
    # about 11 km in 60 s: 660 km/h
    [out] = accept([pos("trk-1", token, t + dt.timedelta(seconds=60), lat=LAT + 0.1)])
    assert (out.status, out.reason) == ("rejected", "impossible_speed")
    assert Unit.objects.get(pk=units[0].pk).lat == LAT and UnitPosition.objects.count() == 1
    assert rejects() == {"impossible_speed": 1}
    assert Device.objects.get(pk=dev.pk).rejected_count == 1
    # a plausible drive is fine: 1.1 km in 60 s = 66 km/h
    [ok] = accept([pos("trk-1", token, t + dt.timedelta(seconds=60), lat=LAT + 0.01)])
    assert ok.status == "accepted"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"lat": 91, "lon": LON}, "bad_coordinates"),
        ({"lat": LAT, "lon": -181}, "bad_coordinates"),
        ({"lat": "abc", "lon": LON}, "malformed"),
        ({"lat": 0, "lon": 0}, "null_island"),
        ({"lon": LON}, "bad_coordinates"),
        ({"at": "yesterday"}, "bad_timestamp"),
        ({"at": "2026-01-01T10:00:00"}, "bad_timestamp"),
        ({"future": 10}, "future_timestamp"),
        ({"future": -60 * 24 * 8}, "stale_timestamp"),
        ({"type": "teleport"}, "unsupported_type"),
        ({"speed": -3}, "malformed"),
        ({"id": "has space"}, "malformed"),
        ({"type": "cctv", "event": "Fire!"}, "bad_event"),
        ({"type": "anpr", "plate": "not a plate 123456"}, "bad_plate"),
        ({"type": "anpr", "plate": "B 1234 XYZ", "confidence": 1.5}, "malformed"),
    ],
)
def test_each_validation_rule_rejects_counts_and_stores_nothing(kit, payload, reason):
    _dev, token = kit["tracker"]
    base = {"type": "position", "at": (now() - dt.timedelta(seconds=5)).isoformat(), "lat": LAT, "lon": LON}
    if (minutes := payload.pop("future", None)) is not None:
        payload["at"] = (now() + dt.timedelta(minutes=minutes)).isoformat()
    body = {**base, **payload}
    for key in ("lat",) if "lat" not in payload and "lon" in payload and len(payload) == 1 else ():
        body.pop(key)
    [out] = accept([generic("trk-1", token, **body)])
    assert (out.status, out.reason) == ("rejected", reason)
    assert nothing_stored() and not DeviceAlert.objects.exists()
    assert rejects() == {reason: 1}


def test_unknown_device_wrong_token_inactive_and_wrong_polres(kit):
    _dev, token = kit["tracker"]
    t = now()
    outs = accept(
        [
            pos("nope", token, t),
            pos("trk-1", "sdev_wrong", t),
            pos("trk-1", None, t),
            generic(
                "trk-1",
                None,
                transport="mqtt",
                polres_code="OTHER",
                type="position",
                at=t.isoformat(),
                lat=LAT,
                lon=LON,
            ),
        ]
    )
    assert [(o.status, o.reason) for o in outs] == [
        ("rejected", "unknown_device"),
        ("rejected", "bad_credential"),
        ("rejected", "bad_credential"),
        ("rejected", "wrong_polres"),
    ]
    devices.deactivate("trk-1")
    assert accept([pos("trk-1", token, t)])[0].reason == "inactive_device"
    assert nothing_stored()
    counts = {(r.polres_id, r.reason): r.n for r in RejectCount.objects.all()}
    pid = kit["tracker"][0].polres_id
    assert counts == {
        (0, "unknown_device"): 1,
        (pid, "bad_credential"): 2,
        (pid, "wrong_polres"): 1,
        (pid, "inactive_device"): 1,
    }


def test_mqtt_needs_no_token_and_matching_polres_code(kit, units):
    t = now()
    msg = generic(
        "trk-1",
        None,
        transport="mqtt",
        polres_code="bks",
        type="position",
        at=t.isoformat(),
        lat=LAT,
        lon=LON,
    )
    assert accept([msg])[0].status == "accepted"


def test_panic_with_unit_makes_p1_incident(kit, units, heard):
    _dev, token = kit["phone"]
    [out] = accept([generic("andi/hp", token, id="p-1", type="panic", lat=LAT, lon=LON)])
    assert out.status == "accepted" and out.routed == ["incident"]
    [i] = Incident.objects.all()
    assert (i.priority, i.panic, i.source, i.polres_id) == (1, True, "device", units[1].polres_id)
    assert units[1].callsign in i.summary
    assert any(e.name == "cad.unit.panic" for e in heard)
    assert (
        accept([generic("andi/hp", token, id="p-1", type="panic", lat=LAT, lon=LON)])[0].status == "duplicate"
    )
    assert Incident.objects.count() == 1


def test_panic_button_without_unit_uses_its_place(kit):
    _dev, token = kit["panic_button"]
    [out] = accept([generic("pb-1", token, type="panic")])
    assert out.status == "accepted"
    [i] = Incident.objects.all()
    assert (i.lon, i.lat) == pytest.approx(INSIDE[2]) and i.priority == 1 and "Panic bank" in i.summary


def test_panic_without_any_position_is_rejected(kit, polres, units):
    _bare, token = devices.register(polres, name="Bare", kind="panic_button", ref="bare-1")
    [out] = accept([generic("bare-1", token, type="panic")])
    assert (out.status, out.reason) == ("rejected", "no_position") and not Incident.objects.exists()


def test_cctv_event_raises_alert_at_camera_location(kit):
    cam, token = kit["cctv"]
    [out] = accept(
        [
            generic(
                "cam-1",
                token,
                type="cctv",
                event="fight",
                confidence=0.8,
                image="s3://x/1.jpg",
                lat=-6.1,
                lon=106.9,
            )
        ]
    )
    assert out.routed == ["alert"]
    [a] = DeviceAlert.objects.all()
    assert (a.kind, a.lon, a.lat, a.device_id) == ("cctv.fight", INSIDE[2][0], INSIDE[2][1], cam.pk)
    assert a.details["confidence"] == 0.8 and a.details["image"] == "s3://x/1.jpg" and "CCTV Pasar" in a.title


def test_anpr_read_stored_normalised_and_published(kit, heard):
    cam, token = kit["anpr"]
    [out] = accept([generic("anpr-1", token, type="anpr", plate="b 1234-xyz", confidence=0.91, id="r1")])
    assert out.routed == ["anpr"]
    [r] = AnprRead.objects.all()
    assert (r.plate, r.plate_text, r.confidence, r.device_id) == ("B1234XYZ", "b 1234-xyz", 0.91, cam.pk)
    assert (r.lon, r.lat) == pytest.approx(INSIDE[2])
    [e] = [e for e in heard if e.name == "ingest.anpr.read"]
    assert e.data["plate"] == "B1234XYZ"


def test_device_without_unit_keeps_its_fix_only(kit, polres):
    d, token = devices.register(polres, name="Loose", kind="tracker", ref="loose-1")
    t = now()
    [out] = accept([pos("loose-1", token, t)])
    assert out.routed == ["device"] and not UnitPosition.objects.exists()
    assert Device.objects.get(pk=d.pk).last_fix_at == t


def test_geofence_hook_receives_fixes(kit, units, monkeypatch):
    import sys
    import types

    got = []
    engine = types.ModuleType("siaga.geofences.engine")
    engine.observe = lambda polres_id, fixes: got.append((polres_id, fixes))
    monkeypatch.setitem(sys.modules, "siaga.geofences.engine", engine)
    dev, token = kit["tracker"]
    t = now()
    accept([pos("trk-1", token, t)])
    assert got == [(dev.polres_id, [(units[0].pk, dev.pk, "tracker", LAT, LON, t)])]


def test_geofence_failure_does_not_lose_the_position(kit, units, monkeypatch):
    import sys
    import types

    engine = types.ModuleType("siaga.geofences.engine")

    def boom(polres_id, fixes):
        raise RuntimeError("broken rule")

    engine.observe = boom
    monkeypatch.setitem(sys.modules, "siaga.geofences.engine", engine)
    _dev, token = kit["tracker"]
    assert accept([pos("trk-1", token, now())])[0].status == "accepted"
    assert UnitPosition.objects.count() == 1


def test_mixed_batch_outcomes_in_order(kit, units):
    _dev, token = kit["tracker"]
    _c, ctoken = kit["cctv"]
    t = now()
    outs = accept(
        [pos("trk-1", token, t), pos("ghost", "x", t), generic("cam-1", ctoken, type="cctv", event="crowd")]
    )
    assert [o.status for o in outs] == ["accepted", "rejected", "accepted"]


def test_owntracks_location_and_other_types(kit, units):
    from siaga.ingest import owntracks

    t = int(now().timestamp()) - 20
    loc = owntracks.location_payload(LAT, LON, t, vel=36, acc=8, batt=77)
    outs = accept(
        [
            Inbound("mqtt", "owntracks", "andi/hp", loc, now()),
            Inbound("mqtt", "owntracks", "andi/hp", loc, now()),
            Inbound("mqtt", "owntracks", "andi/hp", {"_type": "transition", "tst": t}, now()),
            Inbound("mqtt", "owntracks", "andi/hp", {"_type": "location", "lat": LAT, "tst": t}, now()),
        ]
    )
    assert [(o.status, o.reason) for o in outs] == [
        ("accepted", ""),
        ("duplicate", ""),
        ("rejected", "unsupported_type"),
        ("rejected", "bad_coordinates"),
    ]
    [p] = UnitPosition.objects.all()
    assert (p.unit_id, p.source, p.speed_kmh) == (units[1].pk, "owntracks", 36)


def test_osmand_speed_in_knots_via_pipeline(kit, units):
    _d, token = kit["tracker"]
    t = int(now().timestamp()) - 5
    params = {"lat": str(LAT), "lon": str(LON), "timestamp": str(t), "speed": "10"}
    [out] = accept([Inbound("http", "osmand", "trk-1", params, now(), None, token)])
    assert out.status == "accepted" and UnitPosition.objects.get().speed_kmh == pytest.approx(18.52)
