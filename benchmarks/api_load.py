"""API under load (locust, headless): incident create + list by 200 users, beside a minimal endpoint.

    python -m benchmarks.api_load [--quick] [--users 200] [--spawn-rate 50] [--duration 2m] [--wait 1,3]

Builds the demo Polres (small history) in a temporary data directory, tops it up to 1,332 open
incidents (through cad.services.import_history) and starts `siaga run` (uvicorn, one process, SQLite)
on a free loopback port. Then:
1. lists the 1,332 open incidents in one request (GET /api/cad/incidents?status=open&limit=1332),
   20 times in a row, one client (TicketsCAD's situation board: p50 2.3 s for 1,332, reported);
2. baseline: locust with 200 users, each with its own Django session, every task
   GET /api/core/health (a minimal django-ninja endpoint behind the same middleware stack);
3. ours: the same users and waits, half the tasks POST /api/cad/incidents (a new incident at a random
   place in the Kota: location resolved to RT/kelurahan/Polsek, numbered, audited, pushed), half
   GET /api/cad/incidents?status=open (the default page of 100, with its count).
Each user waits `--wait` seconds (uniform) between tasks. No retries: every failure is reported with
its cause. --quick: 30 s per locust run instead of 2 minutes. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import subprocess
import sys
import time
from collections import Counter

import numpy as np

from . import _common as c

LIST_N = 1332


def locust_run(
    port: int,
    user_class: str,
    users: int,
    spawn: int,
    duration: str,
    cfg: str,
    prefix: str,
    locustfile: str = "locustfile_cad.py",
) -> dict:
    """One headless locust run; `user_class`: class names separated by spaces ("": all of the file's)."""
    env = dict(os.environ, SIAGA_BENCH_CONFIG=cfg)
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(c.ROOT / "benchmarks" / locustfile),
        *user_class.split(),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(spawn),
        "-t",
        duration,
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        prefix,
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    load0 = c.loadavg()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=str(c.ROOT), env=env, capture_output=True, text=True, timeout=60 * 30)
    wall = time.perf_counter() - t0
    rows = {}
    with open(f"{prefix}_stats.csv") as f:
        for r in csv.DictReader(f):
            rows[r["Name"]] = r
    failures = []
    if os.path.exists(f"{prefix}_failures.csv"):
        with open(f"{prefix}_failures.csv") as f:
            failures = [(r["Name"], r["Error"], int(r["Occurrences"])) for r in csv.DictReader(f)]
    cpu_warn = [ln for ln in (p.stderr + p.stdout).splitlines() if "CPU usage" in ln]
    return {
        "rows": rows,
        "failures": failures,
        "wall_s": wall,
        "rc": p.returncode,
        "load_start": load0,
        "load_end": c.loadavg(),
        "cpu_warning": cpu_warn[:2],
        "stderr": p.stderr[-1500:],
    }


def figures(row: dict) -> dict:
    def f(k):
        v = row.get(k, "")
        return None if v in ("", "N/A") else float(v)

    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(f("Requests/s"), 1),
        "p50_ms": f("50%"),
        "p90_ms": f("90%"),
        "p99_ms": f("99%"),
        "max_ms": f("Max Response Time"),
        "mean_ms": round(f("Average Response Time"), 1),
    }


def list_open(port: int, key: str, n: int = 20) -> tuple[dict, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": f"sessionid={key}"}
    times, count = [], 0
    for k in range(n + 2):
        t = time.perf_counter()
        conn.request("GET", f"/api/cad/incidents?status=open&limit={LIST_N}", headers=headers)
        r = conn.getresponse()
        body = r.read()
        dt = time.perf_counter() - t
        if r.status != 200:
            raise RuntimeError(f"list: {r.status} {body[:200]!r}")
        if k >= 2:  # two warm-ups
            times.append(dt)
        count = len(json.loads(body)["items"])
    conn.close()
    return c.summary_ms(times), count


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="30 s per locust run instead of 2 minutes")
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--spawn-rate", type=int, default=50)
    ap.add_argument("--duration", default=None, help="locust -t, e.g. 2m (default 2m, --quick 30s)")
    ap.add_argument("--wait", default="1,3", help="seconds between a user's tasks: min,max")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=18006, help="loopback port of the server")
    ap.add_argument(
        "--http-concurrency", type=int, default=None, help="the server's SIAGA_HTTP_CONCURRENCY (default 8)"
    )
    args = ap.parse_args(argv)
    if args.http_concurrency:
        os.environ["SIAGA_HTTP_CONCURRENCY"] = str(args.http_concurrency)
    concurrency = int(os.environ.get("SIAGA_HTTP_CONCURRENCY", "8"))
    duration = args.duration or ("30s" if args.quick else "2m")
    wmin, wmax = (float(x) for x in args.wait.split(","))

    with c.temp_data_dir() as tmp:
        c.setup_django(tmp)
        from django.db import connections

        from siaga.cad.models import Incident
        from siaga.cad.selectors import OPEN_STATUSES

        t0 = time.perf_counter()
        demo = c.build_small_demo(days=2, scale=0.02, seed=args.seed)
        polres = demo.polres
        open_now = Incident.objects.filter(polres=polres, status__in=OPEN_STATUSES).count()
        c.add_open_incidents(polres, LIST_N - open_now, seed=args.seed + 10)
        n_open = Incident.objects.filter(polres=polres, status__in=OPEN_STATUSES).count()
        n_before = Incident.objects.count()
        user = c.staff_user("dispatcher")
        keys = [c.session_for(user) for _ in range(args.users)]
        lons, lats = c.random_points_inside(polres, 500, np.random.default_rng(args.seed))
        cfg_path = os.path.join(tmp, "locust.json")
        with open(cfg_path, "w") as f:
            json.dump(
                {
                    "sessions": keys,
                    "csrf": c.CSRF_TOKEN,
                    "wait_min": wmin,
                    "wait_max": wmax,
                    "points": [[x, y] for x, y in zip(lons.tolist(), lats.tolist(), strict=True)],
                },
                f,
            )
        t_setup = time.perf_counter() - t0
        connections.close_all()

        log_path = os.path.join(tmp, "server.log")
        with c.siaga_server(tmp, port=args.port, log_path=log_path) as (port, _proc):
            load_list = c.loadavg()
            big, n_listed = list_open(port, keys[0])
            base = locust_run(
                port,
                "HealthUser",
                args.users,
                args.spawn_rate,
                duration,
                cfg_path,
                os.path.join(tmp, "health"),
            )
            ours = locust_run(
                port,
                "OperatorUser",
                args.users,
                args.spawn_rate,
                duration,
                cfg_path,
                os.path.join(tmp, "cad"),
            )
        with open(log_path) as f:
            server_log = f.read()
        n_created = Incident.objects.count() - n_before
        connections.close_all()

    h = figures(base["rows"]["GET /api/core/health"])
    cr = figures(ours["rows"]["POST /api/cad/incidents"])
    li = figures(ours["rows"]["GET /api/cad/incidents?status=open"])
    ag = figures(ours["rows"]["Aggregated"])
    log_causes = Counter(
        ln.strip()[:140]
        for ln in server_log.splitlines()
        if "Error" in ln or "locked" in ln or "Exception" in ln
    ).most_common(5)
    result = {
        "bench": "api_load",
        "users": args.users,
        "duration": duration,
        "wait_s": [wmin, wmax],
        "rps": ag["rps"],
        "errors": ag["failures"],
        "create_rps": cr["rps"],
        "create_p50_ms": cr["p50_ms"],
        "create_p99_ms": cr["p99_ms"],
        "list_p50_ms": li["p50_ms"],
        "list_p99_ms": li["p99_ms"],
        "health_rps": h["rps"],
        "health_p50_ms": h["p50_ms"],
        "health_p99_ms": h["p99_ms"],
        "health_errors": h["failures"],
        "created": n_created,
        "list_1332_p50_ms": big.get("p50_ms"),
        "list_1332_p99_ms": big.get("p99_ms"),
        "list_1332_count": n_listed,
        "loadavg": ours["load_end"],
        "http_concurrency": concurrency,
        "shed_503": sum(k for _n, err, k in base["failures"] + ours["failures"] if "503 " in err),
        "setup_s": round(t_setup, 1),
    }
    print(
        f"api load · {c.machine()} · siaga run (1 uvicorn process, SQLite WAL,"
        f" {concurrency} requests at once) · locust {args.users} users,"
        f" spawn {args.spawn_rate}/s, {duration}, wait {wmin:g}-{wmax:g} s"
    )
    print(
        f"  load average: list {load_list}; health run {base['load_start']} → {base['load_end']};"
        f" cad run {ours['load_start']} → {ours['load_end']}"
    )
    rows = []
    for label, x in (
        ("ours: POST /api/cad/incidents", cr),
        ("ours: GET /api/cad/incidents?status=open", li),
        ("ours: mixed, all requests", ag),
        ("baseline: GET /api/core/health", h),
    ):
        rows.append(
            [
                label,
                x["requests"],
                x["failures"],
                x["rps"],
                x["p50_ms"],
                x["p90_ms"],
                x["p99_ms"],
                x["max_ms"],
            ]
        )
    rows.append(["TicketsCAD, reported (not rerun): create", "", "", "88-101", "", "", "66-88", ""])
    c.print_table("", ["", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows)
    print(
        f"  list all {n_listed:,} open incidents (of {n_open:,}), one request: p50 {big.get('p50_ms')} ms,"
        f" p99 {big.get('p99_ms')} ms (TicketsCAD, reported: p50 2,300 ms)"
    )
    print(f"  incidents created during the run: {n_created:,}")
    for name, err, k in (base["failures"] + ours["failures"])[:8]:
        print(f"  failure ×{k}: {name}: {err[:200]}")
    for ln, k in log_causes:
        print(f"  server log ×{k}: {ln}")
    for w in base["cpu_warning"] + ours["cpu_warning"]:
        print("  locust:", w[:200])
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
