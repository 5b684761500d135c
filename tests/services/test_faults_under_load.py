# ruff: noqa: F811  (fixtures imported from their modules, used as parameters)
"""Faults while load is running: PostgreSQL restarted, Redis killed, the MQTT broker restarted.

The database and Redis tests share one scaled deployment of their own: a PostgreSQL server started for the
test (initdb in /tmp, never the machine's shared server), a redis-server of its own, and two `siaga run`
processes. Client threads submit public reports and operators' incidents continuously, each with an
idempotency key, and read the API and pages beside them. Mid-load one service goes away and comes back:

- PostgreSQL (stopped `-m immediate`, as a crash): every answer meanwhile is a clean refusal (503 with
  Retry-After; the API's JSON error body, a short page for pages), never a 500, a traceback or a hang;
  readiness says "database down"; the service answers again by itself once the database is back;
  every acknowledged submission is stored exactly once, the refused ones retried with their keys are stored
  once, and the audit chain is intact.
- Redis (killed): writes keep committing, nothing acknowledged is lost, readiness says degraded, and live
  delivery across the processes resumes once Redis is back.
- The broker (restarted twice while a device publishes at a steady rate): every QoS 1 message the broker
  acknowledged to the device is stored exactly once.

Runs in the PostgreSQL pass of the suite (SIAGA_DATABASE_URL=postgresql://…). Needs PostgreSQL's server
programs (initdb, pg_ctl), redis-server and mosquitto; skips locally without them, fails under CI=true.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from benchmarks import scale_cluster as sc

from tests.conftest import require
from tests.ingest.conftest import bekasi_kelurahan, kit, polres, polsek, units, world  # noqa: F401 (fixtures)
from tests.services.test_mqtt_broker import broker  # noqa: F401  (fixture)
from tests.services.test_mqtt_faults import Publisher, drive, fixes
from tests.services.test_redis_faults import connect_with_backoff, created

CLIENT_TIMEOUT = 15.0  # seconds a client waits for any answer; longer counts as a hang
OUTAGE_S = 4.0  # how long the service stays away while the load goes on
RECOVERY_S = 20.0  # the service must answer again within this time of the service coming back
REPORT_CATEGORY = "pencurian"
DEVICE_RATE, DEVICE_SECONDS = 30, 5  # fixes a second, for how long


def _on_postgres_pass() -> bool:
    return os.environ.get("SIAGA_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


pytestmark = pytest.mark.skipif(
    not _on_postgres_pass(),
    reason="runs in the PostgreSQL pass of the suite (SIAGA_DATABASE_URL=postgresql://…)",
)


# --- the load ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    what: str  # "report", "incident" (writes) or a read's path
    key: str | None
    sent: float
    got: float
    status: int | None  # None: no answer (timeout, connection refused or reset)
    headers: dict[str, str]
    body: object
    error: str = ""


def call(port: int, method: str, path: str, *, headers=None, body: bytes | None = None) -> tuple:
    """(status, headers with lower-case names, decoded JSON or text) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        raw = r.read().decode(errors="replace")
        hdrs = {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()
    if hdrs.get("content-type", "").startswith("application/json"):
        try:
            return r.status, hdrs, json.loads(raw)
        except ValueError:
            pass
    return r.status, hdrs, raw


@dataclass
class Load:
    """Writer and reader threads against the cluster's processes until stop(); every answer is kept."""

    ports: list[int]
    world: sc.World
    tag: str
    answers: list[Answer] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, writers_per_kind: int = 2, readers: int = 1) -> Load:
        n = 0
        for kind in ("report", "incident"):
            for _ in range(writers_per_kind):
                self.threads.append(threading.Thread(target=self._writer, args=(kind, n), daemon=True))
                n += 1
        for i in range(readers):
            self.threads.append(threading.Thread(target=self._reader, args=(i,), daemon=True))
        for t in self.threads:
            t.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(CLIENT_TIMEOUT + 5)
        assert not any(t.is_alive() for t in self.threads), "a client thread is stuck"

    def _keep(self, a: Answer) -> None:
        with self.lock:
            self.answers.append(a)

    def submit(self, kind: str, key: str, port: int, j: int) -> Answer:
        point = self.world.points[j % len(self.world.points)]
        if kind == "report":
            form = {
                "key": key,
                "category": REPORT_CATEGORY,
                "description": f"Fault test report {j}: a motorbike was taken from the market parking.",
                "lat": point[1],
                "lon": point[0],
                "without_identity": "1",
                "device": key,
            }
            hdrs = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept-Language": "en",
                # one citizen each: the per-address limit is not what is tested here
                "X-Forwarded-For": f"10.{j % 250}.{uuid.uuid4().int % 250}.{(j * 7) % 250}",
            }
            path, body = "/api/portal/reports", urlencode(form).encode()
        else:
            hdrs = {**sc.headers(self.world.sessions[0]), "Idempotency-Key": key}
            body = {"category": "keributan", "lon": point[0], "lat": point[1], "summary": f"fault {j}"}
            path, body = "/api/cad/incidents", json.dumps(body).encode()
        return self._request(kind, key, port, "POST", path, hdrs, body)

    def _request(self, what, key, port, method, path, hdrs, body=None) -> Answer:
        sent = time.monotonic()
        try:
            status, headers, payload = call(port, method, path, headers=hdrs, body=body)
            return Answer(what, key, sent, time.monotonic(), status, headers, payload)
        except (OSError, http.client.HTTPException) as e:
            return Answer(what, key, sent, time.monotonic(), None, {}, None, repr(e))

    def _writer(self, kind: str, n: int) -> None:
        j = 0
        while not self.stopping.is_set():
            key = f"{self.tag}-{kind}-{uuid.uuid4().hex[:20]}"
            a = self.submit(kind, key, self.ports[(n + j) % len(self.ports)], n * 100_000 + j)
            self._keep(a)
            j += 1
            if a.status != 201:
                time.sleep(1.0)  # a client backs off after a refusal (here sooner than Retry-After says)

    def _reader(self, i: int) -> None:
        session = self.world.sessions[1 + i % (len(self.world.sessions) - 1)]
        reads = [
            ("/api/cad/incidents?status=open&limit=5", sc.headers(session)),
            ("/ops/", {"Cookie": f"sessionid={session}", "Accept-Language": "en"}),
            ("/", {"Accept-Language": "en"}),
        ]
        j = 0
        while not self.stopping.is_set():
            path, hdrs = reads[j % len(reads)]
            self._keep(self._request(path, None, self.ports[j % len(self.ports)], "GET", path, hdrs))
            j += 1
            time.sleep(0.05)

    def writes(self, since: float = 0.0) -> list[Answer]:
        with self.lock:
            return [a for a in self.answers if a.key and a.sent >= since]

    def acknowledged(self, kind: str, since: float = 0.0) -> int:
        return sum(1 for a in self.writes(since) if a.what == kind and a.status == 201)


def wait_until(predicate, within: float, what: str, step: float = 0.1) -> float:
    """Seconds it took until predicate() held; fails after `within` seconds."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < within, f"not within {within} s: {what}"
        time.sleep(step)
    return time.monotonic() - started


def problems(answers: list[Answer], allowed: set[int]) -> list[str]:
    """Every answer that is neither an allowed status nor a clean refusal, described."""
    out = []
    for a in answers:
        if a.status is None:
            out.append(f"{a.what}: no answer within {CLIENT_TIMEOUT} s ({a.error})")
        elif a.status == 503:
            if not a.headers.get("retry-after", "").isdigit():
                out.append(f"{a.what}: 503 without Retry-After")
            api = a.what in ("report", "incident") or a.what.startswith("/api/")
            if api and not (isinstance(a.body, dict) and a.body.get("detail") and a.body.get("code")):
                out.append(f"{a.what}: 503 without the API's error body: {str(a.body)[:200]}")
            if not api and (
                "Traceback" in str(a.body) or not a.headers.get("content-type", "").startswith("text/html")
            ):
                out.append(f"{a.what}: 503 page is not a plain page: {str(a.body)[:200]}")
        elif a.status not in allowed:
            out.append(f"{a.what}: HTTP {a.status} {str(a.body)[:300]}")
    return out


def retry_refused(load: Load, port: int) -> dict[str, int]:
    """What a client does after the outage: each refused submission again, with its key, until stored."""
    acked = {a.key for a in load.writes() if a.status == 201}
    refused = {a.key: a.what for a in load.writes() if a.status != 201 and a.key not in acked}
    outcomes: Counter = Counter()
    for j, (key, kind) in enumerate(refused.items()):
        for _ in range(20):
            a = load.submit(kind, key, port, j)
            load._keep(a)
            if a.status in (200, 201):
                outcomes[a.status] += 1
                break
            assert a.status == 503, f"{kind} {key} retried: HTTP {a.status} {str(a.body)[:300]}"
            time.sleep(0.5)
        else:
            raise AssertionError(f"{kind} {key} still refused after the outage")
    return dict(outcomes)


def stored_keys(database_url: str, tag: str) -> dict[str, list[str]]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        like = f"{tag}-%"
        reports = [k for (k,) in conn.execute("SELECT key FROM portal_report WHERE key LIKE %s", [like])]
        incidents = [
            k
            for (k,) in conn.execute(
                "SELECT idempotency_key FROM cad_incident WHERE idempotency_key LIKE %s", [like]
            )
        ]
    return {"report": reports, "incident": incidents}


def assert_each_stored_once(load: Load, database_url: str) -> None:
    """Every submission acknowledged (at first or on retry) is stored once; nothing else is stored."""
    stored = stored_keys(database_url, load.tag)
    for kind in ("report", "incident"):
        acked = {a.key for a in load.writes() if a.what == kind and a.status in (200, 201)}
        counts = Counter(stored[kind])
        assert not [k for k, n in counts.items() if n > 1], f"{kind}: a key stored twice"
        missing = acked - set(counts)
        assert not missing, f"{kind}: {len(missing)} acknowledged submissions lost"
        assert set(counts) == acked, f"{kind}: stored submissions nobody was told about"


def siaga(cluster: sc.Cluster, *args: str) -> str:
    p = subprocess.run(
        [sys.executable, "-m", "siaga.cli", *args],
        cwd=str(sc.ROOT),
        env=cluster.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, f"siaga {args[0]} failed:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
    return p.stdout


def ready(port: int) -> tuple[int, dict]:
    status, _h, body = call(port, "GET", "/api/core/health/ready")
    return status, body


# --- the deployment --------------------------------------------------------------------------------


@dataclass
class Deployment:
    pg: sc.PostgresServer
    redis: sc.RedisServer
    cluster: sc.Cluster
    world: sc.World
    ports: list[int]
    procs: list[subprocess.Popen]
    logs: list[str]

    def log_tail(self) -> str:
        out = []
        for path in self.logs:
            with contextlib.suppress(OSError):
                out.append(f"--- {path}\n" + Path(path).read_text()[-3000:])
        return "\n".join(out)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    require(
        sc.postgres_bin_dir() is not None, "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
    )
    require(shutil.which("redis-server") is not None, "the redis-server program is not installed")
    tmp = tmp_path_factory.mktemp("faults-under-load")
    pg = sc.PostgresServer(sc.free_port())
    redis = sc.RedisServer(sc.free_port(range(16390, 16400)), str(tmp / "redis"))
    cluster = None
    try:
        pg.init().start()
        redis.start()
        cluster = sc.Cluster(
            pg.create_database("siaga"),
            redis.url,
            str(tmp),
            # the client's address is the last X-Forwarded-For entry; sockets re-join their groups every
            # 2 s and the cache asks Redis again 1 s after a failure
            {"SIAGA_PROXY_COUNT": "1", "SIAGA_WS_GROUP_REFRESH_S": "2", "SIAGA_REDIS_RETRY_SECONDS": "1"},
        )
        world = cluster.setup_world(sessions=4)
        ports = [sc.free_port(), sc.free_port()]
        logs = [str(tmp / "a.log"), str(tmp / "b.log")]
        with ThreadPoolExecutor(max_workers=2) as pool:  # both load Django at once
            procs = list(
                pool.map(
                    lambda i: cluster.start(ports[i], log_path=logs[i], ticker=i == 0),  # one clock
                    range(2),
                )
            )
        for port in ports:
            cluster.warm(port, 1)
        yield Deployment(pg, redis, cluster, world, ports, procs, logs)
    finally:
        if cluster is not None:
            cluster.stop_all()
        redis.kill()
        pg.destroy()


def flowing(load: Load, n: int, since: float = 0.0) -> Callable[[], bool]:
    return lambda: min(load.acknowledged(kind, since) for kind in ("report", "incident")) >= n


@pytest.mark.postgres
@pytest.mark.redis
def test_postgres_restart_under_load_refuses_cleanly_and_resumes_by_itself(deployment):
    d = deployment
    load = Load(d.ports, d.world, f"pg-{uuid.uuid4().hex[:6]}").start()
    try:
        wait_until(flowing(load, 3), 60, "the load running")
        d.pg.stop("immediate")  # as a crash: no checkpoint, every session cut
        down = time.monotonic()
        time.sleep(OUTAGE_S / 2)
        state = [ready(port) for port in d.ports]
        time.sleep(OUTAGE_S / 2)
        up_from = time.monotonic()
        d.pg.start()  # crash recovery from the WAL, then connections again
        up = time.monotonic()
        wait_until(
            lambda: all(ready(port)[0] == 200 for port in d.ports) and flowing(load, 2, since=up)(),
            RECOVERY_S,
            "the service answering again by itself after the database came back",
        )
    finally:
        load.stop()

    assert all(p.poll() is None for p in d.procs), "a siaga process exited during the outage"
    for status, body in state:  # what a load balancer or monitor reads
        assert status == 503 and body["status"] == "down" and body["database"] == "down", body
    during = [a for a in load.answers if a.sent >= down and a.got <= up_from]
    assert len([a for a in during if a.key]) >= 8, "too few submissions met the outage"
    assert {a.what for a in during} >= {"report", "incident", "/ops/", "/"}
    assert all(a.status == 503 for a in during), Counter(a.status for a in during)
    bad = problems(load.answers, allowed={200, 201})
    assert not bad, "\n".join(bad[:20]) + "\n" + d.log_tail()

    retried = retry_refused(load, d.ports[0])  # the clients that were refused try again, same keys
    assert sum(retried.values()) >= 8, retried
    assert_each_stored_once(load, d.cluster.database_url)
    assert "intact" in siaga(d.cluster, "audit", "verify")  # no audit row lost or half-written


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_outage_under_load_keeps_writes_and_live_delivery_resumes(deployment):
    d = deployment
    s = d.world.sessions
    load = Load(d.ports, d.world, f"redis-{uuid.uuid4().hex[:6]}").start()
    ws = None
    try:
        wait_until(flowing(load, 3), 60, "the load running")
        d.redis.kill()
        down = time.monotonic()
        wait_until(flowing(load, 3, since=down), RECOVERY_S, "writes committing while Redis is down")
        state = [ready(port) for port in d.ports]
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down)))
        up_from = time.monotonic()
        d.redis.start()  # empty: no persistence, every group membership gone

        # live delivery across the processes resumes while the load goes on: a room page on B reconnects
        # (as static/siaga/ops.js does) and hears an incident created on A
        ws = connect_with_backoff(d.ports[1], s[3])
        deadline = time.monotonic() + RECOVERY_S
        delivered = False
        while not delivered:
            assert time.monotonic() < deadline, "live delivery did not resume after Redis came back"
            point = d.world.points[0]
            status, body = sc.request(
                d.ports[0],
                "POST",
                "/api/cad/incidents",
                s[2],
                {"category": "keributan", "lon": point[0], "lat": point[1], "summary": "after Redis"},
            )
            assert status == 201, body
            try:
                delivered = sc.wait_for_event(ws, created(body["number"]), timeout=2) is not None
            except Exception:  # closed by the server: reconnect, as the page does
                ws.close()
                ws = connect_with_backoff(d.ports[1], s[3])
    finally:
        if ws is not None:
            ws.close()
        load.stop()

    for status, body in state:
        assert status == 200 and body["status"] == "degraded", body
        assert body["redis"] == "down" and body["database"] == "ok", body
    during = [a for a in load.answers if a.sent >= down and a.got <= up_from]
    assert len([a for a in during if a.key]) >= 8, "too few submissions met the outage"
    assert all(a.status in (200, 201) for a in during), [(a.what, a.body) for a in during if a.status >= 300]
    bad = problems(load.answers, allowed={200, 201})
    assert not bad, "\n".join(bad[:20]) + "\n" + d.log_tail()
    retry_refused(load, d.ports[0])
    assert_each_stored_once(load, d.cluster.database_url)


# --- the broker restarted under steady device traffic ---------------------------------------------------


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_broker_restarts_under_steady_device_traffic_lose_no_acknowledged_message(broker, kit):
    from siaga.cad.models import UnitPosition
    from siaga.ingest import mqtt

    unit = kit["phone"][0].unit
    stored = lambda: UnitPosition.objects.filter(unit=unit).count()  # noqa: E731
    sub = mqtt.Subscriber(mqtt.BrokerConfig.from_url(broker.url, client_id="w-load", shared=False)).start()
    assert sub.subscribed.wait(15)
    phone = Publisher(broker.port, client_id="phone-andi-load")
    payloads = fixes(DEVICE_RATE * DEVICE_SECONDS)

    def steady():  # one fix every 1/DEVICE_RATE s, whether or not the broker is there
        for p in payloads:
            phone.send([p])
            time.sleep(1 / DEVICE_RATE)

    sender = threading.Thread(target=steady, daemon=True)
    sender.start()
    try:
        for _restart in range(2):
            before = stored()
            drive(sub, lambda b=before: stored() >= b + DEVICE_RATE // 2)  # flowing
            broker.restart()  # the broker saves its queues on the way down and loads them back
        sender.join(DEVICE_SECONDS + 30)
        assert not sender.is_alive()
        drive(sub, lambda: stored() == len(payloads) and phone.all_acknowledged(), timeout_s=60)
        drive(sub, lambda: sub._queue.empty() and sub.connected.is_set())
    finally:
        phone.close()
        sub.stop()
    assert stored() == len(payloads)  # every fix the broker acknowledged, and nothing twice
    assert UnitPosition.objects.filter(unit=unit).values("at").distinct().count() == len(payloads)
    assert sub.stats["connects"] >= 3  # it reconnected by itself after each restart
    assert sub.stats["rejected"] == 0 and not any(k.startswith("rejected.") for k in sub.stats)
