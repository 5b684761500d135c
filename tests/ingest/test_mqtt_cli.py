"""`siaga ingest mqtt` and `siaga ingest mosquitto-passwd` through the ingest command; embedded start."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from siaga.core.context import acting
from siaga.ingest import devices, mqtt

pytestmark = pytest.mark.django_db


def test_mosquitto_passwd_writes_active_devices_with_credentials(kit, tmp_path, settings):
    settings.MQTT_URL = "mqtt://siaga-ingest:worker-pass-123@127.0.0.1:1883"
    with acting(None, "test"):
        devices.set_mqtt_password("andi/hp", "andi-hp", "phone-password-1")
        devices.set_mqtt_password("cam-1", "cam-1", "camera-password-1")
        devices.set_mqtt_password("trk-1", "trk-1", "tracker-password-1")
        devices.deactivate("trk-1")
    out = io.StringIO()
    call_command(
        "ingest",
        "mosquitto-passwd",
        "--password-file",
        str(tmp_path / "etc" / "passwd"),
        "--acl-file",
        str(tmp_path / "etc" / "acl"),
        stdout=out,
    )
    assert "2 devices and the ingest workers' user" in out.getvalue()
    users = [line.split(":")[0] for line in (tmp_path / "etc" / "passwd").read_text().splitlines()]
    assert users == ["siaga-ingest", "andi-hp", "cam-1"]
    acl = (tmp_path / "etc" / "acl").read_text()
    code = kit["cctv"][0].polres.code
    assert f"user cam-1\ntopic write siaga/{code}/devices/cam-1/events\n" in acl
    assert "user andi-hp\ntopic write owntracks/andi/hp\n" in acl
    assert "trk-1" not in acl
    assert not list((tmp_path / "etc").glob(".*"))  # no temporary file left behind


def test_mosquitto_passwd_without_a_worker_user_says_so(tmp_path, settings):
    settings.MQTT_URL = None
    out = io.StringIO()
    files = ["--password-file", str(tmp_path / "p"), "--acl-file", str(tmp_path / "a")]
    call_command("ingest", "mosquitto-passwd", *files, stdout=out)
    assert "0 devices (no SIAGA_MQTT_URL user" in out.getvalue()
    assert (tmp_path / "p").read_text() == "\n"


def test_worker_without_a_broker_fails_with_a_message(settings):
    settings.MQTT_URL = None
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", "mqtt", stderr=err)
    assert "SIAGA_MQTT_URL" in err.getvalue()


def test_worker_with_a_bad_url_fails_with_a_message(settings):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", "mqtt", "--url", "http://broker", stderr=err)
    assert "not an MQTT URL" in err.getvalue()


def test_embedded_subscriber_is_off_without_a_broker(settings):
    settings.MQTT_URL = None
    assert mqtt.start_in_background() is None
