"""Redis goes down under two running `siaga run` processes, and comes back: nothing needs a restart.

A redis-server of the test's own (a free port in 16380-16389, no persistence) is killed mid-test. While
it is down: writes still commit (201), pages and the API still answer (the cache falls back to a
process-local one, core/cache.py), rate limits still count, open sockets are closed by the server (the
pages then poll, static/siaga/ops.js) and new ones are refused at once instead of hanging; the lost
pushes are counted (/api/core/health/ready). Once it is back, new sockets connect and live delivery
across the processes resumes. Needs PostgreSQL (database siaga_scale_faults) and the redis-server
program; skips without them, fails under CI=true.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid

import pytest
from benchmarks import scale_cluster as sc

from tests.conftest import require

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
DB_NAME = f"siaga_scale_faults_{uuid.uuid4().hex[:8]}"  # per process: xdist workers each build their own


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    require(sc.postgres_available(), f"PostgreSQL is not reachable at {sc.PG_ADMIN_URL}")
    require(shutil.which("redis-server") is not None, "the redis-server program is not installed")
    tmp = tmp_path_factory.mktemp("redis-faults")
    redis = sc.RedisServer(sc.free_port(range(16380, 16390)), str(tmp / "redis"))
    redis.start()
    cluster = sc.Cluster(
        sc.create_database(DB_NAME),
        redis.url,
        str(tmp),
        # sockets re-join their groups every 2 s, the cache asks Redis again 1 s after a failure
        {"SIAGA_WS_GROUP_REFRESH_S": "2", "SIAGA_REDIS_RETRY_SECONDS": "1"},
    )
    try:
        world = cluster.setup_world(sessions=4)
        a, b = sc.free_port(), sc.free_port()
        cluster.start(a, log_path=os.path.join(tmp, "a.log"))
        cluster.start(b, log_path=os.path.join(tmp, "b.log"), ticker=False)
        yield cluster, redis, world, a, b
    finally:
        cluster.stop_all()
        redis.kill()
        sc.drop_database(DB_NAME)


def create(port: int, session: str, point, summary: str) -> dict:
    status, body = sc.request(
        port,
        "POST",
        "/api/cad/incidents",
        session,
        {"category": "keributan", "lon": point[0], "lat": point[1], "summary": summary},
    )
    assert status == 201, body
    return body


def created(number: str):
    return lambda e: e["name"] == "cad.incident.created" and e["data"].get("number") == number


def connect_with_backoff(port: int, session: str, within: float = 30.0):
    """What the room page does after a close: try again, 0.5 s apart here, until a socket opens."""
    end = time.monotonic() + within
    while True:
        try:
            return sc.open_socket(port, session, timeout=5)
        except Exception:
            if time.monotonic() > end:
                raise
            time.sleep(0.5)


def closed_by_server(ws, within: float = 10.0) -> bool:
    from websockets.exceptions import ConnectionClosed

    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            ws.recv(timeout=max(0.1, end - time.monotonic()))
        except ConnectionClosed:
            return True
        except TimeoutError:
            return False
    return False


def ready(port: int) -> dict:
    status, body = sc.request(port, "GET", "/api/core/health/ready")
    assert status == 200, body
    return body


def test_redis_down_writes_succeed_and_live_delivery_resumes_by_itself(faults):
    _cluster, redis, world, a, b = faults
    s = world.sessions
    ws_b = sc.open_socket(b, s[1])
    first = create(a, s[2], world.points[0], "before the outage")
    assert sc.wait_for_event(ws_b, created(first["number"])) is not None

    redis.kill()
    assert closed_by_server(ws_b), "an open socket must be closed so that its page falls back to polling"
    ws_b.close()

    # writes commit on both processes; the pushes are lost and counted, not raised
    during = [create(port, s[2], world.points[1], "during the outage") for port in (a, b)]
    for port in (a, b):
        status, page = sc.request(port, "GET", "/api/cad/incidents?status=open&limit=100", s[3])
        assert status == 200, page  # what a polling page reads: both new incidents, from either process
        assert {i["number"] for i in during} <= {i["number"] for i in page["items"]}
    state = ready(a)
    assert state["status"] == "degraded" and state["redis"] == "down" and state["database"] == "ok"
    assert state["realtime"]["push_failures"] >= 1 and state["cache"]["outages"] >= 1

    # rate limits still count (per process meanwhile) and answer with their usual 429, never a 500
    device = f"device-{uuid.uuid4().hex}"
    question = "Bagaimana cara melaporkan kehilangan SIM di wilayah Bekasi Timur?"
    codes = [
        sc.request(
            a,
            "POST",
            "/api/legal/consultations",
            body={"key": uuid.uuid4().hex, "topic": "lalu_lintas", "question": question, "device": device},
        )[0]
        for _ in range(6)
    ]
    assert codes == [201] * 5 + [429]

    # a new socket is refused at once, not left hanging
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 (the handshake is rejected: any client error)
        sc.open_socket(b, s[1], timeout=10)
    assert time.monotonic() - started < 9

    redis.start()
    ws_b = connect_with_backoff(b, s[1])
    ws_a = connect_with_backoff(a, s[0])
    try:
        after = create(a, s[2], world.points[2], "after the outage")
        assert sc.wait_for_event(ws_b, created(after["number"])) is not None
        back = create(b, s[2], world.points[3], "after the outage, from B")
        assert sc.wait_for_event(ws_a, created(back["number"])) is not None
    finally:
        ws_a.close()
        ws_b.close()
    deadline = time.monotonic() + 10
    while ready(a)["status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert ready(a)["redis"] == "ok"


def test_a_quick_redis_restart_under_open_sockets_does_not_leave_them_deaf(faults):
    """Redis restarts empty (no persistence): group memberships are gone. Sockets that the server
    closed reconnect; any that stayed open re-join within SIAGA_WS_GROUP_REFRESH_S."""
    _cluster, redis, world, a, b = faults
    s = world.sessions
    ws_b = connect_with_backoff(b, s[1])
    redis.kill()
    redis.start()
    deadline = time.monotonic() + 30
    delivered = False
    try:
        while not delivered and time.monotonic() < deadline:
            number = create(a, s[2], world.points[0], "after a quick restart")["number"]
            try:
                delivered = sc.wait_for_event(ws_b, created(number), timeout=3) is not None
            except Exception:  # closed by the server: reconnect, as the page does
                ws_b.close()
                ws_b = connect_with_backoff(b, s[1])
        assert delivered, "live delivery did not resume after Redis restarted"
    finally:
        ws_b.close()


def test_group_memberships_lost_in_redis_are_restored_without_a_reconnect(faults):
    """Redis emptied under an open socket (a failover to an empty replica, FLUSHALL): the connection
    survives but the group membership is gone; the socket re-joins and hears events again."""
    import redis as redis_py

    _cluster, redis, world, a, b = faults
    s = world.sessions
    ws_b = connect_with_backoff(b, s[1])
    try:
        client = redis_py.Redis.from_url(redis.url)
        client.flushall()
        client.close()
        deadline = time.monotonic() + 20
        delivered = False
        while not delivered and time.monotonic() < deadline:
            number = create(a, s[2], world.points[1], "after a flush")["number"]
            delivered = sc.wait_for_event(ws_b, created(number), timeout=1.5) is not None
        assert delivered, "the open socket stayed deaf after its group membership was lost"
    finally:
        ws_b.close()


def test_the_cache_answers_locally_while_redis_is_down_and_returns_to_redis(tmp_path):
    from siaga.core.cache import FailoverRedisCache, stats

    require(shutil.which("redis-server") is not None, "the redis-server program is not installed")
    redis = sc.RedisServer(sc.free_port(range(16380, 16390)), str(tmp_path / "redis"))
    cache = FailoverRedisCache(redis.url, {"RETRY_SECONDS": 0.2, "KEY_PREFIX": uuid.uuid4().hex})
    outages = stats()["outages"]
    assert cache.get("k", "default") == "default"  # nothing listens: no error, a miss
    assert cache.add("n", 0) and cache.incr("n") == 1 and cache.get("n") == 1  # counted locally
    assert cache.redis_down and stats()["outages"] == outages + 1
    redis.start()
    try:
        time.sleep(0.3)
        assert cache.get("n") is None  # Redis again: the local stand-in is not consulted
        assert not cache.redis_down
        cache.set("shared", "yes")
        other = FailoverRedisCache(redis.url, {"KEY_PREFIX": cache.key_prefix})
        assert other.get("shared") == "yes"
    finally:
        redis.kill()
