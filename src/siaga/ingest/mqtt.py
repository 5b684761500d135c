"""The MQTT adapter: subscribe to the device topics, batch what arrives, hand batches to pipeline.accept,
and acknowledge each message to the broker only after accept returned (the batch is durable).

Topics (stable addresses):
  owntracks/{user}/{device}                    OwnTracks JSON; device_ref "{user}/{device}"
  siaga/{polres}/devices/{device}/events       the generic JSON (one object or a list); polres from the topic

Delivery: QoS 1 subscriptions on a persistent session (MQTT 5, clean_start False, a session expiry, a
stable client id), manual acknowledgement: a worker killed mid-batch has acknowledged nothing of that
batch, so the broker redelivers it to the next worker, and the pipeline's dedupe drops what was already
stored. Several workers share the load through a shared subscription ($share/siaga/...) when `shared`.
paho's network thread reconnects by itself with backoff; acknowledgements of messages received on an
earlier connection are dropped (the broker resends those after the reconnect).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import queue
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from . import owntracks
from .pipeline import Inbound, Outcome

log = logging.getLogger(__name__)

OWNTRACKS_FILTER = "owntracks/#"
GENERIC_FILTER = "siaga/+/devices/+/events"
SHARE_GROUP = "siaga"
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps an absent worker's queue for a week

# Adapter-level reasons (the pipeline has its own for messages it rejects).
MALFORMED_JSON = "mqtt.malformed_json"
UNKNOWN_TOPIC = "mqtt.unknown_topic"
DEVICE_MISMATCH = "mqtt.device_mismatch"  # the generic JSON names another device than its topic
ACCEPT_ERROR = "mqtt.accept_error"  # the pipeline failed on this message alone, again and again
SPLIT_AFTER = 3  # failures of a whole batch before it is tried message by message

AcceptFn = Callable[[list[Inbound]], list[Outcome]]


# --- configuration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokerConfig:
    """Where and how to connect; built from SIAGA_MQTT_URL, e.g. mqtt://user:pass@host:1883?client_id=x
    (mqtts:// for TLS)."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    client_id: str = ""
    shared: bool = False
    keepalive: int = 30

    @classmethod
    def from_url(cls, url: str, *, client_id: str | None = None, shared: bool | None = None) -> BrokerConfig:
        parts = urlparse(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ValueError(f"not an MQTT URL (mqtt:// or mqtts://): {url}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = parts.scheme in ("mqtts", "ssl")
        if shared is None:
            shared = _truthy(query.get("shared", os.environ.get("SIAGA_MQTT_SHARED", "")))
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            client_id=client_id or query.get("client_id") or default_client_id(),
            shared=shared,
        )


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def default_client_id() -> str:
    """Stable across restarts of the same worker (the broker keeps its session under this id):
    SIAGA_MQTT_CLIENT_ID, else one per host."""
    return os.environ.get("SIAGA_MQTT_CLIENT_ID") or f"siaga-ingest-{socket.gethostname()}"


def subscriptions(shared: bool) -> list[str]:
    filters = [OWNTRACKS_FILTER, GENERIC_FILTER]
    return [f"$share/{SHARE_GROUP}/{f}" for f in filters] if shared else filters


# --- topic + payload → Inbound ----------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """What one MQTT message became: Inbound messages for the pipeline, or a reason it goes no further
    (an adapter-level rejection, or "ignored.<type>" for OwnTracks messages that carry no position)."""

    inbound: list[Inbound]
    skipped: str = ""


def parse_message(topic: str, raw: bytes, received_at: dt.datetime) -> Parsed:
    """Never raises: any topic and any bytes give a Parsed."""
    levels = topic.split("/")
    if levels[0] == "owntracks" and len(levels) >= 3 and all(levels[1:3]):
        return _parse_owntracks(levels, raw, received_at)
    if (
        len(levels) == 5
        and levels[0] == "siaga"
        and levels[2] == "devices"
        and levels[4] == "events"
        and levels[1]
        and levels[3]
    ):
        return _parse_generic(levels[1], levels[3], raw, received_at)
    return Parsed([], UNKNOWN_TOPIC)


def _load_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return _BAD


_BAD = object()


def _parse_owntracks(levels: list[str], raw: bytes, received_at: dt.datetime) -> Parsed:
    if len(levels) > 3:  # owntracks/u/d/event, /waypoint, /info, /cmd, /dump: no position stream
        return Parsed([], f"ignored.{'/'.join(levels[3:])[:40]}")
    payload = _load_json(raw)
    if payload is _BAD or not isinstance(payload, dict):
        return Parsed([], MALFORMED_JSON)
    kind = owntracks.message_type(payload)
    if kind != owntracks.LOCATION:
        return Parsed([], f"ignored.{kind[:40] or 'untyped'}")
    ref = owntracks.device_ref(levels[1], levels[2])
    return Parsed([Inbound("mqtt", "owntracks", ref, payload, received_at)])


def _parse_generic(polres_code: str, device: str, raw: bytes, received_at: dt.datetime) -> Parsed:
    payload = _load_json(raw)
    items = payload if isinstance(payload, list) else [payload]
    if payload is _BAD or not items or not all(isinstance(i, dict) for i in items):
        return Parsed([], MALFORMED_JSON)
    # the broker's ACL lets a device publish only under its own topic: the topic names the device
    if any(i.get("device") not in (None, device) for i in items):
        return Parsed([], DEVICE_MISMATCH)
    return Parsed(
        [Inbound("mqtt", "generic", device, {**i, "device": device}, received_at, polres_code) for i in items]
    )


# --- the subscriber -----------------------------------------------------------------------------------


@dataclass
class _Received:
    generation: int  # which connection delivered it; acks go back on that connection only
    mid: int
    qos: int
    topic: str
    payload: bytes
    received_at: dt.datetime


class Subscriber:
    """One ingest worker's connection. `run()` blocks (the `siaga ingest mqtt` worker); `process_batch()`
    does one round (for an event-loop task or a test). `accept` defaults to pipeline.accept."""

    def __init__(
        self,
        config: BrokerConfig,
        accept: AcceptFn | None = None,
        *,
        batch_size: int = 500,
        batch_wait_s: float = 0.05,
        receive_maximum: int = 1000,
    ):
        import paho.mqtt.client as paho
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.config = config
        self._accept = accept
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_s
        self.stats: Counter[str] = Counter()
        self._queue: queue.Queue[_Received] = queue.Queue()
        self._generation = 0
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.stopped = threading.Event()
        self.task: asyncio.Task | None = None  # when embedded on an event loop (start_in_background)

        client = paho.Client(
            paho.CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        if config.username:
            client.username_pw_set(config.username, config.password)
        if config.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        # unacknowledged QoS 1 messages the broker may have in flight to us: one full batch and more,
        # so batching is not throttled by the broker's default window of 20
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = receive_maximum
        self._connect_props = props
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self.client = client

    # paho's network thread --------------------------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.stats["connect_refused"] += 1
            log.warning("MQTT broker refused the connection: %s", reason_code)
            return
        with self._lock:
            self._generation += 1
        self.stats["connects"] += 1
        self.connected.set()
        from paho.mqtt.subscribeoptions import SubscribeOptions

        if flags.session_present:  # a worker switched between shared and exclusive keeps one of the two
            client.unsubscribe(subscriptions(not self.config.shared))
        # subscribing again is harmless: retained messages (OwnTracks retains the last fix) come only
        # with a subscription the session did not have yet
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
        client.subscribe([(f, options) for f in subscriptions(self.config.shared)])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if any(rc.is_failure for rc in reason_codes):
            log.error("MQTT subscription refused: %s", reason_codes)
            self.stats["subscribe_refused"] += 1
            return
        self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if not self.stopped.is_set():
            self.stats["disconnects"] += 1
            log.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, message) -> None:
        self._queue.put(
            _Received(
                self._generation,
                message.mid,
                message.qos,
                message.topic,
                message.payload,
                dt.datetime.now(dt.UTC),
            )
        )

    # lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> Subscriber:
        """Connect in the background (paho retries the first connection too, with backoff)."""
        self.client.connect_async(
            self.config.host,
            self.config.port,
            keepalive=self.config.keepalive,
            clean_start=False,
            properties=self._connect_props,
        )
        self.client.loop_start()
        return self

    def stop(self, end_session: bool = False) -> None:
        """Disconnect. The broker keeps the session (and queues for it) unless end_session."""
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.stopped.set()
        props = None
        if end_session:
            props = Properties(PacketTypes.DISCONNECT)
            props.SessionExpiryInterval = 0
        self.client.disconnect(properties=props)
        self.client.loop_stop()

    def retire(self, idle_s: float = 2.0, timeout_s: float = 30.0) -> int:
        """Leave for good: unsubscribe (no new messages come to this id), store and acknowledge what the
        broker had queued for it until nothing came for idle_s, then end the session on the broker.
        Returns how many messages it drained. For a shared worker that will not come back."""
        if not self.subscribed.wait(timeout_s):
            raise TimeoutError("not connected to the broker")
        self.client.unsubscribe(subscriptions(self.config.shared))
        drained, quiet_since = 0, time.monotonic()
        while time.monotonic() - quiet_since < idle_s:
            n = self.process_batch(timeout_s=0.2)
            if n:
                drained, quiet_since = drained + n, time.monotonic()
        self.stop(end_session=True)  # the broker forgets the session and queues nothing more for it
        return drained

    def run(self) -> None:
        """Process batches until stop() (or SIGTERM in the worker command)."""
        from django.db import close_old_connections

        try:
            while not self.stopped.is_set():
                self.process_batch(timeout_s=0.5)
        finally:
            close_old_connections()

    # batching ---------------------------------------------------------------------------------------------

    def _take_batch(self, timeout_s: float) -> list[_Received]:
        try:
            first = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait_s
        while len(batch) < self.batch_size:
            left = deadline - time.monotonic()
            try:
                batch.append(self._queue.get_nowait() if left <= 0 else self._queue.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def process_batch(self, timeout_s: float = 0.5) -> int:
        """Wait up to timeout_s for messages, take a batch (up to batch_size or batch_wait_s after the
        first), hand it to accept, then acknowledge it. Returns how many MQTT messages it handled."""
        batch = self._take_batch(timeout_s)
        if not batch:
            return 0
        inbound: list[Inbound] = []
        refused: Counter[tuple[int, str]] = Counter()
        for item in batch:
            parsed = parse_message(item.topic, item.payload, item.received_at)
            if parsed.skipped:
                self.stats[parsed.skipped] += 1
                if not parsed.skipped.startswith("ignored."):
                    refused[(0, parsed.skipped)] += 1  # Polres unknown before the device is read
                    log.info("MQTT message on %s refused: %s", item.topic, parsed.skipped)
            inbound.extend(parsed.inbound)
        self.stats["received"] += len(batch)
        if (inbound or refused) and not self._accept_until_done(inbound, refused):
            return len(batch)  # stopped while the pipeline failed: unacknowledged, so redelivered
        self._ack(batch)
        self.stats["batches"] += 1
        return len(batch)

    def _accept_until_done(self, inbound: list[Inbound], refused: Counter[tuple[int, str]]) -> bool:
        """accept() may fail for a while (database restarting): retry the same batch with backoff and
        acknowledge nothing meanwhile; the dedupe makes a retried half-done batch harmless. Every
        SPLIT_AFTER failures the batch is tried message by message, so that one message that makes the
        pipeline fail (a bug, not bad input: bad input is rejected) cannot hold up the rest for ever.
        What the adapter refused is counted beside the pipeline's rejections (RejectCount, Polres 0)."""
        from django.db import close_old_connections

        delay, attempts = 0.2, 0
        while True:
            if self._accept is None:  # drop a connection that died while we waited (database restart)
                close_old_connections()
            try:
                outcomes = self.accept(inbound) if inbound else []
                break
            except Exception:
                attempts += 1
                self.stats["accept_errors"] += 1
                log.exception("pipeline.accept failed; retrying the batch in %.1f s", delay)
            if attempts % SPLIT_AFTER == 0:
                split = self._accept_one_by_one(inbound)
                if split is not None:
                    outcomes = split
                    failed = sum(o.reason == ACCEPT_ERROR for o in split)
                    refused = refused + Counter({(0, ACCEPT_ERROR): failed})
                    break
            if self.stopped.wait(delay):  # stopping: acknowledge nothing, the broker will redeliver
                return False
            delay = min(delay * 2, 10.0)
        while refused:
            try:
                self.count_refused(refused)
                break
            except Exception:
                log.exception("counting refused MQTT messages failed; retrying")
                if self.stopped.wait(delay):
                    break
        for outcome in outcomes:
            key = outcome.status if outcome.status != "rejected" else f"rejected.{outcome.reason}"
            self.stats[key] += 1
        return True

    def _accept_one_by_one(self, inbound: list[Inbound]) -> list[Outcome] | None:
        """Each message alone. Those that still fail are given up (rejected as mqtt.accept_error, logged)
        if the others went through or the database answers; None when everything failed and the database
        does not answer (an outage: keep retrying the batch)."""
        outcomes: list[Outcome | None] = []
        for message in inbound:
            try:
                outcomes.extend(self.accept([message]))
            except Exception:
                outcomes.append(None)
        if all(o is None for o in outcomes) and not self._database_answers():
            return None
        for message, outcome in zip(inbound, outcomes, strict=True):
            if outcome is None:
                log.error("MQTT message from %s given up: the pipeline fails on it", message.device_ref)
        return [o or Outcome("rejected", ACCEPT_ERROR) for o in outcomes]

    def _database_answers(self) -> bool:
        if self._accept is not None:  # a stand-in pipeline: no database to ask
            return True
        from django.db import connection

        try:
            with connection.cursor() as cur:
                cur.execute("SELECT 1")
            return True
        except Exception:
            return False

    def accept(self, inbound: list[Inbound]) -> list[Outcome]:
        if self._accept is not None:
            return self._accept(inbound)
        from .pipeline import accept

        return accept(inbound)

    def count_refused(self, refused: Counter[tuple[int, str]]) -> None:
        if self._accept is not None:  # a stand-in pipeline (tests): the adapter's stats are enough
            return
        from django.utils import timezone

        from .pipeline import count_rejects

        count_rejects(refused, timezone.now().date())

    def _ack(self, batch: list[_Received]) -> None:
        with self._lock:
            generation = self._generation
        for item in batch:
            if item.qos == 0:
                continue
            if item.generation != generation:  # that connection is gone: the broker will resend
                self.stats["ack_dropped"] += 1
                continue
            self.client.ack(item.mid, item.qos)
            self.stats["acked"] += 1


# --- embedded in `siaga run` ----------------------------------------------------------------------------


def tune_gc_for_batches() -> None:
    """For a process whose work is batches of hundreds of messages (an ingest worker): freeze what start-up
    built (Django, the apps, caches) out of the collector's way, and collect the young generation after
    50,000 allocations instead of 700. Each batch allocates tens of thousands of short-lived objects;
    with the defaults the collector ran dozens of times a batch (15–25 % of the worker's CPU in
    benchmarks/ingest). Memory between collections grows by a few MB at most."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def start_in_background(url: str | None = None) -> Subscriber | None:
    """Subscribe to settings.MQTT_URL (or `url`) inside the web process; None when no broker is set.

    Called from a running event loop (one `siaga run` process, in-memory channel layer), each batch runs
    in a worker thread via sync_to_async from a task on that loop, so the position events reach the
    sockets; called without a loop (several workers, Redis layer), a daemon thread runs the batches."""
    from django.conf import settings

    url = url or settings.MQTT_URL
    if not url:
        return None
    sub = Subscriber(BrokerConfig.from_url(url)).start()
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        threading.Thread(target=sub.run, name="siaga-mqtt", daemon=True).start()
        return sub
    from asgiref.sync import sync_to_async

    async def batches():
        while not sub.stopped.is_set():
            await sync_to_async(_batch_in_thread, thread_sensitive=False)(sub)

    sub.task = loop.create_task(batches(), name="siaga-mqtt")  # a reference: the loop holds tasks weakly
    return sub


def _batch_in_thread(sub: Subscriber) -> None:
    from django.db import close_old_connections

    try:
        sub.process_batch(timeout_s=0.5)
    finally:
        close_old_connections()
