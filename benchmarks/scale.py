"""Scaled mode: the incident API with 1, 2 and 4 web workers on PostgreSQL + Redis, and live updates across
processes.

    python -m benchmarks.scale [--quick] [--workers 1,2,4] [--users 60] [--duration 30s] [--events 100]

Builds a small world (benchmarks/scale_cluster.py: Bekasi Timur's real polygons, one Polres, a dispatcher)
in a fresh PostgreSQL database (siaga_scale_bench) with a redis-server of its own (no persistence), then:
1. for each worker count N: `siaga run --workers N` (one port, the kernel spreads connections over the
   N uvicorn processes, the operations-room clock in the parent) and locust's OperatorUser of
   benchmarks/locustfile_cad.py (half POST /api/cad/incidents, half GET /api/cad/incidents?status=open)
   with `--users` users and a short wait, so that the server is the bottleneck; with N = 1 the same
   users also run HealthUser (GET /api/core/health, the minimal endpoint: the baseline);
2. live-update latency: two single-worker `siaga run` processes A and B on the same database and Redis,
   sockets on both; incidents created on A at a steady rate; latency = arrival of the
   `cad.incident.created` event − start of the POST, on B's sockets (across processes, through Redis)
   beside A's own sockets (same process, also through Redis).
The machine has 2 cores shared by the load generator and the servers: beyond 2 workers there is no CPU
left to gain, so 4 workers measure the cost of more processes as much as their benefit.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter

from . import _common as c
from . import scale_cluster as sc
from .api_load import figures, locust_run

DB_NAME = "siaga_scale_bench"


def run_load(port: int, cfg: str, tmp: str, users: int, duration: str, with_health: bool) -> dict:
    out = {}
    if with_health:
        base = locust_run(port, "HealthUser", users, users, duration, cfg, os.path.join(tmp, f"h{port}"))
        out["health"] = figures(base["rows"]["GET /api/core/health"])
    ours = locust_run(port, "OperatorUser", users, users, duration, cfg, os.path.join(tmp, f"cad{port}"))
    out["create"] = figures(ours["rows"]["POST /api/cad/incidents"])
    out["list"] = figures(ours["rows"]["GET /api/cad/incidents?status=open"])
    out["all"] = figures(ours["rows"]["Aggregated"])
    out["failures"] = ours["failures"][:3]
    out["load"] = ours["load_end"]
    return out


def server_log_causes(tmp: str) -> list[tuple[str, int]]:
    """The most frequent error lines of the servers' logs."""
    seen: Counter = Counter()
    for name in os.listdir(tmp):
        if name.startswith("server-") and name.endswith(".log"):
            with open(os.path.join(tmp, name), errors="replace") as f:
                seen.update(ln.strip()[:140] for ln in f if "Error" in ln and not ln.startswith(" "))
    return seen.most_common(4)


class Listener(threading.Thread):
    """One socket in a thread: records when each incident number arrives."""

    def __init__(self, port: int, session: str):
        super().__init__(daemon=True)
        self.ws = sc.open_socket(port, session)
        self.arrivals: dict[str, float] = {}
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            try:
                raw = self.ws.recv(timeout=0.5)
            except TimeoutError:
                continue
            except Exception:
                return
            t = time.perf_counter()
            e = json.loads(raw)
            if e.get("name") == "cad.incident.created":
                self.arrivals.setdefault(e["data"].get("number"), t)

    def close(self) -> None:
        self.stop = True
        self.ws.close()


def live_latency(a: int, b: int, world: sc.World, events: int, rate: float, sockets: int) -> dict:
    s = world.sessions
    on_a = [Listener(a, s[k % len(s)]) for k in range(sockets)]
    on_b = [Listener(b, s[k % len(s)]) for k in range(sockets)]
    for li in on_a + on_b:
        li.start()
    time.sleep(1.0)
    starts, errors = {}, 0
    t0 = time.perf_counter()
    for k in range(events):
        time.sleep(max(0.0, t0 + k / rate - time.perf_counter()))
        lon, lat = world.points[k % len(world.points)]
        t = time.perf_counter()
        status, body = sc.request(
            a, "POST", "/api/cad/incidents", s[0], {"category": "keributan", "lon": lon, "lat": lat}
        )
        if status == 201:
            starts[body["number"]] = t
        else:
            errors += 1
    time.sleep(2.0)
    for li in on_a + on_b:
        li.close()

    def lat(group):
        got = [li.arrivals[n] - t for li in group for n, t in starts.items() if n in li.arrivals]
        expected = len(starts) * len(group)
        return c.summary_ms(got), expected - len(got)

    same, missing_same = lat(on_a)
    across, missing_across = lat(on_b)
    return {"same": same, "across": across, "missing": missing_same + missing_across, "errors": errors}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short runs (about a minute and a half in all)")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--users", type=int, default=60)
    ap.add_argument("--wait", default="0.05,0.2", help="seconds between a user's tasks: min,max")
    ap.add_argument("--duration", default=None, help="locust -t per run (default 30s, --quick 6s)")
    ap.add_argument("--events", type=int, default=None, help="live events (default 100, --quick 30)")
    ap.add_argument("--rate", type=float, default=5.0, help="live events per second")
    ap.add_argument("--sockets", type=int, default=10, help="sockets per process in the live phase")
    ap.add_argument(
        "--settings",
        default="siaga.settings",
        help="the servers' DJANGO_SETTINGS_MODULE (default: siaga.settings)",
    )
    args = ap.parse_args(argv)
    if not sc.postgres_available():
        sys.exit(f"PostgreSQL is not reachable at {sc.PG_ADMIN_URL} (SIAGA_SCALE_PG)")
    if shutil.which("redis-server") is None:
        sys.exit("the redis-server program is needed")
    duration = args.duration or ("6s" if args.quick else "30s")
    events = args.events or (30 if args.quick else 100)
    counts = [int(x) for x in args.workers.split(",")]
    wmin, wmax = (float(x) for x in args.wait.split(","))

    tmp = tempfile.mkdtemp(prefix="scale-bench-")
    redis = sc.RedisServer(sc.free_port(range(16380, 16390)), os.path.join(tmp, "redis"))
    redis.start()
    cluster = sc.Cluster(
        sc.create_database(DB_NAME), redis.url, tmp, {"DJANGO_SETTINGS_MODULE": args.settings}
    )
    results: dict[int, dict] = {}
    try:
        t0 = time.perf_counter()
        world = cluster.setup_world(sessions=args.users, points=300)
        t_setup = time.perf_counter() - t0
        cfg = os.path.join(tmp, "locust.json")
        with open(cfg, "w") as f:
            json.dump(
                {
                    "sessions": world.sessions,
                    "csrf": sc.CSRF_TOKEN,
                    "wait_min": wmin,
                    "wait_max": wmax,
                    "points": world.points,
                },
                f,
            )
        live = None
        for n in counts:
            port = sc.free_port()
            cluster.start(port, workers=n, log_path=os.path.join(tmp, f"server-{n}.log"))
            cluster.warm(port, n)
            for k in range(2 * n):  # each worker's first incident read loads its territory index
                sc.request(port, "GET", "/api/cad/incidents?status=open", world.sessions[k])
            results[n] = run_load(port, cfg, tmp, args.users, duration, with_health=(n == counts[0]))
            if n == 1 and live is None:  # a second single-worker process on its own port: A → B
                b = sc.free_port()
                cluster.start(b, log_path=os.path.join(tmp, "server-b.log"), ticker=False)
                live = live_latency(port, b, world, events, args.rate, args.sockets)
            cluster.stop_all()
        causes = server_log_causes(tmp)
    finally:
        cluster.stop_all()
        redis.kill()
        sc.drop_database(DB_NAME)
        shutil.rmtree(tmp, ignore_errors=True)

    base_n = counts[0]
    base = results[base_n]
    print(
        f"scale · {c.machine()} · PostgreSQL + Redis · locust {args.users} users, wait {wmin:g}-{wmax:g} s,"
        f" {duration} per run · setup {t_setup:.0f} s · load average {c.loadavg()} · settings {args.settings}"
    )
    print("  2 cores: load generator and servers share them; more workers than cores add no CPU.")
    rows = []
    for n in counts:
        r = results[n]
        for label, key in (("create", "create"), ("list open", "list"), ("mixed", "all")):
            x = r[key]
            ratio = x["rps"] / base[key]["rps"] if base[key]["rps"] else float("nan")
            figs = [x["requests"], x["failures"], x["rps"], f"{ratio:.2f}×", x["p50_ms"], x["p99_ms"]]
            rows.append([f"{n} worker(s): {label}", *figs])
    h = base["health"]
    figs = [h["requests"], h["failures"], h["rps"], "", h["p50_ms"], h["p99_ms"]]
    rows.append([f"baseline: {base_n} worker, GET /api/core/health", *figs])
    c.print_table("", ["", "requests", "errors", "req/s", f"vs {base_n}", "p50 ms", "p99 ms"], rows)
    if live:
        print(
            f"  live update, {events} incidents at {args.rate:g}/s, {args.sockets} sockets per process:"
            f" same process p50 {live['same'].get('p50_ms')} / p99 {live['same'].get('p99_ms')} ms;"
            f" across processes p50 {live['across'].get('p50_ms')} / p99 {live['across'].get('p99_ms')} ms;"
            f" missing {live['missing']}, POST errors {live['errors']}"
        )
    for n in counts:
        for name, err, k in results[n]["failures"]:
            print(f"  {n} worker(s) failure ×{k}: {name}: {err[:120]}")
    for line, k in causes:
        print(f"  server log ×{k}: {line}")
    out = {
        "bench": "scale",
        "users": args.users,
        "duration": duration,
        "settings": args.settings,
        "setup_s": round(t_setup, 1),
    }
    for n in counts:
        r = results[n]
        out[f"w{n}_rps"] = r["all"]["rps"]
        out[f"w{n}_create_rps"] = r["create"]["rps"]
        out[f"w{n}_create_p99_ms"] = r["create"]["p99_ms"]
        out[f"w{n}_list_p99_ms"] = r["list"]["p99_ms"]
        out[f"w{n}_errors"] = r["all"]["failures"]
    out["baseline_health_rps"] = h["rps"]
    out["baseline_health_p99_ms"] = h["p99_ms"]
    if live:
        out["live_same_p50_ms"] = live["same"].get("p50_ms")
        out["live_same_p99_ms"] = live["same"].get("p99_ms")
        out["live_across_p50_ms"] = live["across"].get("p50_ms")
        out["live_across_p99_ms"] = live["across"].get("p99_ms")
        out["live_missing"] = live["missing"]
    out["loadavg"] = c.loadavg()
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
