"""SOS under load: 50 concurrent SOS senders → the SOS's incident on operations-room sockets.

    python -m benchmarks.sos [--quick] [--senders 50] [--per-sender 4] [--seconds 60] [--ops 3]

Builds the demo Polres (small history) in a temporary data directory and starts `siaga run` (uvicorn,
in-memory channel layer) on a free loopback port with SIAGA_LIVE_DEMO=0. A few operations-room sockets
(each with its own Django session of the demo dispatcher) listen on /ws/events/. Then 50 senders, each a
thread with its own keep-alive connection and its own device id (like one phone each), POST
/api/portal/sos exactly as the phone page does (JSON: key, lat, lon, accuracy, device), each several
times at random moments over a minute, all at once. Latency = start of the SOS POST → the
`cad.incident.created` event of that SOS's incident arriving on an ops socket (SOS key → incident number
is read from the database after the run). It covers the whole path: request, SOS row, incident
creation with its recommendation, commit, after-commit push, channel layer, socket.

Baselines, same run, same server: (1) the same SOS path with one sender at a time (no concurrency);
(2) the SOS POSTs' own round trip under load; (3) GET /api/core/health (three queries, no write)
sampled during the load, the floor of a request on the loaded server.

Bounded: senders × per-sender SOS; every wait has a time limit; the server is stopped. The last line
printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid

import numpy as np

from . import _common as c
from .live_updates import Clients

WS_PATH = "/ws/events/"


def _post_sos(conn: http.client.HTTPConnection, body: dict) -> tuple[int, bytes]:
    conn.request(
        "POST", "/api/portal/sos", body=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    resp = conn.getresponse()
    return resp.status, resp.read()


def sender(port: int, k: int, moments: list[float], t0: float, points, out: list, errors: list) -> None:
    """One phone: its own device id; an SOS at each moment (seconds after t0), each on a new connection
    (a phone's SOS minutes apart would not find its keep-alive connection still open)."""
    device = f"bench-phone-{k:03d}-{uuid.uuid4().hex[:8]}"
    for j, m in enumerate(moments):
        delay = t0 + m - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        lon, lat = points[(k * 7 + j) % len(points)]
        key = uuid.uuid4().hex
        body = {"key": key, "phone": "", "device": device, "lat": lat, "lon": lon, "accuracy": 15}
        t = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            status, data = _post_sos(conn, body)
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{type(e).__name__}: {e}"[:200])
            continue
        finally:
            conn.close()
        t_end = time.perf_counter()
        if status not in (200, 201):
            errors.append(f"{status} {data[:200]!r}")
            continue
        out.append((key, t, t_end))


def health_sampler(port: int, stop: threading.Event, out: list, errors: list, every_s: float = 0.25) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        t = time.perf_counter()
        try:
            conn.request("GET", "/api/core/health")
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                out.append(time.perf_counter() - t)
            else:
                errors.append(f"health {resp.status}")
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"health {type(e).__name__}")
            conn.close()
        stop.wait(every_s)
    conn.close()


async def run(
    port: int, ops_keys: list[str], points, senders: int, per_sender: int, seconds: float, seed: int
):
    origin = f"http://127.0.0.1:{port}"
    clients = Clients(
        f"ws://127.0.0.1:{port}{WS_PATH}",
        len(ops_keys),
        lambda k: {"Cookie": f"sessionid={ops_keys[k]}"},
        origin,
    )
    t_connect = await clients.connect_all()
    await asyncio.sleep(1.0)

    # warm-up (territory index, first incident) and baseline 1: one SOS at a time
    solo: list = []
    solo_errors: list = []
    await asyncio.to_thread(sender, port, 999, [0.0, 0.5, 1.0], time.perf_counter(), points, [], solo_errors)
    await asyncio.to_thread(
        sender, port, 998, [0.6 * j for j in range(20)], time.perf_counter(), points, solo, solo_errors
    )
    await asyncio.sleep(1.0)

    # the load: every sender at once, each SOS at a random moment within `seconds`
    rng = random.Random(seed)
    sent: list = []
    errors: list = []
    health: list = []
    health_errors: list = []
    stop = threading.Event()
    hs = threading.Thread(target=health_sampler, args=(port, stop, health, health_errors), daemon=True)
    load0 = c.loadavg()
    t0 = time.perf_counter() + 0.5
    threads = [
        threading.Thread(
            target=sender,
            args=(
                port,
                k,
                sorted(rng.uniform(0, seconds) for _ in range(per_sender)),
                t0,
                points,
                sent,
                errors,
            ),
            daemon=True,
        )
        for k in range(senders)
    ]
    hs.start()
    for th in threads:
        th.start()
    for th in threads:
        await asyncio.to_thread(th.join, seconds + 180)
    stop.set()
    await asyncio.to_thread(hs.join, 10)
    load1 = c.loadavg()
    await asyncio.sleep(2.0)

    # the worst moment: every sender presses SOS at the same instant (fresh devices: no rate doubt)
    burst: list = []
    burst_errors: list = []
    tb = time.perf_counter() + 0.5
    threads = [
        threading.Thread(
            target=sender, args=(port, 100 + k, [0.0], tb, points, burst, burst_errors), daemon=True
        )
        for k in range(senders)
    ]
    for th in threads:
        th.start()
    for th in threads:
        await asyncio.to_thread(th.join, 180)
    await asyncio.sleep(3.0)  # the last events
    await clients.close()
    return {
        "clients": clients,
        "connect_s": t_connect,
        "solo": solo,
        "solo_errors": solo_errors,
        "sent": sent,
        "errors": errors,
        "health": health,
        "health_errors": health_errors,
        "load": (load0, load1),
        "burst": burst,
        "burst_errors": burst_errors,
    }


def match(clients: Clients, sent: list, number_of: dict[str, str]) -> tuple[np.ndarray, int]:
    """POST start → first arrival on any ops socket of that SOS's incident; and how many never arrived."""
    first: dict[str, float] = {}
    for got in clients.arrivals:
        for raw, t in got:
            m = json.loads(raw)
            if m.get("name") != "cad.incident.created":
                continue
            num = m.get("data", {}).get("number")
            if num is not None and (num not in first or t < first[num]):
                first[num] = t
    out, missing = [], 0
    for key, t, _ in sent:
        num = number_of.get(key)
        if num is None or num not in first:
            missing += 1
            continue
        out.append(first[num] - t)
    return np.array(out), missing


@contextlib.contextmanager
def _redis(port: int | None):
    """A private, memory-only Redis for a several-worker run (cache, channel layer); none otherwise."""
    if port is None:
        yield None
        return
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        c.wait_port(port, proc=proc)
        os.environ["SIAGA_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        yield port
    finally:
        os.environ.pop("SIAGA_REDIS_URL", None)
        proc.terminate()
        proc.wait(timeout=10)


def _fresh_database(url: str) -> None:
    """Drop and re-create the database named in `url` (a benchmark's own database only)."""
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    with psycopg.connect(psycopg.conninfo.make_conninfo(**info, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextlib.contextmanager
def _server(data_dir: str, port: int, workers: int, log_path: str):
    """`siaga run` as a child process (like _common.siaga_server), keeping SIAGA_REDIS_URL and
    SIAGA_DATABASE_URL when set, with `workers` processes."""
    if workers <= 1 and not os.environ.get("SIAGA_DATABASE_URL"):
        with c.siaga_server(data_dir, port=port, log_path=log_path) as (p, _proc):
            yield p
        return
    env = dict(
        os.environ, SIAGA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="siaga.settings", SIAGA_LIVE_DEMO="0"
    )
    cmd = [sys.executable, "-m", "siaga", "run", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", str(workers)]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=str(c.ROOT), env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            c.wait_port(port, proc=proc)
            time.sleep(2.0 * workers)  # the workers start after the port opens
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 SOS per sender over 20 s")
    ap.add_argument("--senders", type=int, default=50)
    ap.add_argument("--per-sender", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--ops", type=int, default=3, help="operations-room sockets listening")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=18004, help="loopback port of the server")
    ap.add_argument(
        "--workers", type=int, default=1, help="server processes; > 1 starts a private Redis on --port + 1"
    )
    ap.add_argument("--database-url", default="", help="e.g. PostgreSQL (the database is emptied first)")
    args = ap.parse_args(argv)
    seconds = args.seconds or (20.0 if args.quick else 60.0)
    per = args.per_sender or (2 if args.quick else 4)

    with c.temp_data_dir() as tmp, _redis(args.port + 1 if args.workers > 1 else None):
        if args.database_url:
            _fresh_database(args.database_url)
            os.environ["SIAGA_DATABASE_URL"] = args.database_url
        c.setup_django(tmp)
        from django.db import connections

        t_setup0 = time.perf_counter()
        demo = c.build_small_demo(days=2, scale=0.02, seed=args.seed)
        user = c.staff_user("dispatcher")
        ops_keys = [c.session_for(user) for _ in range(args.ops)]
        lons, lats = c.random_points_inside(demo.polres, 400, np.random.default_rng(args.seed))
        points = list(zip(lons.tolist(), lats.tolist(), strict=True))
        t_setup = time.perf_counter() - t_setup0
        connections.close_all()  # the server is the only writer from here on

        log_path = os.path.join(tmp, "server.log")
        with _server(tmp, args.port, args.workers, log_path) as port:
            res = asyncio.run(run(port, ops_keys, points, args.senders, per, seconds, args.seed))
        with open(log_path) as f:
            server_log = f.read()[-2000:]

        from siaga.portal.models import Sos

        keys = [k for k, _, _ in res["sent"] + res["solo"] + res["burst"]]
        number_of = {
            k: n
            for k, n in Sos.objects.filter(key__in=keys).values_list("key", "incident__number")
            if n is not None
        }
        doubtful = Sos.objects.filter(key__in=keys, doubtful=True).count()
        connections.close_all()

    lat, missing = match(res["clients"], res["sent"], number_of)
    solo_lat, _solo_missing = match(res["clients"], res["solo"], number_of)
    burst_lat, burst_missing = match(res["clients"], res["burst"], number_of)
    s, s0, sb = c.summary_ms(lat), c.summary_ms(solo_lat), c.summary_ms(burst_lat)
    sbp = c.summary_ms(np.array([e - t for _, t, e in res["burst"]]))
    sp = c.summary_ms(np.array([e - t for _, t, e in res["sent"]]))
    sp0 = c.summary_ms(np.array([e - t for _, t, e in res["solo"]]))
    sh = c.summary_ms(res["health"])
    wanted = args.senders * per
    result = {
        "bench": "sos",
        "workers": args.workers,
        "database": "postgresql" if args.database_url else "sqlite",
        "senders": args.senders,
        "sos_per_sender": per,
        "seconds": seconds,
        "ops_sockets": res["clients"].connected,
        "sos_sent": wanted,
        "sos_ok": len(res["sent"]),
        "http_errors": len(res["errors"]),
        "missing_events": missing,
        "doubtful": doubtful,
        "p50_ms": s.get("p50_ms"),
        "p90_ms": s.get("p90_ms"),
        "p99_ms": s.get("p99_ms"),
        "max_ms": s.get("max_ms"),
        "post_p50_ms": sp.get("p50_ms"),
        "post_p99_ms": sp.get("p99_ms"),
        "burst_ok": len(res["burst"]),
        "burst_errors": len(res["burst_errors"]),
        "burst_missing": burst_missing,
        "burst_p50_ms": sb.get("p50_ms"),
        "burst_p99_ms": sb.get("p99_ms"),
        "burst_max_ms": sb.get("max_ms"),
        "burst_post_p99_ms": sbp.get("p99_ms"),
        "solo_p50_ms": s0.get("p50_ms"),
        "solo_p99_ms": s0.get("p99_ms"),
        "solo_post_p50_ms": sp0.get("p50_ms"),
        "health_p50_ms": sh.get("p50_ms"),
        "health_p99_ms": sh.get("p99_ms"),
        "goal_p99_ms": 1000,
        "loadavg": res["load"][1],
        "setup_s": round(t_setup, 1),
    }
    print(
        f"sos · {args.workers} worker(s), {'PostgreSQL' if args.database_url else 'SQLite'} · {c.machine()}"
        f" · load average {res['load'][0]} (start of load) / {res['load'][1]} (end);"
        f" {res['clients'].connected} ops sockets (connected in {res['connect_s']:.1f} s)"
    )
    print(
        f"  {args.senders} senders × {per} SOS over {seconds:g} s: {len(res['sent'])}/{wanted} accepted,"
        f" {len(res['errors'])} HTTP errors, {missing} incidents never seen on a socket,"
        f" {doubtful} flagged doubtful (SOS are never refused)"
    )
    c.print_table(
        "",
        ["path", "n", "p50 ms", "p90 ms", "p99 ms", "max ms"],
        [
            [
                "ours: SOS POST start → incident on ops socket",
                *[s.get(x, "") for x in ("n", "p50_ms", "p90_ms", "p99_ms", "max_ms")],
            ],
            [
                "  of which the SOS POST round trip",
                *[sp.get(x, "") for x in ("n", "p50_ms", "p90_ms", "p99_ms", "max_ms")],
            ],
            [
                "burst: all senders at one instant, POST → socket",
                *[sb.get(x, "") for x in ("n", "p50_ms", "p90_ms", "p99_ms", "max_ms")],
            ],
            [
                "  of which the SOS POST round trip",
                *[sbp.get(x, "") for x in ("n", "p50_ms", "p90_ms", "p99_ms", "max_ms")],
            ],
            [
                "baseline: one sender at a time, POST → socket",
                *[s0.get(x, "") for x in ("n", "p50_ms", "p90_ms", "p99_ms", "max_ms")],
            ],
            [
                "  its POST round trip",
                *[sp0.get(x, "") for x in ("n", "p50_ms", "p90_ms", "p99_ms", "max_ms")],
            ],
            [
                "baseline: GET /api/core/health during the load",
                *[sh.get(x, "") for x in ("n", "p50_ms", "p90_ms", "p99_ms", "max_ms")],
            ],
        ],
    )
    print(f"  goal p99 < 1000 ms: {'met' if (s.get('p99_ms') or 1e9) < 1000 else 'NOT met'}")
    print(
        f"  burst: {len(res['burst'])}/{args.senders} accepted, {len(res['burst_errors'])} HTTP errors,"
        f" {burst_missing} incidents never seen on a socket"
    )
    for e in (res["errors"] + res["burst_errors"] + res["solo_errors"] + res["health_errors"])[:5]:
        print("  error:", e)
    if res["errors"] or res["burst_errors"] or missing or burst_missing:
        print("  server log tail:", server_log[-800:])
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
