"""Siaga in scaled mode on this machine: a fresh PostgreSQL database, Redis, several `siaga run` processes.

Shared by tests/services/test_two_workers.py, tests/services/test_redis_faults.py and benchmarks/scale.py.
The processes are started the way an operator starts them (`siaga run --workers N` with
SIAGA_DATABASE_URL / SIAGA_REDIS_URL), each on its own loopback port, so that anything one process keeps
in memory is invisible to the others: what works here works behind a reverse proxy.

    python -m benchmarks.scale_cluster setup --sessions N   (run with the cluster's environment)

builds the small world every user of this module needs (Bekasi Timur's real kelurahan polygons, one Polda,
Polres and Polsek, a dispatcher, three units) through the services, makes N logged-in sessions of the
dispatcher, and prints it as one JSON line.

Environment: SIAGA_SCALE_PG (an admin URL of the PostgreSQL server, default
postgresql://postgres@127.0.0.1:5432/postgres), SIAGA_SCALE_PORTS (the loopback ports servers may take,
default 8170-8199).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("SIAGA_SCALE_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CSRF_TOKEN = "scaleCsrf0123456789abcdefghijklm"  # noqa: S105 (a test CSRF secret, 32 characters)
INSIDE = [(107.01356, -6.23336), (107.01090, -6.25295), (107.02325, -6.23749), (107.03410, -6.24116)]


# --- services -----------------------------------------------------------------------------------


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    u = urlsplit(PG_ADMIN_URL)
    return port_open(u.hostname or "127.0.0.1", u.port or 5432)


def database_url(name: str) -> str:
    u = urlsplit(PG_ADMIN_URL)
    return urlunsplit((u.scheme, u.netloc, f"/{name}", "", ""))


def create_database(name: str) -> str:
    """A fresh, empty database (dropped first if it exists); returns its URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    import psycopg

    with contextlib.suppress(psycopg.Error), psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _port_range() -> range:
    lo, _, hi = os.environ.get("SIAGA_SCALE_PORTS", "8170-8199").partition("-")
    return range(int(lo), int(hi or lo) + 1)


_taken: set[int] = set()


def free_port(ports: range | None = None) -> int:
    """A loopback port nobody listens on: from SIAGA_SCALE_PORTS when set (each handed out once per
    process), else one the kernel picks. A fixed range shared by parallel test processes handed the same
    port to two clusters, one of which then talked to the other's server."""
    if ports is None and "SIAGA_SCALE_PORTS" not in os.environ:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    for port in ports or _port_range():
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError("no free port left in SIAGA_SCALE_PORTS")


def wait_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        if port_open("127.0.0.1", port, 0.3):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate a process this module started, and the workers it forked (its own process group)."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class RedisServer:
    """A redis-server of our own (no persistence), to kill and restart in fault tests."""

    def __init__(self, port: int, data_dir: str):
        self.port, self.data_dir, self.proc = port, data_dir, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        os.makedirs(self.data_dir, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.data_dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_port(self.port, 15, self.proc)

    def kill(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=5)
            self.proc = None
        end = time.monotonic() + 5
        while port_open("127.0.0.1", self.port, 0.2) and time.monotonic() < end:
            time.sleep(0.05)


def postgres_bin_dir() -> str | None:
    """The directory of PostgreSQL's server programs (initdb, pg_ctl): Debian's newest
    /usr/lib/postgresql/<version>/bin, else `pg_config --bindir`, else wherever initdb is on the PATH."""
    import glob
    import shutil

    def version(initdb: str) -> float:
        with contextlib.suppress(ValueError):
            return float(Path(initdb).parent.parent.name)
        return 0.0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return str(Path(found[-1]).parent)
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        if (Path(out.stdout.strip()) / "initdb").exists():
            return out.stdout.strip()
    initdb = shutil.which("initdb")
    return str(Path(initdb).parent) if initdb else None


class PostgresServer:
    """A PostgreSQL server of our own (initdb in a fresh directory, trust authentication, a loopback port,
    its socket in that directory), to stop and start again in fault tests: never the machine's shared
    server, which other tests use at the same time. As root, the server runs as the `postgres` user
    (PostgreSQL refuses to run as root), in a directory of /tmp owned by that user."""

    def __init__(self, port: int, bin_dir: str | None = None):
        self.port = port
        self.bin_dir = bin_dir or postgres_bin_dir()
        if self.bin_dir is None:
            raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.dir: str | None = None

    @property
    def url(self) -> str:
        """The admin URL (database `postgres`)."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    @property
    def data(self) -> str:
        return os.path.join(self.dir or "", "data")

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [os.path.join(self.bin_dir or "", args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/")
        if p.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
        return p

    def init(self) -> PostgresServer:
        import tempfile

        self.dir = tempfile.mkdtemp(prefix="siaga-pg-")
        if os.geteuid() == 0:
            import pwd

            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def start(self) -> None:
        """Start (after init, or again after stop: then PostgreSQL recovers from its WAL first); returns
        once the server accepts connections."""
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", f"{self.dir}/log", "-o", opts)

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions are ended cleanly, as a planned restart does; `immediate`: every process quits
        at once without a checkpoint, as a crash does (the next start replays the WAL)."""
        if self.dir and os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run("pg_ctl", "stop", "-w", "-D", self.data, "-m", mode)

    def log(self) -> str:
        with contextlib.suppress(OSError, TypeError):
            return Path(self.dir, "log").read_text()
        return ""

    def destroy(self) -> None:
        """Stop at once and remove the data directory."""
        import shutil

        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop("immediate")
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


# --- the cluster --------------------------------------------------------------------------------


@dataclass
class World:
    polres_id: int
    sessions: list[str]
    units: dict[str, int]
    points: list[list[float]]


@dataclass
class Cluster:
    """Processes sharing one database and one Redis; every process started here is stopped by stop_all."""

    database_url: str
    redis_url: str
    data_dir: str
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for k in ("SIAGA_MQTT_URL", "SIAGA_SECRET_KEY"):
            env.pop(k, None)
        env.update(
            DJANGO_SETTINGS_MODULE="siaga.settings",
            SIAGA_DATA_DIR=self.data_dir,
            SIAGA_DATABASE_URL=self.database_url,
            SIAGA_REDIS_URL=self.redis_url,
            SIAGA_LIVE_DEMO="0",
            PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        )
        env.update(self.extra_env)
        return env

    def setup_world(self, sessions: int = 4, points: int = 0, timeout: float = 300) -> World:
        p = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.scale_cluster",
                "setup",
                "--sessions",
                str(sessions),
                "--points",
                str(points),
            ],
            cwd=str(ROOT),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if p.returncode != 0:
            raise RuntimeError(f"world setup failed:\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}")
        return World(**json.loads(p.stdout.strip().splitlines()[-1]))

    def start(self, port: int, workers: int = 1, log_path: str | None = None, ticker: bool = True):
        cmd = [sys.executable, "-m", "siaga", "run", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--workers", str(workers)] + ([] if ticker else ["--no-ticker"])
        log = open(log_path or os.devnull, "a")  # noqa: SIM115 (the child holds it; closed below)
        proc = subprocess.Popen(
            cmd, cwd=str(ROOT), env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.procs.append(proc)
        try:
            wait_port(port, 90, proc)
        except Exception:
            self.stop_all()
            raise
        return proc

    def warm(self, port: int, workers: int, timeout: float = 90) -> None:
        """Wait until every worker serves: the port opens before the workers have loaded Django, and the
        first requests to a fresh worker also load the territory index. Rounds of 2×N requests at once,
        on fresh connections, until a round is answered within a second."""
        from concurrent.futures import ThreadPoolExecutor

        def one(_k):
            t = time.perf_counter()
            status, _ = request(port, "GET", "/api/core/health/ready", timeout=timeout)
            return status, time.perf_counter() - t

        end = time.monotonic() + timeout
        with ThreadPoolExecutor(max_workers=2 * workers) as pool:
            while time.monotonic() < end:
                answers = list(pool.map(one, range(2 * workers)))
                if all(st == 200 for st, _ in answers) and max(t for _, t in answers) < 1.0:
                    return
                time.sleep(0.5)

    def stop_all(self) -> None:
        for proc in self.procs:
            stop(proc)
        self.procs.clear()


# --- HTTP and WebSocket clients of a dispatcher session ----------------------------------------------


def headers(session: str) -> dict[str, str]:
    return {
        "Cookie": f"sessionid={session}; csrftoken={CSRF_TOKEN}",
        "X-CSRFToken": CSRF_TOKEN,
        "Content-Type": "application/json",
        "Accept-Language": "en",
    }


def request(port: int, method: str, path: str, session: str | None = None, body=None, timeout: float = 30):
    """(status, decoded JSON or text) of one request to a server on 127.0.0.1:port."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = headers(session) if session else {"Content-Type": "application/json", "Accept-Language": "en"}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=h)
        r = conn.getresponse()
        raw = r.read().decode()
    finally:
        conn.close()
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, raw


def open_socket(port: int, session: str, timeout: float = 10):
    """A connected /ws/events/ client (websockets' sync client) for the session."""
    from websockets.sync.client import connect

    return connect(
        f"ws://127.0.0.1:{port}/ws/events/",
        additional_headers={"Cookie": f"sessionid={session}"},
        origin=f"http://127.0.0.1:{port}",
        open_timeout=timeout,
        legacy=True,  # a plain connection object; the caller closes it
    )


def wait_for_event(ws, predicate, timeout: float = 10) -> dict | None:
    """The first event on the socket that satisfies predicate, or None after `timeout` seconds."""
    end = time.monotonic() + timeout
    while (left := end - time.monotonic()) > 0:
        try:
            raw = ws.recv(timeout=left)
        except TimeoutError:
            return None
        event = json.loads(raw)
        if predicate(event):
            return event
    return None


# --- world set-up (runs in a child process with the cluster's environment) --------------------------


def _setup(n_sessions: int, n_points: int = 0) -> dict:
    import django

    django.setup()
    import copy

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from siaga.accounts.services import create_user
    from siaga.cad import services as cad
    from siaga.cad.models import Unit
    from siaga.core.context import acting
    from siaga.territory import services as territory

    call_command("migrate", interactive=False, verbosity=0)
    timur = "32.75.01"
    kelurahan = json.loads((territory.bundled("kota-bekasi") / "kelurahan.geojson").read_text())
    feats = [f for f in kelurahan["features"] if f["properties"]["kode"].startswith(timur + ".")]
    with acting(None, "scale-setup"):
        territory.import_codes("32.75")
        territory.import_boundaries({"type": "FeatureCollection", "features": copy.deepcopy(feats)}, level=4)
        territory.derive_parent_boundaries(3, timur)
        polda = territory.create_polda("POLDA-MJ", "Polda Metro Jaya")
        polres = territory.create_polres(polda, "BKS", "Polres Metro Bekasi Kota", "32.75")
        polsek = territory.create_polsek(polres, "BKT", "Polsek Bekasi Timur", region_codes=[timur])
        user = create_user("dispatcher", "Sandi-Rahasia-123", "dispatcher", polres=polres, validate=False)
        (p1, p2, p3) = INSIDE[:3]
        cad.bulk_create_units(
            polres,
            [
                {"callsign": "BKT-R4-1", "kind": "r4", "polsek": polsek, "lon": p1[0] + 0.002, "lat": p1[1]},
                {"callsign": "BKT-R4-2", "kind": "r4", "polsek": polsek, "lon": p2[0], "lat": p2[1]},
                {"callsign": "BKT-R2-1", "kind": "r2", "polsek": polsek, "lon": p3[0], "lat": p3[1]},
            ],
        )
    sessions = []
    for _ in range(n_sessions):
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        sessions.append(s.session_key)
    return {
        "polres_id": polres.pk,
        "sessions": sessions,
        "units": {u.callsign: u.pk for u in Unit.objects.filter(polres=polres)},
        "points": [list(p) for p in INSIDE] + _points_inside(feats, n_points),
    }


def _points_inside(features: list[dict], n: int, seed: int = 1) -> list[list[float]]:
    """n random [lon, lat] inside the kelurahan polygons (rejection sampling in their bounding box)."""
    import random

    from shapely import union_all
    from shapely.geometry import Point, shape

    area = union_all([shape(f["geometry"]) for f in features])
    x0, y0, x1, y1 = area.bounds
    rng, out = random.Random(seed), []
    while len(out) < n:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if area.contains(Point(x, y)):
            out.append([round(x, 6), round(y, 6)])
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="set up the scaled-mode world (see the module docstring)")
    ap.add_argument("command", choices=["setup"])
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--points", type=int, default=0, help="random places in the territory (+4 fixed)")
    args = ap.parse_args(argv)
    print(json.dumps(_setup(args.sessions, args.points)))


if __name__ == "__main__":
    main(sys.argv[1:])
