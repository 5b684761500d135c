"""Shared set-up for the benchmarks: a temporary data directory, Django, a small demo Polres, synthetic
units and open incidents written through the services, percentiles, the machine line, a local server.

Nothing here times anything; each benchmark measures its own figures.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


# --- environment ----------------------------------------------------------------------------------


def setup_django(data_dir: str) -> None:
    """Point Siaga at `data_dir`, set Django up and migrate (the house pattern of every benchmark)."""
    os.environ["SIAGA_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@contextlib.contextmanager
def temp_data_dir(prefix: str = "siaga-bench-") -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield tmp


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine() -> str:
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    return f"{os.cpu_count()} CPU {platform.machine()}{mem}, Python {platform.python_version()}"


def pct(samples, q: float) -> float:
    a = np.asarray(samples, dtype=float)
    return float(np.percentile(a, q)) if len(a) else float("nan")


def summary_ms(samples_s) -> dict[str, float]:
    """p50 / p90 / p99 / max / mean of samples in seconds, as milliseconds."""
    a = np.asarray(samples_s, dtype=float) * 1000
    if not len(a):
        return {"n": 0}
    return {
        "n": len(a),
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p90_ms": round(float(np.percentile(a, 90)), 3),
        "p99_ms": round(float(np.percentile(a, 99)), 3),
        "max_ms": round(float(a.max()), 3),
        "mean_ms": round(float(a.mean()), 3),
    }


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    print(title)
    for j, r in enumerate(cells):
        print("  " + "  ".join(c.ljust(widths[k]) if k == 0 else c.rjust(widths[k]) for k, c in enumerate(r)))
        if j == 0:
            print("  " + "  ".join("-" * w for w in widths))


# --- world ----------------------------------------------------------------------------------------


def build_small_demo(days: int = 3, scale: float = 0.05, seed: int = 1):
    """The demo Polres (Metro Bekasi Kota: territory, 8 Polsek, ~200 units, 14 logins), short history."""
    from siaga.demo.build import build_demo

    return build_demo(seed=seed, days=days, scale=scale, console=False)


def random_points_inside(polres, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n uniformly random points inside the Polres's Kota (rejection sampling on the territory index)."""
    from siaga.territory import lookup

    ix = lookup.get_index()
    x0, y0, x1, y1 = ix.bounds
    lons, lats = np.empty(0), np.empty(0)
    while len(lons) < n:
        cx, cy = rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)
        found = lookup.locate_many(cx, cy)
        ok = found.inside & np.char.startswith(found.kabkota_code.astype(str), polres.region_id)
        lons, lats = np.concatenate([lons, cx[ok]]), np.concatenate([lats, cy[ok]])
    return np.round(lons[:n], 6), np.round(lats[:n], 6)


def add_available_units(polres, n: int, seed: int = 7, prefix: str = "BENCH") -> int:
    """n extra available units with positions spread over the Kota, through cad.services.bulk_create_units.

    Kinds and capabilities in the demo's proportions; each unit belongs to the Polsek covering its spot
    (a fifth are Polres-level, roaming the whole Polres)."""
    from siaga.cad import services as cad
    from siaga.core.context import acting
    from siaga.territory import lookup

    if n <= 0:
        return 0
    rng = np.random.default_rng(seed)
    lons, lats = random_points_inside(polres, n, rng)
    polsek = lookup.locate_many(lons, lats).polsek_id
    kinds = rng.choice(["r4", "r2", "foot", "post", "team"], size=n, p=[0.3, 0.45, 0.1, 0.1, 0.05])
    cap_pool = [
        ["patrol"],
        ["patrol"],
        ["patrol"],
        ["lantas"],
        ["lantas", "laka"],
        ["jatanras", "crime"],
        ["dalmas", "riot"],
        ["narkoba"],
        ["medic", "patrol"],
        ["reskrim"],
    ]
    now = dt.datetime.now(dt.UTC)
    rows = []
    for k in range(n):
        roams = rng.random() < 0.2 or polsek[k] < 0
        rows.append(
            {
                "callsign": f"{prefix}-{k + 1:04d}",
                "kind": str(kinds[k]),
                "polsek": None if roams else int(polsek[k]),
                "capabilities": cap_pool[int(rng.integers(len(cap_pool)))],
                "status": "available",
                "lon": float(lons[k]),
                "lat": float(lats[k]),
                "position_at": now - dt.timedelta(seconds=int(rng.integers(5, 600))),
            }
        )
    with acting(None, "bench"):
        return len(cad.bulk_create_units(polres, rows, synthetic=True))


CATEGORIES = [
    "curas",
    "pencurian",
    "penipuan",
    "penganiayaan",
    "kdrt",
    "narkoba",
    "keributan",
    "laka",
    "kebakaran",
    "kemanusiaan",
    "pembunuhan",
]


def open_incident_columns(polres, n: int, seed: int = 11, within: dt.timedelta = dt.timedelta(hours=6)):
    """Columns for n open incidents (status created) received within `within` before now."""
    from siaga.cad.categories import BY_CODE

    rng = np.random.default_rng(seed)
    lons, lats = random_points_inside(polres, n, rng)
    cats = [c for c in CATEGORIES if c in BY_CODE] or [c for c in BY_CODE if c != "prank"][:8]
    now = dt.datetime.now(dt.UTC)
    received = [now - dt.timedelta(seconds=int(s)) for s in rng.integers(60, int(within.total_seconds()), n)]
    return {
        "category": [cats[int(i)] for i in rng.integers(len(cats), size=n)],
        "lon": lons,
        "lat": lats,
        "received_at": received,
        "answered_at": [r + dt.timedelta(seconds=10) for r in received],
        "created_at": [r + dt.timedelta(seconds=40) for r in received],
        "status": ["created"] * n,
        "priority": [int(p) for p in rng.choice([1, 2, 3, 4], size=n, p=[0.1, 0.3, 0.4, 0.2])],
        "summary": [f"bench incident {k}" for k in range(n)],
    }


def add_open_incidents(polres, n: int, seed: int = 11) -> list[int]:
    """n open incidents (status created) through cad.services.import_history; returns their ids."""
    from siaga.cad import services as cad
    from siaga.core.context import acting

    if n <= 0:
        return []
    with acting(None, "bench"):
        res = cad.import_history(
            polres, open_incident_columns(polres, n, seed), synthetic=True, label="bench"
        )
    return res.incident_ids


def staff_user(username: str = "dispatcher"):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def session_for(user) -> str:
    """A logged-in session for `user`, made directly (no password hashing): returns the session key."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key


CSRF_TOKEN = "benchcsrf0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"[:32]


# --- a local server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@contextlib.contextmanager
def siaga_server(data_dir: str, port: int | None = None, log_path: str | None = None, app: str | None = None):
    """`siaga run` (uvicorn, in-memory channel layer) on a free loopback port; stopped on exit.

    With `app` ("module:attribute"), uvicorn serves that ASGI application instead, the same way as
    `siaga run` does (one process, log level warning, no lifespan). Yields (port, Popen). The server is
    this process's child, terminated (then killed) by its pid."""
    port = port or free_port()
    env = dict(os.environ, SIAGA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="siaga.settings")
    env.pop("SIAGA_REDIS_URL", None)
    env["SIAGA_LIVE_DEMO"] = "0"  # no background generator: only our events
    cmd = [sys.executable, "-m", "siaga", "run", "--host", "127.0.0.1", "--port", str(port)]
    if app:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--lifespan",
            "off",
        ]
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed in the finally below)
    proc = subprocess.Popen(
        cmd,
        cwd=str(ROOT),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port, proc=proc)
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
