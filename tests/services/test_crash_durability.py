"""Crash durability: citizens' reports and SOS and operators' incidents flood in from several processes;
the server is killed with SIGKILL mid-burst and started again. Every submission the server acknowledged
must be there afterwards, and no retried submission (same idempotency key) may be stored twice.

Runs `siaga run` as a real process over a small demo, on SQLite (its own data directory) and on
PostgreSQL (its own database; skips locally without a server, fails under CI=true).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import port_open, require

ROOT = Path(__file__).resolve().parents[2]
CSRF = "crashcsrf0123456789abcdefghijklm"  # 32 characters: a valid unmasked CSRF secret
PER_CLIENT = 40
CLIENTS = {"report": 2, "sos": 2, "incident": 2}
KILL_AFTER = 60  # acknowledgements before the kill

SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from siaga.cad.models import Incident
from siaga.portal.models import Report
u = get_user_model().objects.get(username="operator")
s = SessionStore()
s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(u.pk), "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = u.get_session_auth_hash()
s.create()
located = Incident.objects.filter(polres=u.polres, lat__isnull=False)
print(json.dumps({
    "session": s.session_key,
    "points": [[x, y] for x, y in located.values_list("lon", "lat")[:50]],
    "incident_category": located.values_list("category", flat=True).first(),
    "report_category": Report.objects.values_list("category", flat=True).first() or "pencurian",
}))
"""

COUNT = """
import json
from collections import Counter
from siaga.cad.models import Incident
from siaga.portal.models import Report, Sos
keys = {
    "report": list(Report.objects.filter(key__startswith="crash-").values_list("key", flat=True)),
    "sos": list(Sos.objects.filter(key__startswith="crash-").values_list("key", flat=True)),
    "incident": list(
        Incident.objects.filter(idempotency_key__startswith="crash-")
        .values_list("idempotency_key", flat=True)
    ),
}
print(json.dumps(keys))
"""


def _env(engine: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIAGA_DATABASE", "SIAGA_REDIS"))}
    env.update(engine, SIAGA_LIVE_DEMO="0", SIAGA_PROXY_COUNT="1", DJANGO_SETTINGS_MODULE="siaga.settings")
    return env


def _siaga(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "siaga.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"siaga {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env: dict, port: int, log: Path) -> subprocess.Popen:
    out = open(log, "a")  # noqa: SIM115 (the child keeps it; closed with the process)
    proc = subprocess.Popen(
        [sys.executable, "-m", "siaga.cli", "run", "--port", str(port), "--no-ticker"],
        env=env,
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    end = time.monotonic() + 60
    while not port_open("127.0.0.1", port):
        assert proc.poll() is None, f"the server exited: {log.read_text()[-3000:]}"
        assert time.monotonic() < end, "the server did not start"
        time.sleep(0.1)
    return proc


def client(kind: str, n: int, base: str, setup: dict, ack_path: str, deadline: float) -> None:
    """Submit n records, each retried with the same key until acknowledged; log each ack durably."""
    s = requests.Session()
    s.cookies.set("csrftoken", CSRF)
    s.cookies.set("sessionid", setup["session"])
    points = setup["points"]
    with open(ack_path, "a") as acks:
        for j in range(n):
            key = f"crash-{kind}-{uuid.uuid4().hex}"
            lon, lat = points[j % len(points)]
            while time.monotonic() < deadline:
                try:
                    r = _submit(s, kind, base, setup, key, lat, lon, j)
                except requests.RequestException:
                    time.sleep(0.1)  # the server is down: a real client retries the same key
                    continue
                if r.status_code in (200, 201):
                    acks.write(key + "\n")
                    acks.flush()
                    os.fsync(acks.fileno())
                    break
                if r.status_code in (502, 503, 429):
                    time.sleep(0.2)
                    continue
                raise AssertionError(f"{kind} {key}: HTTP {r.status_code} {r.text[:300]}")


def _submit(s: requests.Session, kind: str, base: str, setup: dict, key: str, lat: float, lon: float, j: int):
    citizen = {"X-Forwarded-For": f"10.{j % 250}.{uuid.uuid4().int % 250}.{(j * 7) % 250}"}
    if kind == "report":
        data = {
            "key": key,
            "category": setup["report_category"],
            "description": f"Crash test report {j}: a motorbike was taken from the market parking.",
            "lat": lat,
            "lon": lon,
            "without_identity": "1",
            "device": key,
        }
        return s.post(f"{base}/api/portal/reports", data=data, headers=citizen, timeout=10)
    if kind == "sos":
        body = {"key": key, "lat": lat, "lon": lon, "accuracy": 20, "device": key}
        return s.post(f"{base}/api/portal/sos", json=body, headers=citizen, timeout=10)
    body = {
        "category": setup["incident_category"],
        "priority": 3,
        "summary": f"crash test {j}",
        "lat": lat,
        "lon": lon,
    }
    headers = {"Idempotency-Key": key, "X-CSRFToken": CSRF, "Referer": base + "/"}
    return s.post(f"{base}/api/cad/incidents", json=body, headers=headers, timeout=10)


def _acked(paths: list[Path]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in CLIENTS}
    for p in paths:
        if p.exists():
            kind = p.name.split("-")[0]
            out[kind] += [line for line in p.read_text().splitlines() if line]
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    env = {"SIAGA_DATA_DIR": str(tmp_path / "data")}
    on_postgres = os.environ.get("SIAGA_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if request.param == "sqlite":
        if on_postgres:
            pytest.skip("the SQLite run of the suite covers SQLite")
        yield env
        return
    if not on_postgres:
        pytest.skip("runs in the PostgreSQL run of the suite (SIAGA_DATABASE_URL=postgresql://…)")
    require(port_open("127.0.0.1", 5432), "PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg

    name = f"siaga_crash_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    yield {**env, "SIAGA_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{name}"}
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_sigkill_mid_burst_loses_no_acknowledged_submission_and_duplicates_none(engine, tmp_path):
    env = _env(engine)
    _siaga(env, "demo", "--no-serve", "--days", "2", "--scale", "0.02")
    setup = json.loads(_siaga(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    server = _start(env, port, log)
    ctx = multiprocessing.get_context("spawn")
    deadline = time.monotonic() + 480  # generous: CI machines run this beside other work
    paths, procs = [], []
    for kind, count in CLIENTS.items():
        for i in range(count):
            path = tmp_path / f"{kind}-{i}.acks"
            paths.append(path)
            p = ctx.Process(target=client, args=(kind, PER_CLIENT, base, setup, str(path), deadline))
            p.start()
            procs.append(p)
    try:
        while sum(len(v) for v in _acked(paths).values()) < KILL_AFTER:
            assert time.monotonic() < deadline, f"too few acknowledgements: {log.read_text()[-3000:]}"
            assert any(p.is_alive() for p in procs), "every client stopped early"
            time.sleep(0.05)
        server.send_signal(signal.SIGKILL)  # no shutdown, no flush: as a power cut is to the process
        server.wait()
        acked_at_kill = sum(len(v) for v in _acked(paths).values())
        time.sleep(1.0)
        server = _start(env, port, log)
        for p in procs:
            p.join(timeout=max(1.0, deadline - time.monotonic()))
        assert all(p.exitcode == 0 for p in procs), f"a client failed: {[p.exitcode for p in procs]}"
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
        server.kill()
        server.wait()

    acked = _acked(paths)
    assert acked_at_kill < sum(len(v) for v in acked.values()), "the kill came after the burst ended"
    stored = json.loads(_siaga(env, "shell", "-c", COUNT).strip().splitlines()[-1])
    for kind, count in CLIENTS.items():
        assert len(acked[kind]) == count * PER_CLIENT
        assert sorted(stored[kind]) == sorted(set(stored[kind])), f"{kind}: a key stored twice"
        missing = set(acked[kind]) - set(stored[kind])
        assert not missing, f"{kind}: {len(missing)} acknowledged submissions lost"
        assert set(stored[kind]) == set(acked[kind]), f"{kind}: stored submissions nobody asked for"
    assert "intact" in _siaga(env, "audit", "verify")
