"""`siaga ingest mosquitto-passwd` against a real Mosquitto: the broker itself refuses unknown clients and
wrong passwords, and lets each device publish only to its own topic."""

from __future__ import annotations

import argparse
import io
import time

import pytest

from siaga.ingest import devices, mqtt_cli
from tests.conftest import require
from tests.core.world import build_tree
from tests.services.test_mqtt_broker import MOSQUITTO, Mosquitto, mosquitto_available

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db]
WORKER = ("siaga-ingest", "worker-secret-passphrase")


def connect(port, username, password):
    """(connected?, client) for a MQTT 5 client with these credentials."""
    import paho.mqtt.client as paho

    client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    result = {}
    client.on_connect = lambda c, u, f, rc, p: result.setdefault("rc", rc)
    client.username_pw_set(username, password)
    client.connect("127.0.0.1", port)
    client.loop_start()
    deadline = time.monotonic() + 15
    while "rc" not in result and time.monotonic() < deadline:
        time.sleep(0.02)
    return (not result["rc"].is_failure) if "rc" in result else False, client


@pytest.fixture
def secured_broker(tmp_path, settings, system):
    require(mosquitto_available(), f"mosquitto is not installed at {MOSQUITTO}")
    tree = build_tree()
    phone, _ = devices.register(tree.a, name="HP Budi", kind="phone", ref="budi/hp1")
    devices.set_mqtt_password(phone.pk, "budi-hp1", "phone-password-1")
    cam, _ = devices.register(tree.a, name="Cam 7", kind="cctv", ref="cam-7", lat=-6.24, lon=106.99)
    devices.set_mqtt_password(cam.pk, "cam-7", "camera-password-7")
    gone, _ = devices.register(tree.a, name="Old", kind="tracker", ref="trk-old")
    devices.set_mqtt_password(gone.pk, "trk-old", "tracker-password-0")
    devices.deactivate(gone.pk)

    settings.MQTT_URL = f"mqtt://{WORKER[0]}:{WORKER[1]}@127.0.0.1:1883"
    opts = argparse.Namespace(
        subcommand="mosquitto-passwd",
        password_file=str(tmp_path / "passwd"),
        acl_file=str(tmp_path / "acl"),
    )
    assert mqtt_cli.handle(opts, stdout=io.StringIO()) == 0
    broker = Mosquitto(
        tmp_path,
        extra_conf=(f"allow_anonymous false\npassword_file {tmp_path}/passwd\nacl_file {tmp_path}/acl\n"),
    ).start()
    yield broker, tree
    broker.stop()


def test_files_list_active_devices_and_the_worker(secured_broker, tmp_path):
    passwd = (tmp_path / "passwd").read_text()
    users = [line.split(":", 1)[0] for line in passwd.splitlines()]
    assert sorted(users) == ["budi-hp1", "cam-7", "siaga-ingest"]
    assert all(line.split(":", 1)[1].startswith("$7$101$") for line in passwd.splitlines())
    acl = (tmp_path / "acl").read_text()
    assert "topic write owntracks/budi/hp1\n" in acl
    assert "topic write siaga/BKS/devices/cam-7/events" in acl
    assert "trk-old" not in acl
    assert (tmp_path / "passwd").stat().st_mode & 0o777 == 0o640


def test_broker_refuses_unknown_users_wrong_passwords_and_deactivated_devices(secured_broker):
    broker, _ = secured_broker
    for user, password in [
        ("nobody", "whatever-password"),
        ("budi-hp1", "wrong-password-1"),
        ("trk-old", "tracker-password-0"),
    ]:
        ok, client = connect(broker.port, user, password)
        client.loop_stop()
        assert not ok, user
    ok, client = connect(broker.port, "budi-hp1", "phone-password-1")
    client.disconnect()
    client.loop_stop()
    assert ok


def test_each_device_may_publish_only_to_its_own_topic(secured_broker):
    broker, _ = secured_broker
    received = []
    ok, worker = connect(broker.port, *WORKER)
    assert ok
    worker.on_message = lambda c, u, m: received.append(m.topic)
    worker.subscribe([("owntracks/#", 1), ("siaga/+/devices/+/events", 1)])
    time.sleep(0.3)

    attempts = [
        ("budi-hp1", "phone-password-1", "owntracks/budi/hp1"),  # its own: allowed
        ("budi-hp1", "phone-password-1", "owntracks/siti/hp2"),  # another phone's: refused
        ("budi-hp1", "phone-password-1", "siaga/BKS/devices/cam-7/events"),
        ("cam-7", "camera-password-7", "siaga/BKS/devices/cam-7/events"),  # its own: allowed
        ("cam-7", "camera-password-7", "siaga/DPK/devices/cam-7/events"),  # another Polres: refused
    ]
    for user, password, topic in attempts:
        ok, client = connect(broker.port, user, password)
        assert ok
        client.publish(topic, b'{"_type": "location"}', qos=1).wait_for_publish(5)
        client.disconnect()
        client.loop_stop()
    deadline = time.monotonic() + 10
    while len(received) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    worker.disconnect()
    worker.loop_stop()
    assert sorted(received) == ["owntracks/budi/hp1", "siaga/BKS/devices/cam-7/events"]


def test_devices_may_not_subscribe_to_other_devices(secured_broker):
    broker, _ = secured_broker
    received = []
    _ok, spy = connect(broker.port, "cam-7", "camera-password-7")
    spy.on_message = lambda c, u, m: received.append(m.topic)
    spy.subscribe("owntracks/#", qos=1)
    time.sleep(0.3)
    _ok, phone = connect(broker.port, "budi-hp1", "phone-password-1")
    phone.publish("owntracks/budi/hp1", b"{}", qos=1).wait_for_publish(5)
    time.sleep(0.5)
    for c in (spy, phone):
        c.disconnect()
        c.loop_stop()
    assert received == []
