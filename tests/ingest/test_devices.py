"""Device registry (service, API, CLI): register, rotate, MQTT password, deactivate; scope and audit."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.ingest import devices
from siaga.ingest.models import Device
from siaga.ingest.pipeline import Inbound, accept

from .conftest import INSIDE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(polres, other_polres):
    with acting(None, "t"):
        return {
            name: create_user(name, f"{name}-password-1", role, polres=p, validate=False)
            for name, role, p in [
                ("kabag", "kabag_ops", polres),
                ("kabag_b", "kabag_ops", other_polres),
                ("op", "operator", polres),
                ("lantas", "lantas", polres),
            ]
        }


def test_register_shows_token_once_and_stores_only_its_hash(polres):
    with acting(None, "t"):
        d, token = devices.register(polres, name="Tracker", kind="tracker", ref="t-1")
    assert token.startswith("sdev_") and token not in str(Device.objects.filter(pk=d.pk).values().first())
    assert d.token_hash == devices.token_digest(token)
    entry = AuditEntry.objects.get(action="ingest.device.registered")
    assert token not in str(entry.after) and d.token_hash not in str(entry.after)


@pytest.mark.parametrize(
    "kw",
    [
        {"name": ""},
        {"kind": "toaster"},
        {"ref": "has space"},
        {"ref": ""},
        {"kind": "cctv"},  # a camera without its place
        {"lat": 0, "lon": 0},
        {"lat": 100, "lon": 1},
        {"unit": 999999},
    ],
)
def test_register_refuses_bad_input(polres, kw):
    args = {"name": "X", "kind": "tracker", "ref": "x-1", **kw}
    with acting(None, "t"), pytest.raises(Invalid):
        devices.register(polres, **args)
    assert not Device.objects.exists()


def test_duplicate_ref_is_conflict(polres):
    with acting(None, "t"):
        devices.register(polres, name="A", kind="tracker", ref="dup")
        with pytest.raises(Conflict):
            devices.register(polres, name="B", kind="tracker", ref="dup")


def test_rotate_stops_the_old_token(kit, units):
    _d0, old = kit["tracker"]
    with acting(None, "t"):
        _d, new = devices.rotate_token("trk-1")
    from django.utils import timezone

    msg = {
        "device": "trk-1",
        "type": "position",
        "at": timezone.now().isoformat(),
        "lat": INSIDE[0][1],
        "lon": INSIDE[0][0],
    }
    assert (
        accept([Inbound("http", "generic", "trk-1", msg, timezone.now(), None, old)])[0].reason
        == "bad_credential"
    )
    assert (
        accept([Inbound("http", "generic", "trk-1", msg, timezone.now(), None, new)])[0].status == "accepted"
    )


def test_mqtt_password_in_mosquitto_format(kit):
    with acting(None, "t"):
        d = devices.set_mqtt_password("trk-1", "trk1", "a-long-password")
    assert d.mqtt_password_hash.startswith("$7$101$")
    assert devices.mosquitto_check("a-long-password", d.mqtt_password_hash)
    assert not devices.mosquitto_check("wrong-password!", d.mqtt_password_hash)
    with acting(None, "t"), pytest.raises(Invalid):
        devices.set_mqtt_password("trk-1", "trk1", "short")
    with acting(None, "t"), pytest.raises(Conflict):
        devices.set_mqtt_password("andi/hp", "trk1", "another-long-one")


def test_mosquitto_hash_known_vector():
    # computed independently: PBKDF2-HMAC-SHA512("secret", salt=b"0123456789ab", 101, 64)
    import base64
    import hashlib

    h = devices.mosquitto_hash("secret", salt=b"0123456789ab")
    want = base64.b64encode(hashlib.pbkdf2_hmac("sha512", b"secret", b"0123456789ab", 101, 64)).decode()
    assert h == f"$7$101${base64.b64encode(b'0123456789ab').decode()}${want}"


def test_user_scope_and_role(polres, other_polres, people):
    with acting(people["kabag"], "t"):
        d, _t = devices.register(polres, name="A", kind="tracker", ref="a-1", user=people["kabag"])
    with pytest.raises(Forbidden):
        devices.register(polres, name="B", kind="tracker", ref="b-1", user=people["op"])
    with pytest.raises(Forbidden):
        devices.register(polres, name="B", kind="tracker", ref="b-1", user=people["kabag_b"])
    with pytest.raises(NotFound):
        devices.deactivate(d.pk, user=people["kabag_b"])
    with pytest.raises(Forbidden):
        devices.deactivate(d.pk, user=people["op"])
    with acting(people["kabag"], "t"):
        assert not devices.deactivate(d.pk, user=people["kabag"]).active


def test_api_devices_and_alerts(client, polres, people, kit):
    client.force_login(people["kabag"])
    r = client.post(
        "/api/ingest/devices",
        {"name": "Phone 2", "kind": "phone", "ref": "budi/hp"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["token"].startswith("sdev_")
    pk = r.json()["id"]
    listed = client.get("/api/ingest/devices").json()
    assert {d["ref"] for d in listed} >= {"budi/hp", "trk-1"} and all("token" not in d for d in listed)
    assert "token" in client.post(f"/api/ingest/devices/{pk}/rotate").json()
    r = client.post(
        f"/api/ingest/devices/{pk}/mqtt-password",
        {"username": "budi", "password": "long-enough-pw"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["mqtt_username"] == "budi"
    assert client.post(f"/api/ingest/devices/{pk}/deactivate").json()["active"] is False
    bad = client.post(
        "/api/ingest/devices", {"name": "", "kind": "phone", "ref": "x"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert client.get("/api/ingest/rejections").status_code == 200

    client.force_login(people["op"])
    assert (
        client.post(
            "/api/ingest/devices",
            {"name": "N", "kind": "phone", "ref": "n-1"},
            content_type="application/json",
        ).status_code
        == 403
    )
    from siaga.ingest.alerts import raise_alert

    with acting(None, "t"):
        a = raise_alert(polres_id=polres.pk, kind="cctv.fire", title="Fire")
    assert [x["id"] for x in client.get("/api/ingest/alerts").json()] == [a.pk]
    assert client.post(f"/api/ingest/alerts/{a.pk}/acknowledge").json()["status"] == "acknowledged"
    assert client.post(f"/api/ingest/alerts/{a.pk}/acknowledge").status_code == 409
    assert client.post(f"/api/ingest/alerts/{a.pk}/close").json()["status"] == "closed"
    assert client.get("/api/ingest/alerts").json() == []
    assert len(client.get("/api/ingest/alerts?status=all").json()) == 1
    assert client.get("/api/ingest/anpr").status_code == 403

    client.force_login(people["lantas"])
    assert client.post(f"/api/ingest/alerts/{a.pk}/close").status_code in (403, 409)
    assert client.get("/api/ingest/anpr").status_code == 200


def test_anonymous_api_is_401(client):
    assert client.get("/api/ingest/devices").status_code == 401


def test_staff_page(client, people, kit):
    client.force_login(people["kabag"])
    r = client.get("/ingest/")
    assert r.status_code == 200 and b"trk-1" in r.content
    client.force_login(people["lantas"])
    assert client.get("/ingest/").status_code == 403


def test_cli_create_list_rotate_revoke(polres, units):
    out = io.StringIO()
    call_command(
        "ingest",
        "device",
        "create",
        "--polres",
        "BKS",
        "--name",
        "R4",
        "--kind",
        "tracker",
        "--ref",
        "cli-1",
        "--unit",
        "BKT-R4-01",
        stdout=out,
    )
    token = out.getvalue().strip().splitlines()[-1]
    d = Device.objects.get(ref="cli-1")
    assert d.token_hash == devices.token_digest(token) and d.unit.callsign == "BKT-R4-01"
    out = io.StringIO()
    call_command("ingest", "device", "list", stdout=out)
    assert "cli-1" in out.getvalue() and token not in out.getvalue()
    out = io.StringIO()
    call_command("ingest", "device", "rotate", "cli-1", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] != token
    call_command(
        "ingest",
        "device",
        "mqtt-password",
        "cli-1",
        "--username",
        "cli1",
        "--password",
        "a-long-password",
        stdout=io.StringIO(),
    )
    call_command("ingest", "device", "revoke", "cli-1", stdout=io.StringIO())
    assert not Device.objects.get(ref="cli-1").active
    with pytest.raises(CommandError):
        call_command(
            "ingest", "device", "create", "--polres", "NOPE", "--name", "x", "--kind", "tracker", "--ref", "y"
        )
    with pytest.raises(CommandError):
        call_command(
            "ingest", "device", "create", "--polres", "BKS", "--name", "x", "--kind", "toaster", "--ref", "y"
        )


def test_officer_position_joins_the_track(units):
    import datetime as dt

    from django.utils import timezone

    from siaga.cad import dispatching
    from siaga.cad.models import UnitPosition

    t = timezone.now()
    lon, lat = INSIDE[1]
    assert dispatching.update_position(units[0], lat, lon, t)
    assert not dispatching.update_position(units[0], lat, lon, t - dt.timedelta(minutes=1))
    assert list(UnitPosition.objects.order_by("at").values_list("source", flat=True)) == [
        "officer",
        "officer",
    ]


def test_cli_prune_drops_old_ledger_rows(kit):
    import datetime as dt

    from django.utils import timezone

    from siaga.ingest.models import DeviceMessage

    d, _t = kit["tracker"]
    old = timezone.now() - dt.timedelta(days=9)
    DeviceMessage.objects.create(device=d, key="old", received_at=old)
    DeviceMessage.objects.create(device=d, key="new", received_at=timezone.now())
    out = io.StringIO()
    call_command("ingest", "prune", stdout=out)
    assert "1" in out.getvalue() and list(DeviceMessage.objects.values_list("key", flat=True)) == ["new"]
