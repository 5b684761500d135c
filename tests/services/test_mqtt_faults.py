# ruff: noqa: F811  (fixtures imported from their modules, used as parameters)
"""Faults against a real Mosquitto (persistence on) and the real pipeline:

- the broker restarts: the worker reconnects to its persistent session and no QoS 1 message published
  before, during or after the restart is lost, nor stored twice;
- a worker is killed (SIGKILL) after its batch committed but before it acknowledged: the broker
  redelivers that batch to the next worker, whose pipeline recognises it as duplicates;
- malformed JSON and unknown devices are counted (RejectCount) and the worker goes on.

The kill test runs workers as separate processes, on SQLite in a data directory of their own, or on a
PostgreSQL database of their own when the suite runs on PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from siaga.ingest import mqtt
from siaga.ingest.owntracks import location_payload
from tests.ingest.conftest import bekasi_kelurahan, kit, polres, polsek, units, world  # noqa: F401 (fixtures)
from tests.services.test_mqtt_broker import broker, publish  # noqa: F401  (fixture)

pytestmark = pytest.mark.mqtt
ROOT = Path(__file__).resolve().parents[2]
REF_USER, REF_DEVICE = "andi", "hp"  # the phone of tests/ingest/conftest.py `kit`


def fixes(n: int, start: int = 0) -> list[dict]:
    """n fixes one second apart ending a little before now, at one spot (speed 0)."""
    t0 = int(time.time()) - 3600
    return [location_payload(-6.2383, 106.9956, t0 + i) for i in range(start, start + n)]


class Publisher:
    """A device's phone: QoS 1, paho's own reconnect and resend of what the broker has not acknowledged."""

    def __init__(self, port: int, client_id: str = "phone-andi"):
        import paho.mqtt.client as paho

        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.client.max_queued_messages_set(0)
        self.acked: set[int] = set()  # mids the broker acknowledged (PUBACK), whenever that was
        self.client.on_publish = lambda c, u, mid, rc, props: self.acked.add(mid)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.infos = []

    def send(self, payloads, topic=f"owntracks/{REF_USER}/{REF_DEVICE}"):
        # while the broker is down paho answers "not connected" but keeps the message and sends it
        # after reconnecting, as a phone's app does
        for p in payloads:
            self.infos.append(self.client.publish(topic, json.dumps(p), qos=1).mid)

    def all_acknowledged(self) -> bool:
        return set(self.infos) <= self.acked

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def drive(sub, until, timeout_s: float = 40.0):
    deadline = time.monotonic() + timeout_s
    while not until():
        assert time.monotonic() < deadline, f"timed out; stats {dict(sub.stats)}"
        sub.process_batch(timeout_s=0.1)


@pytest.mark.django_db(transaction=True)
def test_broker_restart_loses_no_qos1_message(broker, kit):
    from siaga.cad.models import UnitPosition

    unit = kit["phone"][0].unit
    stored = lambda: UnitPosition.objects.filter(unit=unit).count()  # noqa: E731
    sub = mqtt.Subscriber(mqtt.BrokerConfig.from_url(broker.url, client_id="w-restart", shared=False)).start()
    assert sub.subscribed.wait(15)
    phone = Publisher(broker.port)
    batch = fixes(90)
    try:
        phone.send(batch[:30])  # before: stored and acknowledged
        drive(sub, lambda: stored() == 30)

        phone.send(batch[30:60])  # in flight: received by the worker, not yet processed, then...
        time.sleep(0.5)
        broker.restart()  # ...the broker goes down and comes back from its persistence file
        phone.send(batch[60:])  # during: queued by the phone until it reconnects
        drive(sub, lambda: stored() == 90 and phone.all_acknowledged(), timeout_s=60)
        drive(sub, lambda: sub._queue.empty() and sub.connected.is_set())
    finally:
        phone.close()
        sub.stop()
    assert stored() == 90
    assert UnitPosition.objects.filter(unit=unit).values("at").distinct().count() == 90
    assert sub.stats["connects"] >= 2  # it reconnected by itself
    assert sub.stats["rejected"] == 0 and not any(k.startswith("rejected.") for k in sub.stats)


@pytest.mark.django_db(transaction=True)
def test_malformed_json_and_unknown_devices_are_counted_and_the_worker_goes_on(broker, kit):
    from siaga.cad.models import UnitPosition
    from siaga.ingest.models import RejectCount

    unit = kit["phone"][0].unit
    sub = mqtt.Subscriber(mqtt.BrokerConfig.from_url(broker.url, client_id="w-bad", shared=False)).start()
    assert sub.subscribed.wait(15)
    good = fixes(1)[0]
    try:
        publish(broker.port, f"owntracks/{REF_USER}/{REF_DEVICE}", b'{"_type": "location", "lat": ')
        publish(broker.port, "owntracks/stranger/hp", good)
        publish(broker.port, "siaga/XXX/devices/nobody/events", {"id": "1", "type": "panic"})
        publish(broker.port, f"owntracks/{REF_USER}/{REF_DEVICE}", {"_type": "lwt", "tst": 1})
        publish(broker.port, f"owntracks/{REF_USER}/{REF_DEVICE}", good)
        drive(sub, lambda: sub.stats["received"] == 5)
    finally:
        sub.stop()
    assert UnitPosition.objects.filter(unit=unit).count() == 1
    counts = dict(RejectCount.objects.values_list("reason", "n"))
    assert counts[mqtt.MALFORMED_JSON] == 1
    assert counts["unknown_device"] == 2
    assert sub.stats["ignored.lwt"] == 1
    assert sub.stats["acked"] == 5  # refused messages are acknowledged too: redelivering them is useless


# --- a worker killed mid-batch (separate processes) ----------------------------------------------------

WORKER = textwrap.dedent(
    """
    import json, os, sys, time, signal
    data_dir, mode = sys.argv[1], sys.argv[2]
    os.environ["SIAGA_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "siaga.settings"
    import django
    django.setup()
    if mode == "setup":
        from django.core.management import call_command
        call_command("migrate", verbosity=0)
        from siaga.cad import services as cad
        from siaga.core.context import acting
        from siaga.ingest import devices
        from tests.core.world import build_tree
        with acting(None, "test-setup"):
            tree = build_tree()
            unit = cad.bulk_create_units(tree.a, [{"callsign": "R2-01", "kind": "r2"}])[0]
            devices.register(tree.a, name="HP", kind="phone", ref="andi/hp", unit=unit)
        print(unit.pk)
        sys.exit(0)
    from siaga.ingest import mqtt, pipeline
    url, client_id, marker, pause = sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6])

    def accept(batch):
        outcomes = pipeline.accept(batch)  # committed: durable from here on
        with open(marker, "a") as f:
            f.write(json.dumps([o.status for o in outcomes]) + "\\n")
        time.sleep(pause)  # killed here: stored, not acknowledged
        return outcomes

    sub = mqtt.Subscriber(mqtt.BrokerConfig.from_url(url, client_id=client_id, shared=False), accept,
                          batch_size=25, batch_wait_s=0.2).start()
    signal.signal(signal.SIGTERM, lambda *a: sub.stopped.set())
    sub.subscribed.wait(10)
    print("ready", flush=True)
    sub.run()
    sub.stop()
    print(json.dumps(dict(sub.stats)), flush=True)
    """
)


@contextlib.contextmanager
def worker_database(tmp: Path):
    """Where the worker processes store, and a way to count there: SQLite in `tmp`, or, when the suite
    runs on PostgreSQL, a database of their own beside the suite's (created and dropped here)."""
    url = os.environ.get("SIAGA_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        db = sqlite3.connect(tmp / "data" / "siaga.sqlite3")
        try:
            yield None, lambda sql: db.execute(sql).fetchone()[0]
        finally:
            db.close()
        return
    import psycopg
    from psycopg import sql as pgsql

    info = psycopg.conninfo.conninfo_to_dict(url)
    name = f"{info.pop('dbname')}_mqtt_kill"
    admin = psycopg.conninfo.make_conninfo(**info, dbname="postgres")

    def recreate(create: bool):
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))
            if create:
                conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))

    recreate(True)
    child_url = urlparse(url)._replace(path=f"/{name}").geturl()
    try:
        with psycopg.connect(child_url, autocommit=True) as conn:
            yield child_url, lambda sql: conn.execute(sql).fetchone()[0]
    finally:
        recreate(False)


def _worker(tmp: Path, *args: str, database_url: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SIAGA_DATABASE_URL", None)
    if database_url:
        env["SIAGA_DATABASE_URL"] = database_url
    return subprocess.Popen(
        [sys.executable, str(tmp / "worker.py"), str(tmp / "data"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_ready(proc: subprocess.Popen) -> None:
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read()


def test_worker_killed_after_commit_before_ack_loses_nothing_and_stores_nothing_twice(broker, tmp_path):
    (tmp_path / "worker.py").write_text(WORKER)
    (tmp_path / "data").mkdir()
    with worker_database(tmp_path) as (url, scalar):
        _kill_and_resume(broker, tmp_path, url, scalar)


def _kill_and_resume(broker, tmp_path, url, scalar):
    setup = _worker(tmp_path, "setup", database_url=url)
    out, err = setup.communicate(timeout=180)
    assert setup.returncode == 0, err
    unit_id = int(out.split()[-1])
    marker = tmp_path / "batches.jsonl"

    def count(what="*"):
        return scalar(f"SELECT count({what}) FROM cad_unitposition WHERE unit_id = {unit_id}")  # noqa: S608

    first = _worker(tmp_path, "work", broker.url, "w-kill", str(marker), "30", database_url=url)
    _wait_ready(first)
    phone = Publisher(broker.port)
    phone.send(fixes(100))
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text().strip()):
        assert time.monotonic() < deadline, "the first worker committed nothing"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # its first batch is in the database, unacknowledged
    first.wait(10)
    committed_by_first = sum(len(json.loads(line)) for line in marker.read_text().splitlines())
    assert committed_by_first > 0
    assert count() == committed_by_first

    second = _worker(
        tmp_path, "work", broker.url, "w-kill", str(tmp_path / "second.jsonl"), "0", database_url=url
    )
    _wait_ready(second)
    deadline = time.monotonic() + 60
    while count() < 100 or not phone.all_acknowledged():
        assert time.monotonic() < deadline, f"stored {count()} of 100"
        time.sleep(0.1)
    time.sleep(0.5)  # let it acknowledge its last batch
    second.send_signal(signal.SIGTERM)
    out, err = second.communicate(timeout=20)
    phone.close()
    stats = json.loads(out.strip().splitlines()[-1])
    assert count() == 100
    assert count("DISTINCT at") == 100
    # the killed worker's batch came again and was recognised
    assert stats.get("duplicate", 0) >= committed_by_first, stats
    assert stats.get("accepted", 0) == 100 - committed_by_first, stats
