"""Two `siaga run` processes on one PostgreSQL database and one Redis: nothing lives in one process only.

The processes are real servers on their own loopback ports (benchmarks/scale_cluster.py), like two
workers behind a reverse proxy: a WebSocket client on each, requests sent to one and checked on the
other. Needs PostgreSQL (127.0.0.1:5432, a database of its own: siaga_scale_two) and Redis
(127.0.0.1:6379, keys under a prefix of their own); skips without them, fails under CI=true.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid

import pytest
from benchmarks import scale_cluster as sc

from tests.conftest import port_open, require

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
DB_NAME = f"siaga_scale_two_{uuid.uuid4().hex[:8]}"  # per process: xdist workers each build their own


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    require(sc.postgres_available(), f"PostgreSQL is not reachable at {sc.PG_ADMIN_URL}")
    require(port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    prefix = f"siaga-test-{uuid.uuid4().hex[:10]}"
    cluster = sc.Cluster(
        sc.create_database(DB_NAME),
        "redis://127.0.0.1:6379/0",
        str(tmp_path_factory.mktemp("two-workers")),
        {"SIAGA_REDIS_PREFIX": prefix},
    )
    logs = cluster.data_dir
    try:
        world = cluster.setup_world(sessions=4)
        a, b = sc.free_port(), sc.free_port()
        cluster.start(a, log_path=os.path.join(logs, "a.log"))
        cluster.start(b, log_path=os.path.join(logs, "b.log"), ticker=False)
        yield cluster, world, a, b
    finally:
        cluster.stop_all()
        _forget_redis_keys(prefix)
        sc.drop_database(DB_NAME)


def _forget_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            client.delete(key)
    finally:
        client.close()


def create(port: int, session: str, point, summary: str = "two workers") -> dict:
    status, body = sc.request(
        port,
        "POST",
        "/api/cad/incidents",
        session,
        {"category": "keributan", "lon": point[0], "lat": point[1], "summary": summary},
    )
    assert status == 201, body
    return body


def test_an_incident_created_on_either_process_is_live_on_both(two):
    _cluster, world, a, b = two
    ws_a, ws_b = sc.open_socket(a, world.sessions[0]), sc.open_socket(b, world.sessions[1])
    try:
        for origin in (a, b):
            made = create(origin, world.sessions[2], world.points[0])

            def is_it(e, number=made["number"]):
                return e["name"] == "cad.incident.created" and e["data"].get("number") == number

            for ws in (ws_a, ws_b):
                event = sc.wait_for_event(ws, is_it, timeout=10)
                assert event is not None, f"created on :{origin}, not delivered to a socket"
                assert event["object_id"] == str(made["id"]) and event["polres_id"] == world.polres_id
    finally:
        ws_a.close()
        ws_b.close()


def test_a_rate_limit_counts_across_processes(two):
    """The portal's limits live in the shared cache: 5 questions per device an hour, in total."""
    _cluster, _world, a, b = two
    device = f"device-{uuid.uuid4().hex}"
    question = "Apakah saya perlu surat kuasa untuk mengurus STNK kendaraan orang tua saya?"
    answers = []
    for k in range(7):
        status, body = sc.request(
            (a, b)[k % 2],
            "POST",
            "/api/legal/consultations",
            body={"key": uuid.uuid4().hex, "topic": "lalu_lintas", "question": question, "device": device},
        )
        answers.append((status, body.get("code") if status >= 400 else None))
    assert answers[:5] == [(201, None)] * 5  # stored: each counts, alternately on A and on B
    assert answers[5:] == [(429, "rate_limited")] * 2  # the 6th and 7th, on B and on A


def test_a_recommendation_after_a_unit_change_on_one_process_is_fresh_on_the_other(two):
    _cluster, world, a, b = two
    session = world.sessions[2]
    incident = create(a, session, world.points[0], "recommend")
    unit = world.units["BKT-R4-1"]

    def recommended(port: int) -> set[int]:
        status, body = sc.request(
            port, "GET", f"/api/cad/incidents/{incident['id']}/recommendations?limit=10", session
        )
        assert status == 200, body
        return {r["unit_id"] for r in body}

    assert unit in recommended(b)  # B caches the Polres's unit columns now
    assert unit in recommended(b)
    status, body = sc.request(a, "POST", f"/api/cad/units/{unit}/status", session, {"status": "off_duty"})
    assert status == 200 and body["status"] == "off_duty", body
    assert unit not in recommended(b)
    status, _ = sc.request(a, "POST", f"/api/cad/units/{unit}/status", session, {"status": "available"})
    assert status == 200
    assert unit in recommended(b)


def test_concurrent_writes_on_both_processes_keep_numbers_and_the_audit_chain(two):
    cluster, world, a, b = two
    numbers, errors = [], []

    def writer(port: int, session: str) -> None:
        try:
            for k in range(8):
                numbers.append(create(port, session, world.points[k % len(world.points)], "race")["number"])
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [
        threading.Thread(target=writer, args=(p, world.sessions[k])) for k, p in enumerate((a, b, a, b))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and len(numbers) == 32 and len(set(numbers)) == 32
    verify = subprocess.run(
        [sys.executable, "-m", "siaga", "audit", "verify"],
        cwd=str(sc.ROOT),
        env=cluster.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_both_processes_report_ready(two):
    _cluster, _world, a, b = two
    for port in (a, b):
        status, body = sc.request(port, "GET", "/api/core/health/ready")
        assert status == 200 and body["status"] == "ok", body
        assert body["database"] == "ok" and body["redis"] == "ok"


def test_the_clock_runs_as_a_process_of_its_own_and_stops_on_sigterm(two):
    """`siaga run --ticker-only`: the deployment's one operations-room clock beside `--no-ticker` webs."""
    import signal
    import time

    cluster, _world, _a, _b = two
    proc = subprocess.Popen(
        [sys.executable, "-m", "siaga", "run", "--ticker-only"],
        cwd=str(sc.ROOT),
        env={**cluster.env(), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert "operations-room clock" in first, first
        time.sleep(3)  # a tick or two against the shared database
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        rest = proc.stdout.read()
        assert "Traceback" not in rest, rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
