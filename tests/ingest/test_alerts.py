"""ingest.alerts: raise (with dedupe), acknowledge, close; pushed to the room as events."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.core.errors import Conflict, Invalid, NotFound
from siaga.core.events import subscribe, unsubscribe
from siaga.core.models import AuditEntry
from siaga.ingest import alerts
from siaga.ingest.models import DeviceAlert

from .conftest import INSIDE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard():
    got = []

    def listen(event):
        got.append(event)

    subscribe("ingest.alert.*")(listen)
    yield got
    unsubscribe(listen)


def test_raise_alert_stores_audits_and_pushes(polres, heard):
    lon, lat = INSIDE[0]
    at = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)
    with acting(None, "t"):
        a = alerts.raise_alert(
            polres_id=polres.pk,
            kind="cctv.fire",
            title="Fire at the market",
            lat=lat,
            lon=lon,
            at=at,
            details={"score": 0.93},
        )
    a.refresh_from_db()
    assert (a.kind, a.status, a.lat, a.lon, a.at, a.details) == (
        "cctv.fire",
        "open",
        lat,
        lon,
        at,
        {"score": 0.93},
    )
    assert AuditEntry.objects.filter(action="ingest.alert.raised", object_id=str(a.pk)).exists()
    assert [e.name for e in heard] == ["ingest.alert.raised"] and heard[0].data[
        "title"
    ] == "Fire at the market"


def test_same_dedupe_key_within_window_is_raised_once(polres, heard):
    with acting(None, "t"):
        first = alerts.raise_alert(polres_id=polres.pk, kind="geofence.enter", title="A", dedupe_key="g1:u1")
        again = alerts.raise_alert(polres_id=polres.pk, kind="geofence.enter", title="A", dedupe_key="g1:u1")
        other = alerts.raise_alert(polres_id=polres.pk, kind="geofence.enter", title="A", dedupe_key="g1:u2")
    assert again.pk == first.pk and other.pk != first.pk
    assert DeviceAlert.objects.count() == 2 and len(heard) == 2


def test_dedupe_window_expires_and_closed_alerts_do_not_absorb(polres):
    with acting(None, "t"):
        first = alerts.raise_alert(polres_id=polres.pk, kind="cctv.crowd", title="Crowd", dedupe_key="k")
    DeviceAlert.objects.filter(pk=first.pk).update(created_at=first.created_at - alerts.DEDUPE_WINDOW * 2)
    with acting(None, "t"):
        later = alerts.raise_alert(polres_id=polres.pk, kind="cctv.crowd", title="Crowd", dedupe_key="k")
    assert later.pk != first.pk


@pytest.mark.parametrize(
    "kw",
    [
        {"kind": ""},
        {"kind": "x" * 41},
        {"lat": 91, "lon": 0},
        {"lat": "a", "lon": 0},
        {"lat": float("nan"), "lon": 1},
        {"at": dt.datetime(2026, 1, 1)},
        {"polres_id": 987654},
    ],
)
def test_bad_alerts_are_refused_and_nothing_stored(polres, kw):
    args = {"polres_id": polres.pk, "kind": "cctv.fire", "title": "t", **kw}
    with acting(None, "t"), pytest.raises(Invalid):
        alerts.raise_alert(**args)
    assert not DeviceAlert.objects.exists()


def test_acknowledge_and_close_by_operator_only(polres, other_polres, heard):
    with acting(None, "t"):
        op = create_user("op-a", "op-a-password-1", "operator", polres=polres, validate=False)
        op_b = create_user("op-b", "op-b-password-1", "operator", polres=other_polres, validate=False)
        analyst = create_user("an-a", "an-a-password-1", "analyst", polres=polres, validate=False)
        lantas = create_user("la-a", "la-a-password-1", "lantas", polres=polres, validate=False)
        a = alerts.raise_alert(polres_id=polres.pk, kind="cctv.fight", title="Fight")
    with pytest.raises(NotFound):
        alerts.acknowledge(op_b, a.pk)
    with pytest.raises(NotFound):
        alerts.acknowledge(analyst, a.pk)
    from siaga.core.errors import Forbidden

    with pytest.raises(Forbidden):
        alerts.acknowledge(lantas, a.pk)
    with acting(op, "t"):
        a = alerts.acknowledge(op, a.pk)
    assert a.status == "acknowledged" and a.acknowledged_by == op
    with pytest.raises(Conflict):
        alerts.acknowledge(op, a.pk)
    with acting(op, "t"):
        a = alerts.close(op, a.pk)
    assert a.status == "closed" and a.closed_at is not None
    with pytest.raises(Conflict):
        alerts.close(op, a.pk)
    assert [e.name for e in heard] == [
        "ingest.alert.raised",
        "ingest.alert.acknowledged",
        "ingest.alert.closed",
    ]
