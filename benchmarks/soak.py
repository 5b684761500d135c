"""Soak: mixed users (citizens, operators, dispatchers, officers) for minutes, embedded and scaled.

    python -m benchmarks.soak [--quick] [--mode embedded|scaled|both] [--users 200] [--duration 10m]
                              [--workers 2] [--wait 1,5] [--spawn-rate 10]

For each mode, a fresh world: the demo Polres (Metro Bekasi Kota, its ~200 units, a short history and the
public-services content) built through the services by a child process with the server's environment,
plus one patrol login per simulated officer riding a unit of its own (its crew member linked to the
login), logged-in sessions made directly (SessionStore) for the operators, dispatchers and officers.
- embedded: `siaga run` (one uvicorn process, SQLite WAL, in-memory channel layer) in a temporary data
  directory;
- scaled: a fresh PostgreSQL database (siaga_soak), a redis-server of its own (no persistence) and
  `siaga run --workers N` (N uvicorn processes on one port, the operations-room clock in the parent),
  as in benchmarks/scale_cluster.py.
Then locust headless with the users of benchmarks/locustfile_soak.py (weights citizen 12, operator 3,
dispatcher 2, officer 3; 1-5 s between tasks) for `--duration`. Citizens are anonymous, each with its
own client address as a reverse proxy reports it (X-Forwarded-For, with SIAGA_PROXY_COUNT=1 as a
deployment behind one proxy sets it) and its own device id: the portal's limits per address and per
device apply as they would to real people, none is raised.
While locust runs, the resident memory (RSS) of every server process (the parent and all its children,
the uvicorn workers included) is sampled every 10 s.
Printed per mode: operation | requests | req/s | p50 | p99 | errors, the totals, the failures by
operation and cause (status + error code), outcomes expected but counted apart (a unit taken meanwhile),
memory at minute 1 and at the end with the slope over the second half (MB/min), the load average.
--quick: 1 minute, 50 users. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np

from . import _common as c
from . import scale_cluster as sc
from .api_load import figures, locust_run

DB_NAME = "siaga_soak"
LOCUSTFILE = "locustfile_soak.py"
SAMPLE_S = 10.0
LOG_WORDS = ("Error", "Exception", "busy", "unavailable", "locked", "WARNING", "CRITICAL")
WEIGHTS = {"citizen": 12, "operator": 3, "dispatcher": 2, "officer": 3}
INCIDENT_CATEGORIES = ["keributan", "pencurian", "penganiayaan", "laka", "kdrt", "penipuan", "kemanusiaan"]


def parse_duration(text: str) -> int:
    """Seconds of '90', '90s', '10m', '1h'."""
    text = text.strip().lower()
    unit = {"s": 1, "m": 60, "h": 3600}.get(text[-1:])
    return int(float(text[:-1]) * unit) if unit else int(float(text))


def role_counts(users: int) -> dict[str, int]:
    """How many users of each kind locust makes of `users` with WEIGHTS (rounded up: officers need that
    many units)."""
    total = sum(WEIGHTS.values())
    return {k: -(-users * w // total) for k, w in WEIGHTS.items()}


# --- world (a child process with the server's environment) ----------------------------------------


def _setup_world(out: str, users: int, seed: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from siaga.accounts.services import create_user
    from siaga.cad.models import Unit
    from siaga.core.context import acting
    from siaga.portal import reports
    from siaga.portal.models import Report
    from siaga.resources import services as resources
    from siaga.resources.models import Personnel

    demo = c.build_small_demo(days=2, scale=0.02, seed=seed)
    polres = demo.polres
    counts = role_counts(users)
    rng = np.random.default_rng(seed)
    lons, lats = c.random_points_inside(polres, 400, rng)
    points = [[x, y] for x, y in zip(lons.tolist(), lats.tolist(), strict=True)]

    # one patrol login per simulated officer, in the crew of an available unit with a position
    officers = []
    taken: set[int] = set()
    units = Unit.objects.filter(polres=polres, status="available", lat__isnull=False).order_by("pk")
    with acting(None, "soak-setup"):
        for u in units:
            if len(officers) >= counts["officer"]:
                break
            member = Personnel.objects.filter(units=u, user=None).exclude(pk__in=taken).order_by("pk").first()
            if member is None:
                continue
            taken.add(member.pk)
            user = create_user(
                f"soak.officer.{len(officers) + 1:03d}",
                "Sandi-Rahasia-Soak-123",
                "patrol",
                polres=polres,
                validate=False,
            )
            resources.link_user(member, user)
            officers.append({"session": c.session_for(user), "unit": u.pk, "lon": u.lon, "lat": u.lat})
        codes = list(Report.objects.filter(polres=polres).values_list("tracking_code", flat=True)[:50])
        for k in range(max(0, 5 - len(codes))):  # something to track before a citizen has filed
            lon, lat = points[k]
            r = reports.submit_report(
                key=f"soak-setup-report-{k:04d}",
                category="keributan",
                description="Keributan di ujung gang setiap malam.",
                lat=lat,
                lon=lon,
                without_identity=True,
            )
            codes.append(r.tracking_code)
    operator, dispatcher = c.staff_user("operator"), c.staff_user("dispatcher")
    world = {
        "csrf": c.CSRF_TOKEN,
        "operator_sessions": [c.session_for(operator) for _ in range(counts["operator"])],
        "dispatcher_sessions": [c.session_for(dispatcher) for _ in range(counts["dispatcher"])],
        "officers": officers,
        "points": points,
        "tracking_codes": codes,
        "report_categories": list(reports.PUBLIC_CATEGORIES),
        "incident_categories": INCIDENT_CATEGORIES,
        "units": Unit.objects.filter(polres=polres).count(),
    }
    with open(out, "w") as f:
        json.dump(world, f)


def build_world(env: dict[str, str], out: str, users: int, seed: int) -> dict:
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.soak",
            "--setup-world",
            out,
            "--users",
            str(users),
            "--seed",
            str(seed),
        ],
        cwd=str(c.ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if p.returncode != 0:
        raise RuntimeError(f"world setup failed:\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
    with open(out) as f:
        return json.load(f)


# --- memory ---------------------------------------------------------------------------------------


class RssSampler(threading.Thread):
    """Every `every` seconds, the RSS of a process and all its descendants (MB), with psutil; one more
    sample when stopped."""

    def __init__(self, pid: int, every: float = SAMPLE_S):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float, int]] = []  # (seconds since start, MB, processes)
        self.each: dict[int, list[float]] = {}  # pid -> [first MB, last MB]
        self._done = threading.Event()

    def sample(self) -> tuple[float, int]:
        total, n = 0.0, 0
        for pid, mb in rss_tree(self.pid):
            total += mb
            n += 1
            self.each.setdefault(pid, [mb, 0.0])[1] = mb
        return total, n

    def run(self) -> None:
        t0 = time.monotonic()
        while True:
            done = self._done.wait(self.every) if self.samples else False
            mb, n = self.sample()
            if n:
                self.samples.append((time.monotonic() - t0, mb, n))
            if done:
                return

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=30)


def rss_tree(pid: int) -> list[tuple[int, float]]:
    """(pid, RSS in MB) of a process and all its descendants: psutil (installed with locust), else /proc."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        out = []
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                out.append((p.pid, p.memory_info().rss / 2**20))
        return out
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError, ValueError):
            status = Path(f"/proc/{p}/status").read_text()
            kb = next(int(ln.split()[1]) for ln in status.splitlines() if ln.startswith("VmRSS:"))
            out.append((p, kb / 1024))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return out


def memory_summary(samples: list[tuple[float, float, int]]) -> dict:
    """RSS at the start, at minute 1 and at the end; slope (MB/min, least squares) over the second half."""
    if not samples:
        return {}
    t = np.array([s[0] for s in samples])
    mb = np.array([s[1] for s in samples])
    at_1m = next((m for tt, m, _n in samples if tt >= 60), samples[-1][1])
    half = t >= t[-1] / 2
    slope = float(np.polyfit(t[half] / 60, mb[half], 1)[0]) if half.sum() >= 2 else float("nan")
    return {
        "processes": samples[-1][2],
        "rss_start_mb": round(float(mb[0]), 1),
        "rss_1m_mb": round(float(at_1m), 1),
        "rss_end_mb": round(float(mb[-1]), 1),
        "rss_max_mb": round(float(mb.max()), 1),
        "slope_mb_per_min_2nd_half": round(slope, 2),
        "samples": len(samples),
    }


def per_process(sampler: RssSampler) -> list[list[float]]:
    """[first MB, last MB] of each server process (the parent first), for growth per worker."""
    return [[round(a, 1), round(b, 1)] for _pid, (a, b) in sorted(sampler.each.items())]


# --- one mode -------------------------------------------------------------------------------------


def soak(port: int, pid: int, world: dict, args, tmp: str, label: str) -> dict:
    cfg_path = os.path.join(tmp, f"{label}-locust.json")
    expected_path = os.path.join(tmp, f"{label}-expected.json")
    wmin, wmax = args.wait
    cfg = dict(
        world,
        wait_min=wmin,
        wait_max=wmax,
        expected_path=expected_path,
        reports_per_citizen=3,  # the portal allows 5 per device per hour
        sos_chance=0.03,
    )
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    sampler = RssSampler(pid)
    sampler.start()
    run = locust_run(
        port,
        "",
        args.users,
        args.spawn_rate,
        args.duration,
        cfg_path,
        os.path.join(tmp, label),
        locustfile=LOCUSTFILE,
    )
    sampler.stop()
    expected = {}
    if os.path.exists(expected_path):
        with open(expected_path) as f:
            expected = json.load(f)
    ops = {name: figures(row) for name, row in run["rows"].items() if name != "Aggregated"}
    total = figures(run["rows"]["Aggregated"]) if "Aggregated" in run["rows"] else {}
    return {
        "ops": ops,
        "total": total,
        "failures": run["failures"],
        "expected": expected,
        "memory": dict(memory_summary(sampler.samples), each_mb=per_process(sampler)),
        "load_start": run["load_start"],
        "load_end": run["load_end"],
        "cpu_warning": run["cpu_warning"],
        "locust_rc": run["rc"],
        "locust_stderr": run["stderr"] if run["rc"] else "",
    }


def run_embedded(args, tmp: str) -> dict:
    for k in ("SIAGA_DATABASE_URL", "SIAGA_REDIS_URL", "SIAGA_MQTT_URL"):  # siaga_server copies os.environ
        os.environ.pop(k, None)
    env = dict(os.environ, SIAGA_DATA_DIR=tmp, DJANGO_SETTINGS_MODULE="siaga.settings")
    t0 = time.perf_counter()
    world = build_world(env, os.path.join(tmp, "world.json"), args.users, args.seed)
    setup_s = time.perf_counter() - t0
    log_path = os.path.join(tmp, "server-embedded.log")
    with c.siaga_server(tmp, port=sc.free_port(), log_path=log_path) as (port, proc):
        sc.Cluster("", "", tmp).warm(port, 1)
        out = soak(port, proc.pid, world, args, tmp, "embedded")
    out.update(setup_s=round(setup_s, 1), workers=1, server_log=log_causes(log_path), units=world["units"])
    out["officers"] = len(world["officers"])
    return out


def run_scaled(args, tmp: str) -> dict:
    if not sc.postgres_available():
        raise RuntimeError(f"PostgreSQL is not reachable at {sc.PG_ADMIN_URL} (SIAGA_SCALE_PG)")
    if shutil.which("redis-server") is None:
        raise RuntimeError("the redis-server program is needed")
    redis = sc.RedisServer(sc.free_port(), os.path.join(tmp, "redis"))
    redis.start()
    cluster = None
    try:
        url = sc.create_database(DB_NAME)
        cluster = sc.Cluster(url, redis.url, tmp, extra_env={"SIAGA_PROXY_COUNT": "1"})
        t0 = time.perf_counter()
        world = build_world(cluster.env(), os.path.join(tmp, "world.json"), args.users, args.seed)
        setup_s = time.perf_counter() - t0
        port = sc.free_port()
        log_path = os.path.join(tmp, "server-scaled.log")
        proc = cluster.start(port, workers=args.workers, log_path=log_path)
        cluster.warm(port, args.workers)
        out = soak(port, proc.pid, world, args, tmp, "scaled")
        redis_mb = None
        try:
            import psutil

            redis_mb = round(psutil.Process(redis.proc.pid).memory_info().rss / 2**20, 1)
        except Exception:  # noqa: S110 (a figure for the report only)
            pass
        out.update(setup_s=round(setup_s, 1), workers=args.workers, redis_rss_end_mb=redis_mb)
        out.update(server_log=log_causes(log_path), units=world["units"], officers=len(world["officers"]))
        return out
    finally:
        if cluster is not None:
            cluster.stop_all()
        redis.kill()
        sc.drop_database(DB_NAME)


def log_causes(path: str) -> list[tuple[str, int]]:
    if not os.path.exists(path):
        return []
    with open(path, errors="replace") as f:
        seen = Counter(ln.strip()[:160] for ln in f if ln[:1] != " " and any(w in ln for w in LOG_WORDS))
    return seen.most_common(8)


# --- report ---------------------------------------------------------------------------------------


def print_mode(mode: str, r: dict, args) -> None:
    workers = (
        f"{r['workers']} uvicorn workers, PostgreSQL + Redis"
        if mode == "scaled"
        else "1 uvicorn process, SQLite WAL"
    )
    print(
        f"\nsoak · {mode} ({workers}) · {c.machine()} · {args.users} users, spawn {args.spawn_rate}/s,"
        f" {args.duration_text}, wait {args.wait[0]:g}-{args.wait[1]:g} s · {r['units']} units,"
        f" {r['officers']} officer logins · setup {r['setup_s']} s"
    )
    print(f"  load average: start {r['load_start']} → end {r['load_end']}")
    rows = []
    for name in sorted(
        r["ops"], key=lambda n: (list(WEIGHTS).index(n.split(":")[0]) if n.split(":")[0] in WEIGHTS else 9, n)
    ):
        x = r["ops"][name]
        rows.append([name, x["requests"], x["rps"], _ms(x["p50_ms"]), _ms(x["p99_ms"]), x["failures"]])
    t = r["total"]
    if t:
        rows.append(["total", t["requests"], t["rps"], _ms(t["p50_ms"]), _ms(t["p99_ms"]), t["failures"]])
    c.print_table("", ["operation", "requests", "req/s", "p50 ms", "p99 ms", "errors"], rows)
    for name, err, k in r["failures"][:12]:
        print(f"  error ×{k}: {name}: {err[:160]}")
    for what, k in sorted(r["expected"].items(), key=lambda kv: -kv[1]):
        print(f"  expected, counted apart ×{k}: {what}")
    m = r["memory"]
    if m:
        print(
            f"  memory (RSS of {m['processes']} server processes): start {m['rss_start_mb']} MB,"
            f" minute 1 {m['rss_1m_mb']} MB, end {m['rss_end_mb']} MB (max {m['rss_max_mb']}),"
            f" second half {m['slope_mb_per_min_2nd_half']:+} MB/min ({m['samples']} samples)"
        )
        each = ", ".join(f"{a:g}→{b:g}" for a, b in m["each_mb"])
        print(f"  per process (first → last sample, MB; the parent first): {each}")
    if r.get("redis_rss_end_mb") is not None:
        print(f"  redis-server RSS at the end: {r['redis_rss_end_mb']} MB")
    for ln, k in r["server_log"]:
        print(f"  server log ×{k}: {ln}")
    for w in r["cpu_warning"]:
        print("  locust:", w[:200])
    if r["locust_stderr"]:
        print("  locust stderr:", r["locust_stderr"][-600:])


def _ms(v):
    return "" if v is None else f"{v:,.0f}"


def summary(mode: str, r: dict) -> dict:
    t = r["total"]
    return {
        "workers": r["workers"],
        "requests": t.get("requests"),
        "rps": t.get("rps"),
        "p50_ms": t.get("p50_ms"),
        "p99_ms": t.get("p99_ms"),
        "errors": t.get("failures"),
        "errors_by_cause": {f"{n}: {e}"[:160]: k for n, e, k in r["failures"]},
        "expected": r["expected"],
        "memory": r["memory"],
        "load_start": r["load_start"],
        "load_end": r["load_end"],
        "setup_s": r["setup_s"],
        "ops": {
            n: {k: x[k] for k in ("requests", "rps", "p50_ms", "p99_ms", "failures")}
            for n, x in r["ops"].items()
        },
    }


def main(argv: list[str] | None = None) -> dict | None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 minute, 50 users")
    ap.add_argument("--mode", choices=["embedded", "scaled", "both"], default="both")
    ap.add_argument("--users", type=int, default=None, help="simulated users (default 200, --quick 50)")
    ap.add_argument("--duration", default=None, help="e.g. 10m, 90s (default 10m, --quick 1m)")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn workers in scaled mode")
    ap.add_argument("--wait", default="1,5", help="seconds between a user's tasks: min,max")
    ap.add_argument("--spawn-rate", type=int, default=10, help="users started per second")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--setup-world", default=None, help=argparse.SUPPRESS)  # the child process
    args = ap.parse_args(argv)
    if args.setup_world:
        _setup_world(args.setup_world, args.users or 200, args.seed)
        return None
    args.users = args.users or (50 if args.quick else 200)
    args.duration_text = args.duration or ("1m" if args.quick else "10m")
    args.duration = f"{parse_duration(args.duration_text)}s"
    args.wait = tuple(float(x) for x in args.wait.split(","))
    os.environ["SIAGA_PROXY_COUNT"] = "1"  # one reverse proxy in front: it appends the client's address
    os.environ["SIAGA_LIVE_DEMO"] = "0"
    modes = ["embedded", "scaled"] if args.mode == "both" else [args.mode]
    results = {}
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix=f"siaga-soak-{mode}-") as tmp:
            results[mode] = (run_embedded if mode == "embedded" else run_scaled)(args, tmp)
        print_mode(mode, results[mode], args)
    out = {
        "bench": "soak",
        "users": args.users,
        "duration": args.duration_text,
        "wait_s": list(args.wait),
        "machine": c.machine(),
        "modes": {m: summary(m, r) for m, r in results.items()},
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
