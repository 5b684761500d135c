# ruff: noqa: F811  (fixtures imported from their modules, used as parameters)
"""The MQTT subscriber against a real Mosquitto, with a recording `accept` in place of the pipeline:
topics to Inbound, batching, acknowledgement only after accept, malformed messages counted."""

from __future__ import annotations

import threading
import time

import pytest

from siaga.ingest import mqtt
from siaga.ingest.owntracks import location_payload
from siaga.ingest.pipeline import Outcome
from tests.services.test_mqtt_broker import broker, publish  # noqa: F401  (fixture)

pytestmark = pytest.mark.mqtt


class Recorder:
    def __init__(self, fail_times: int = 0):
        self.batches: list[list] = []
        self.fail_times = fail_times
        self.calls = 0

    def __call__(self, inbound):
        self.calls += 1
        if self.calls <= self.fail_times:
            raise RuntimeError("database unavailable")
        self.batches.append(list(inbound))
        return [Outcome("accepted") for _ in inbound]

    @property
    def messages(self):
        return [m for b in self.batches for m in b]


def run_until(sub: mqtt.Subscriber, predicate, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out; stats {dict(sub.stats)}"
        sub.process_batch(timeout_s=0.1)


def subscriber(broker, accept, client_id="t-worker", **kw) -> mqtt.Subscriber:
    config = mqtt.BrokerConfig.from_url(broker.url, client_id=client_id, shared=False)
    sub = mqtt.Subscriber(config, accept, **kw).start()
    assert sub.subscribed.wait(15), "not subscribed"
    return sub


def test_both_topics_reach_accept_as_inbound(broker):
    rec = Recorder()
    sub = subscriber(broker, rec)
    try:
        publish(broker.port, "owntracks/budi/hp1", location_payload(-6.24, 106.99, 1_790_000_000, vel=30))
        publish(
            broker.port,
            "siaga/3275/devices/cam-7/events",
            [{"id": "e1", "type": "cctv", "event": "fire"}, {"id": "e2", "type": "panic"}],
        )
        run_until(sub, lambda: len(rec.messages) == 3)
    finally:
        sub.stop()
    own, gen1, gen2 = sorted(rec.messages, key=lambda m: m.protocol != "owntracks")
    assert (own.transport, own.protocol, own.device_ref) == ("mqtt", "owntracks", "budi/hp1")
    assert own.payload["lat"] == -6.24
    assert (gen1.protocol, gen1.device_ref, gen1.polres_code) == ("generic", "cam-7", "3275")
    assert {gen1.payload["id"], gen2.payload["id"]} == {"e1", "e2"}
    assert gen1.payload["device"] == "cam-7"


def test_malformed_and_non_location_messages_are_counted_and_the_worker_goes_on(broker):
    rec = Recorder()
    sub = subscriber(broker, rec)
    try:
        publish(broker.port, "owntracks/budi/hp1", b"{not json")
        publish(broker.port, "owntracks/budi/hp1", {"_type": "lwt", "tst": 1})
        publish(broker.port, "owntracks/budi/hp1/event", {"_type": "transition"})
        publish(broker.port, "siaga/3275/devices/cam-7/events", b"\xff\xfe")
        publish(broker.port, "siaga/3275/devices/cam-7/events", {"device": "cam-8", "id": "x"})
        publish(broker.port, "owntracks/budi/hp1", location_payload(-6.2, 107.0, 1_790_000_000))
        run_until(sub, lambda: len(rec.messages) == 1 and sub.stats["received"] == 6)
    finally:
        sub.stop()
    assert sub.stats[mqtt.MALFORMED_JSON] == 2
    assert sub.stats[mqtt.DEVICE_MISMATCH] == 1
    assert sub.stats["ignored.lwt"] == 1
    assert sub.stats["ignored.event"] == 1
    assert sub.stats["acked"] == 6


def test_messages_are_batched(broker):
    rec = Recorder()
    sub = subscriber(broker, rec, batch_size=50, batch_wait_s=0.5)
    try:
        for i in range(120):
            publish(broker.port, f"owntracks/u/d{i}", location_payload(-6.2, 107.0, 1_790_000_000 + i))
        run_until(sub, lambda: len(rec.messages) == 120)
    finally:
        sub.stop()
    assert max(len(b) for b in rec.batches) == 50
    assert len(rec.batches) < 120


def test_a_failing_accept_is_retried_and_nothing_is_acknowledged_until_it_succeeds(broker):
    rec = Recorder(fail_times=2)
    sub = subscriber(broker, rec)
    acked_during_failure = []
    real_ack = sub._ack

    def spy_ack(batch):
        acked_during_failure.append(rec.calls)
        real_ack(batch)

    sub._ack = spy_ack
    try:
        publish(broker.port, "owntracks/u/d", location_payload(-6.2, 107.0, 1_790_000_000))
        run_until(sub, lambda: len(rec.messages) == 1)
    finally:
        sub.stop()
    assert sub.stats["accept_errors"] == 2
    assert acked_during_failure == [3]  # acknowledged once, after the third (successful) call


def test_persistent_session_keeps_messages_published_while_the_worker_is_away(broker):
    rec = Recorder()
    sub = subscriber(broker, rec, client_id="t-away")
    sub.stop()
    for i in range(5):
        publish(broker.port, f"owntracks/u/d{i}", location_payload(-6.2, 107.0, 1_790_000_000 + i))
    sub = subscriber(broker, rec, client_id="t-away")
    try:
        run_until(sub, lambda: len(rec.messages) == 5)
    finally:
        sub.stop()


def test_shared_subscription_splits_messages_between_two_workers(broker):
    recs = [Recorder(), Recorder()]
    subs = []
    for n, rec in enumerate(recs):
        config = mqtt.BrokerConfig.from_url(broker.url, client_id=f"t-shared-{n}", shared=True)
        subs.append(mqtt.Subscriber(config, rec).start())
    assert all(s.subscribed.wait(15) for s in subs)
    stop = threading.Event()

    def work(sub):
        while not stop.is_set():
            sub.process_batch(0.1)

    threads = [threading.Thread(target=work, args=(s,)) for s in subs]
    for t in threads:
        t.start()
    try:
        for i in range(40):
            publish(broker.port, f"owntracks/u/d{i}", location_payload(-6.2, 107.0, 1_790_000_000 + i))
        deadline = time.monotonic() + 30
        while sum(len(r.messages) for r in recs) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join()
        for s in subs:
            s.stop()
    counts = [len(r.messages) for r in recs]
    assert sum(counts) == 40  # each message to exactly one worker
    assert all(c > 0 for c in counts)


def test_a_retired_shared_worker_drains_its_queue_and_gets_nothing_more(broker):
    def shared(client_id, rec):
        config = mqtt.BrokerConfig.from_url(broker.url, client_id=client_id, shared=True)
        sub = mqtt.Subscriber(config, rec).start()
        assert sub.subscribed.wait(15)
        return sub

    stay, leave = Recorder(), Recorder()
    a, b = shared("t-stay", stay), shared("t-leave", leave)
    b.stop()  # away, session kept: Mosquitto still hands it its turn
    for i in range(10):
        publish(broker.port, f"owntracks/u/d{i}", location_payload(-6.2, 107.0, 1_790_000_000 + i))
    run_until(a, lambda: len(stay.messages) == 5)  # half went to the absent member's queue

    b = shared("t-leave", leave)
    assert b.retire(idle_s=0.5) == 5  # drained what waited for it, then ended its session
    for i in range(10, 16):
        publish(broker.port, f"owntracks/u/d{i}", location_payload(-6.2, 107.0, 1_790_000_000 + i))
    try:
        run_until(a, lambda: len(stay.messages) == 11)  # everything new goes to the one that stays
    finally:
        a.stop()
    assert len(leave.messages) == 5
    assert len({m.device_ref for m in stay.messages + leave.messages}) == 16


def test_a_retained_fix_comes_once_per_session_not_on_every_reconnect(broker):
    import paho.mqtt.client as paho

    pub = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    pub.connect("127.0.0.1", broker.port)
    pub.loop_start()
    pub.publish("owntracks/u/d", b'{"_type": "location"}', qos=1, retain=True).wait_for_publish(5)
    pub.disconnect()
    pub.loop_stop()

    rec = Recorder()
    sub = subscriber(broker, rec, client_id="t-retained")
    run_until(sub, lambda: len(rec.messages) == 1)  # the phone's last fix, retained by the broker
    sub.stop()
    sub = subscriber(broker, rec, client_id="t-retained")  # the same session again
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            sub.process_batch(timeout_s=0.1)
    finally:
        sub.stop()
    assert len(rec.messages) == 1


def test_a_message_the_pipeline_always_fails_on_is_given_up_alone_and_the_rest_goes_through(broker):
    stored = []

    def accept(inbound):  # a pipeline with a bug that one payload triggers
        if any("boom" in m.payload for m in inbound):
            raise ZeroDivisionError("bug")
        stored.extend(inbound)
        return [Outcome("accepted") for _ in inbound]

    sub = subscriber(broker, accept, batch_wait_s=0.5)
    try:
        for i in range(4):
            publish(broker.port, f"owntracks/u/d{i}", location_payload(-6.2, 107.0, 1_790_000_000 + i))
        publish(broker.port, "owntracks/u/bad", {**location_payload(-6.2, 107.0, 1_790_000_000), "boom": 1})
        run_until(sub, lambda: sub.stats["received"] == 5 and sub.stats["acked"] == 5)
    finally:
        sub.stop()
    assert sorted(m.device_ref for m in stored) == ["u/d0", "u/d1", "u/d2", "u/d3"]
    assert sub.stats[f"rejected.{mqtt.ACCEPT_ERROR}"] == 1
    assert sub.stats["accept_errors"] == mqtt.SPLIT_AFTER


def test_stopping_while_the_pipeline_fails_acknowledges_nothing(broker):
    def accept(inbound):
        raise ConnectionError("database down")

    sub = subscriber(broker, accept)
    sub._database_answers = lambda: False  # an outage, not a bad message
    publish(broker.port, "owntracks/u/d", location_payload(-6.2, 107.0, 1_790_000_000))
    threading.Timer(1.5, sub.stopped.set).start()
    try:
        while not sub.stopped.is_set():
            sub.process_batch(timeout_s=0.1)
    finally:
        sub.stop()
    assert sub.stats["received"] == 1
    assert sub.stats["acked"] == 0
    assert sub.stats["accept_errors"] >= 2

    rec = Recorder()  # the database is back: the same worker id gets the message again
    sub = subscriber(broker, rec)
    try:
        run_until(sub, lambda: len(rec.messages) == 1)
    finally:
        sub.stop()
