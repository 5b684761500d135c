"""Several ingest workers on one PostgreSQL database: two `siaga ingest mqtt --shared` processes behind a
real Mosquitto (a private one, persistence on) share the device messages; each message is stored exactly
once, every unit ends at its newest fix, both workers take a share, and a worker killed mid-stream
(SIGKILL) loses nothing: what it held unacknowledged goes to the other or to its restart.

Runs when the suite runs on PostgreSQL (skips on SQLite, as the other PostgreSQL tests do) and needs the
mosquitto binary (skips locally without it, fails under CI=true)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection

from siaga.cad import services as cad_services
from siaga.cad.models import Unit, UnitPosition
from siaga.core.context import acting
from siaga.ingest import devices
from siaga.ingest.models import Device, DeviceMessage
from siaga.ingest.owntracks import location_payload
from tests.conftest import require
from tests.ingest import conftest as ingest
from tests.services.test_mqtt_broker import MOSQUITTO, Mosquitto, mosquitto_available

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
bekasi_kelurahan, world, polres, polsek = ingest.bekasi_kelurahan, ingest.world, ingest.polres, ingest.polsek
ROOT = Path(__file__).resolve().parents[2]
DEVICES = 4  # M phones, each on its own unit
PER_PHASE = 50  # fixes per device in each of the two phases: N = 2 × 50 per device
LAT, LON = -6.2383, 106.9956  # inside the test Polres (tests/cad/conftest.py INSIDE)


@pytest.fixture
def chatty_broker(tmp_path):
    """A private Mosquitto that logs subscriptions, so the test knows when a worker is listening."""
    require(mosquitto_available(), f"mosquitto is not installed at {MOSQUITTO} (apt-get install mosquitto)")
    b = Mosquitto(tmp_path, "allow_anonymous true\nlog_type all\n").start()
    yield b
    b.stop()


@pytest.fixture
def phones(polres, polsek):
    with acting(None, "test-workers"):
        units = cad_services.bulk_create_units(
            polres, [{"callsign": f"R2-{k:02d}", "kind": "r2", "polsek": polsek} for k in range(DEVICES)]
        )
        for k, unit in enumerate(units):
            devices.register(polres, name=f"HP {k}", kind="phone", ref=f"officer{k}/hp", unit=unit)
    return units


def fix(k: int, i: int, t0: int) -> dict:
    """Device k's i-th fix: one a second, a metre or so apart (a walk: never an impossible speed)."""
    return location_payload(LAT + k * 1e-3 + i * 1e-5, LON + k * 1e-3, t0 + i)


class Worker:
    """`siaga ingest mqtt --shared` as a process of its own, on the test's database."""

    def __init__(self, broker: Mosquitto, client_id: str, database_url: str, data_dir: Path):
        self.broker, self.client_id = broker, client_id
        env = {**os.environ, "SIAGA_DATABASE_URL": database_url, "SIAGA_DATA_DIR": str(data_dir)}
        env.update({"PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1"})
        seen = self._subscribes()
        cmd = [sys.executable, "-m", "siaga", "ingest", "mqtt", "--url", broker.url]
        self.proc = subprocess.Popen(
            [*cmd, "--client-id", client_id, "--shared", "--batch-size", "20"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while self._subscribes() <= seen:  # listening once the broker has its SUBSCRIBE
            if self.proc.poll() is not None:
                raise AssertionError(f"worker {client_id} exited: {self.proc.stderr.read()}")
            assert time.monotonic() < deadline, f"worker {client_id} never subscribed"
            time.sleep(0.05)

    def _subscribes(self) -> int:
        return self.broker.log().count(f"Received SUBSCRIBE from {self.client_id}")

    def stop(self) -> dict[str, int]:
        """SIGTERM: it finishes the batch in hand, acknowledges, and prints its counters."""
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err
        [line] = [ln for ln in out.splitlines() if ln.startswith("stopped: ")]
        pairs = (kv.split("=") for kv in line.removeprefix("stopped: ").split(", ") if kv)
        return {k: int(v) for k, v in pairs}

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


class Phones:
    """The devices' apps: QoS 1, each message kept until the broker acknowledges it."""

    def __init__(self, port: int):
        import paho.mqtt.client as paho

        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="phones", protocol=paho.MQTTv5)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def send(self, t0: int, fixes: range) -> None:
        infos = [
            self.client.publish(f"owntracks/officer{k}/hp", json.dumps(fix(k, i, t0)), qos=1)
            for i in fixes
            for k in range(DEVICES)
        ]
        for info in infos:
            info.wait_for_publish(timeout=30)
            assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def stored() -> int:
    return UnitPosition.objects.count()


def wait_stored(n: int, workers: list[Worker], timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while stored() < n:
        for w in workers:
            assert w.proc.poll() is None, w.proc.stderr.read()
        assert time.monotonic() < deadline, f"stored {stored()} of {n}"
        time.sleep(0.1)


def test_two_shared_workers_store_every_message_once_and_survive_a_kill(
    need_postgres, chatty_broker, phones, tmp_path
):
    url = os.environ["SIAGA_DATABASE_URL"]
    database_url = urlparse(url)._replace(path=f"/{connection.settings_dict['NAME']}").geturl()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    start = lambda client_id: Worker(chatty_broker, client_id, database_url, data_dir)  # noqa: E731
    t0 = int(time.time()) - 3 * 3600
    total = DEVICES * 2 * PER_PHASE
    a, b = start("ingest-a"), start("ingest-b")
    sender = Phones(chatty_broker.port)
    workers = [a, b]
    try:
        # phase 1: both workers take a share
        sender.send(t0, range(PER_PHASE))
        wait_stored(DEVICES * PER_PHASE, workers)
        share_a, share_b = a.stop(), b.stop()
        assert share_a.get("accepted", 0) > 0 and share_b.get("accepted", 0) > 0, (share_a, share_b)
        assert share_a.get("accepted", 0) + share_b.get("accepted", 0) == DEVICES * PER_PHASE
        # phase 2: the same workers come back to their sessions; one is killed mid-stream
        workers = [a, b] = [start("ingest-a"), start("ingest-b")]
        half = PER_PHASE // 2
        sender.send(t0, range(PER_PHASE, PER_PHASE + half))
        wait_stored(DEVICES * PER_PHASE + 1, workers)
        a.kill()  # whatever it held unacknowledged stays with the broker
        workers = [b]
        sender.send(t0, range(PER_PHASE + half, 2 * PER_PHASE))
        a = start("ingest-a")  # its restart takes what the broker kept for its session
        workers = [a, b]
        wait_stored(total, workers)
        time.sleep(0.5)  # let the last batch be acknowledged before the counters are printed
        after_a, after_b = a.stop(), b.stop()
        workers = []
    finally:
        sender.close()
        for w in workers:
            if w.proc.poll() is None:
                w.kill()
    # every message stored exactly once, in the track and in the ledger
    assert stored() == total
    assert UnitPosition.objects.values("unit_id", "at").distinct().count() == total
    assert DeviceMessage.objects.count() == total
    assert sum(Device.objects.values_list("accepted_count", flat=True)) == total
    assert not [k for k in (*share_a, *share_b, *after_a, *after_b) if k.startswith("rejected")]
    # each unit stands at its device's newest fix, whatever order the workers stored them in
    for k, unit in enumerate(phones):
        newest = fix(k, 2 * PER_PHASE - 1, t0)
        u = Unit.objects.get(pk=unit.pk)
        assert (u.lat, u.lon, int(u.position_at.timestamp())) == (newest["lat"], newest["lon"], newest["tst"])
        assert UnitPosition.objects.filter(unit=unit).count() == 2 * PER_PHASE
