"""The MQTT adapter without a broker: topic + bytes → Inbound, broker URLs, subscriptions, broker files."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.ingest import mqtt, mqtt_cli
from siaga.ingest.pipeline import Inbound

NOW = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
FIX = {"_type": "location", "lat": -6.2, "lon": 107.0, "tst": 1790000000}


def parse(topic, payload):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return mqtt.parse_message(topic, raw, NOW)


def test_owntracks_location_becomes_one_inbound_named_user_slash_device():
    p = parse("owntracks/budi/hp1", FIX)
    assert p.skipped == ""
    assert p.inbound == [Inbound("mqtt", "owntracks", "budi/hp1", FIX, NOW)]


@pytest.mark.parametrize(
    ("topic", "payload", "skipped"),
    [
        ("owntracks/budi/hp1", {"_type": "lwt"}, "ignored.lwt"),
        ("owntracks/budi/hp1", {"_type": "transition"}, "ignored.transition"),
        ("owntracks/budi/hp1", {"lat": 1}, "ignored.untyped"),
        ("owntracks/budi/hp1/event", {"_type": "transition"}, "ignored.event"),
        ("owntracks/budi/hp1/waypoints", {"_type": "waypoints"}, "ignored.waypoints"),
        ("owntracks/budi/hp1", b"{nope", mqtt.MALFORMED_JSON),
        ("owntracks/budi/hp1", [FIX], mqtt.MALFORMED_JSON),
        ("owntracks/budi/hp1", b"\xff", mqtt.MALFORMED_JSON),
        ("owntracks/budi", FIX, mqtt.UNKNOWN_TOPIC),
        ("owntracks//hp1", FIX, mqtt.UNKNOWN_TOPIC),
        ("siaga/BKS/devices/cam-7/events", b"[]", mqtt.MALFORMED_JSON),
        ("siaga/BKS/devices/cam-7/events", [1, 2], mqtt.MALFORMED_JSON),
        ("siaga/BKS/devices/cam-7/events", "text", mqtt.MALFORMED_JSON),
        ("siaga/BKS/devices/cam-7/events", {"device": "cam-8"}, mqtt.DEVICE_MISMATCH),
        ("siaga/BKS/devices/cam-7/status", {}, mqtt.UNKNOWN_TOPIC),
        ("siaga//devices/cam-7/events", {}, mqtt.UNKNOWN_TOPIC),
        ("other/topic", {}, mqtt.UNKNOWN_TOPIC),
    ],
)
def test_messages_that_go_no_further_say_why(topic, payload, skipped):
    p = parse(topic, payload)
    assert p.inbound == []
    assert p.skipped == skipped


def test_generic_json_object_or_list_with_polres_and_device_from_the_topic():
    one = parse("siaga/BKS/devices/cam-7/events", {"id": "a", "type": "cctv", "event": "fire"})
    assert one.inbound == [
        Inbound(
            "mqtt",
            "generic",
            "cam-7",
            {"id": "a", "type": "cctv", "event": "fire", "device": "cam-7"},
            NOW,
            "BKS",
        )
    ]
    many = parse("siaga/BKS/devices/cam-7/events", [{"id": "a"}, {"id": "b", "device": "cam-7"}])
    assert [m.payload["id"] for m in many.inbound] == ["a", "b"]
    assert {m.polres_code for m in many.inbound} == {"BKS"}


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["owntracks/u/d", "owntracks/u/d/event", "siaga/P/devices/d/events", "x", "owntracks/u"]),
    st.binary(max_size=60) | st.text(max_size=60).map(str.encode),
)
def test_any_bytes_on_any_topic_give_a_parsed_message(topic, raw):
    p = mqtt.parse_message(topic, raw, NOW)
    assert bool(p.inbound) != bool(p.skipped)


def test_broker_url():
    c = mqtt.BrokerConfig.from_url("mqtt://ing%40st:p%3Ass@broker.local:1884?client_id=w1", shared=False)
    assert (c.host, c.port, c.username, c.password, c.client_id, c.tls) == (
        "broker.local",
        1884,
        "ing@st",
        "p:ss",
        "w1",
        False,
    )
    t = mqtt.BrokerConfig.from_url("mqtts://b?shared=1", client_id="w2")
    assert (t.port, t.tls, t.shared, t.client_id) == (8883, True, True, "w2")
    with pytest.raises(ValueError):
        mqtt.BrokerConfig.from_url("http://b")


def test_shared_flag_from_the_environment(monkeypatch):
    monkeypatch.setenv("SIAGA_MQTT_SHARED", "1")
    monkeypatch.setenv("SIAGA_MQTT_CLIENT_ID", "worker-3")
    c = mqtt.BrokerConfig.from_url("mqtt://b")
    assert c.shared and c.client_id == "worker-3"


def test_subscriptions_exclusive_or_shared():
    assert mqtt.subscriptions(False) == ["owntracks/#", "siaga/+/devices/+/events"]
    assert mqtt.subscriptions(True) == ["$share/siaga/owntracks/#", "$share/siaga/siaga/+/devices/+/events"]


def test_device_topics_for_acl():
    assert mqtt_cli.device_topics("budi/hp1", "BKS")[0][0] == "owntracks/budi/hp1"
    assert mqtt_cli.device_topics("budi/hp1", "BKS")[1] == ["owntracks/budi/hp1/cmd"]
    assert mqtt_cli.device_topics("cam-7", "BKS") == (["siaga/BKS/devices/cam-7/events"], [])


@pytest.mark.parametrize("ref", ["a+b", "cam#1", "a/b/c", "/x", "x/"])
def test_refs_that_cannot_be_topics_are_left_out_of_the_broker_files(ref):
    assert mqtt_cli.device_topics(ref, "BKS") is None
    skipped = []
    passwd, acl = mqtt_cli.broker_files([("u1", "$7$101$a$b", ref, "BKS")], None, skipped)
    assert skipped == [ref]
    assert "u1" not in passwd and "u1" not in acl


def test_broker_files_hash_the_worker_password_in_mosquitto_format():
    passwd, acl = mqtt_cli.broker_files(
        [("cam-7", "$7$101$c2FsdA==$aGFzaA==", "cam-7", "BKS")], ("siaga-ingest", "s3cret-pass")
    )
    worker_line, device_line = passwd.splitlines()
    user, encoded = worker_line.split(":", 1)
    _, seven, iterations, salt, digest = encoded.split("$")
    assert (user, seven, iterations) == ("siaga-ingest", "7", "101")
    expect = hashlib.pbkdf2_hmac("sha512", b"s3cret-pass", base64.b64decode(salt), 101, dklen=64)
    assert base64.b64decode(digest) == expect
    assert device_line == "cam-7:$7$101$c2FsdA==$aGFzaA=="
    assert "user siaga-ingest\ntopic read owntracks/#" in acl
    assert "user cam-7\ntopic write siaga/BKS/devices/cam-7/events" in acl


def test_worker_credentials_from_the_url():
    assert mqtt_cli.worker_credentials("mqtt://w:pw@h") == ("w", "pw")
    assert mqtt_cli.worker_credentials("mqtt://h") is None
    assert mqtt_cli.worker_credentials(None) is None
