"""A private Mosquitto per test (persistence on, in a temporary directory) that tests can kill and restart,
and the broker-side checks of the password and ACL files that `siaga ingest mosquitto-passwd` writes.

Skips locally without the mosquitto binary; fails under CI=true (tests/conftest.py require)."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import port_open, require

pytestmark = pytest.mark.mqtt

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
PORTS = range(18830, 18840)  # spare ports for private brokers


def mosquitto_available() -> bool:
    return os.path.exists(MOSQUITTO) and os.access(MOSQUITTO, os.X_OK)


class Mosquitto:
    """`mosquitto -c conf` on a free spare port, persistence in `workdir`; stop() kills it (SIGKILL when
    `hard`, so nothing is saved on the way down beyond what autosave already wrote)."""

    def __init__(self, workdir: Path, extra_conf: str = ""):
        self.workdir = workdir
        self.port = next((p for p in PORTS if not port_open("127.0.0.1", p)), None)
        if self.port is None:
            raise RuntimeError("no spare port free for a private Mosquitto")
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "persistence true\n"
            f"persistence_location {workdir}/\n"
            "autosave_interval 1\n"  # a hard kill loses at most a second of queued messages
            "max_queued_messages 0\n"  # no cap on what waits for an absent persistent session
            f"log_dest file {workdir}/mosquitto.log\n"
            f"user {getpass.getuser()}\n"  # as root it would drop to `mosquitto`, unable to read tmp files
            + (extra_conf or "allow_anonymous true\n")
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Mosquitto:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stderr=subprocess.PIPE)
        for _ in range(100):
            if port_open("127.0.0.1", self.port):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.proc.stderr.read().decode()} {self.log()}")
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not open its port")

    def stop(self, hard: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.workdir / "mosquitto.log").read_text()
        return ""


@pytest.fixture
def broker(tmp_path):
    require(mosquitto_available(), f"mosquitto is not installed at {MOSQUITTO} (apt-get install mosquitto)")
    b = Mosquitto(tmp_path).start()
    yield b
    b.stop()


def publish(port: int, topic: str, payload, *, username=None, password=None, qos: int = 1) -> int:
    """Publish one message with paho, waiting for the broker's PUBACK; returns paho's reason code value."""
    import paho.mqtt.client as paho

    client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    if username:
        client.username_pw_set(username, password)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = client.publish(topic, raw, qos=qos)
        info.wait_for_publish(timeout=5)
        return info.rc
    finally:
        client.disconnect()
        client.loop_stop()


def test_private_broker_starts_and_takes_a_publish(broker):
    assert publish(broker.port, "owntracks/a/b", {"_type": "lwt"}) == 0
