"""Live updates: incident created over HTTP → event on 200 WebSocket clients, against a bare broadcast.

    python -m benchmarks.live_updates [--quick] [--clients 200] [--rate 4] [--seconds 60] [--no-variant]

Builds the demo Polres (small history) in a temporary data directory and starts `siaga run` (uvicorn,
in-memory channel layer: the embedded, single-process mode) on a free loopback port. 200 clients, each
with its own Django session of the demo dispatcher (made directly with SessionStore, no password
hashing), connect to /ws/events/. Then incidents are created through the HTTP API
(POST /api/cad/incidents, session + CSRF) at a steady rate, and for every `cad.incident.created` event
each client records its arrival. Latency = arrival at the client − start of the POST that created the
incident (matched by the incident number the POST answers with), so it covers the whole path: request,
service and commit, after-commit push into the channel layer, group fan-out to 200 consumers, the
socket. All clients and the creator run in this process (one asyncio loop + one thread), the server in
its own process, like a browser and a server.

Baseline, same run, same clients and rate: a bare `websockets` server (no Django, no database) in its own
process; a publisher socket sends a numbered message and the server broadcasts it to the 200 clients
(`websockets.broadcast`). That is the floor of Python WebSocket fan-out on this machine; the difference
is what Siaga's request, transaction and channel layer add. For scale, TicketsCAD (polling every few
seconds) delivered events at p50 1.46 s / p99 2.9 s (reported, not rerun).

While the settings still name Channels' InMemoryChannelLayer, the same run is repeated on
`benchmarks/_asgi_variant.py`: the same application with embedded mode's layer
(`siaga.core.layers.EmbeddedChannelLayer`), what `siaga run` serves once CHANNEL_LAYERS names it.

Bounded: the number of events is rate × seconds; every wait has a time limit; the servers are stopped.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import subprocess
import sys
import time

import numpy as np

from . import _common as c

WS_PATH = "/ws/events/"


# --- the baseline server (run as: python -m benchmarks.live_updates --serve-baseline PORT) -------------


async def _baseline_server(port: int) -> None:
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()

    async def handler(ws):
        if ws.request.path == "/publish":
            async for msg in ws:  # each message goes out to every subscriber
                broadcast(clients, msg)
            return
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None, max_queue=None):
        await asyncio.Future()


# --- the client side ----------------------------------------------------------------------------------


class Clients:
    """N WebSocket clients recording (raw message, arrival time) — parsed after the run."""

    def __init__(self, url: str, n: int, headers_for, origin: str):
        self.url, self.n, self.headers_for, self.origin = url, n, headers_for, origin
        self.arrivals: list[list[tuple[str, float]]] = [[] for _ in range(n)]
        self.connected = 0
        self.failed: list[str] = []
        self.tasks: list[asyncio.Task] = []
        self.sockets: list = []

    async def _one(self, k: int, ready: asyncio.Event) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        got = self.arrivals[k]
        pc = time.perf_counter
        try:
            async with connect(
                self.url,
                origin=self.origin,
                additional_headers=self.headers_for(k),
                compression=None,
                proxy=None,
                open_timeout=60,
                ping_interval=None,
                max_queue=None,
            ) as ws:
                self.connected += 1
                self.sockets.append(ws)
                ready.set()
                with contextlib.suppress(ConnectionClosed):
                    async for msg in ws:  # ends when close() closes the socket
                        got.append((msg, pc()))
        except Exception as e:
            self.failed.append(f"{type(e).__name__}: {e}"[:200])
            ready.set()

    async def connect_all(self, batch: int = 20, timeout: float = 120) -> float:
        t0 = time.perf_counter()
        for start in range(0, self.n, batch):
            evs = []
            for k in range(start, min(start + batch, self.n)):
                ev = asyncio.Event()
                evs.append(ev)
                self.tasks.append(asyncio.create_task(self._one(k, ev)))
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in evs)), timeout)
        return time.perf_counter() - t0

    async def close(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), 30)


def latencies(clients: Clients, starts: dict[str, float], key_of) -> tuple[np.ndarray, int, int, dict]:
    """Arrival − start for every (client, message) whose key was sent; plus missing and stray counts,
    and per event the first client's latency and the spread (last arrival − first arrival)."""
    out, stray, per_event = [], 0, {}
    for got in clients.arrivals:
        for raw, t in got:
            key = key_of(raw)
            if key is None or key not in starts:
                stray += 1
                continue
            out.append(t - starts[key])
            per_event.setdefault(key, []).append(t - starts[key])
    expected = len(starts) * clients.connected
    first = np.array([min(v) for v in per_event.values()])
    spread = np.array([max(v) - min(v) for v in per_event.values()])
    return np.array(out), expected - len(out), stray, {"first": first, "spread": spread}


def steady(rate: float, count: int, send) -> list:
    """Call send(k) at a steady rate (k = 0..count-1) in this thread; returns send's results."""
    out = []
    t0 = time.perf_counter()
    for k in range(count):
        delay = t0 + k / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        out.append(send(k))
    return out


# --- phases ---------------------------------------------------------------------------------------------


async def run_siaga(port: int, keys: list[str], poster_key: str, points, rate: float, count: int, n: int):
    origin = f"http://127.0.0.1:{port}"
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"sessionid={poster_key}; csrftoken={c.CSRF_TOKEN}",
        "X-CSRFToken": c.CSRF_TOKEN,
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    errors: list[str] = []

    def post(k: int):
        lon, lat = points[k % len(points)]
        body = json.dumps(
            {"category": "keributan", "priority": 3, "lon": lon, "lat": lat, "summary": f"live bench {k}"}
        )
        t = time.perf_counter()
        try:
            conn.request("POST", "/api/cad/incidents", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            t_end = time.perf_counter()
            if resp.status not in (200, 201):
                errors.append(f"{resp.status} {data[:200]!r}")
                return None
            return json.loads(data)["number"], t, t_end
        except (OSError, http.client.HTTPException) as e:
            errors.append(f"{type(e).__name__}: {e}")
            conn.close()
            return None

    warm = await asyncio.to_thread(steady, 2.0, 3, post)  # first requests load the territory index
    # the same POSTs with no socket connected: what the request costs without the fan-out
    idle = [r for r in await asyncio.to_thread(steady, rate, min(count, 40), post) if r]
    clients = Clients(
        f"ws://127.0.0.1:{port}{WS_PATH}", n, lambda k: {"Cookie": f"sessionid={keys[k]}"}, origin
    )
    t_connect = await clients.connect_all()
    await asyncio.sleep(1.0)
    conn.close()  # a fresh keep-alive connection: the server drops idle ones after 5 s
    for got in clients.arrivals:
        got.clear()
    results = await asyncio.to_thread(steady, rate, count, post)
    await asyncio.sleep(3.0)  # the last events
    await clients.close()
    conn.close()
    ok = [r for r in results if r]
    starts = {num: t for num, t, _ in ok}
    http_ms = np.array([(e - t) for _, t, e in ok])

    def key_of(raw: str):
        m = json.loads(raw)
        return m.get("data", {}).get("number") if m.get("name") == "cad.incident.created" else None

    lat, missing, stray, ev = latencies(clients, starts, key_of)
    return {
        "lat": lat,
        "ev": ev,
        "missing": missing,
        "stray": stray,
        "connected": clients.connected,
        "failed": clients.failed,
        "connect_s": t_connect,
        "posted": len(ok),
        "errors": errors,
        "post_ms": http_ms,
        "idle_post_ms": np.array([(e - t) for _, t, e in idle]),
        "warm": len([w for w in warm if w]),
    }


async def run_baseline(port: int, rate: float, count: int, n: int):
    from websockets.asyncio.client import connect

    clients = Clients(f"ws://127.0.0.1:{port}/", n, lambda k: {}, f"http://127.0.0.1:{port}")
    t_connect = await clients.connect_all()
    await asyncio.sleep(0.5)
    starts: dict[str, float] = {}
    async with connect(
        f"ws://127.0.0.1:{port}/publish", compression=None, proxy=None, ping_interval=None
    ) as pub:
        t0 = time.perf_counter()
        for k in range(count):
            delay = t0 + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            key = f"b{k}"
            starts[key] = time.perf_counter()
            await pub.send(json.dumps({"name": "bench", "data": {"number": key}}))
        await asyncio.sleep(2.0)
    await clients.close()

    def key_of(raw: str):
        return json.loads(raw)["data"]["number"]

    lat, missing, stray, ev = latencies(clients, starts, key_of)
    return {
        "lat": lat,
        "ev": ev,
        "missing": missing,
        "stray": stray,
        "connected": clients.connected,
        "failed": clients.failed,
        "connect_s": t_connect,
        "posted": count,
    }


# --- the channel layer alone ------------------------------------------------------------------------


async def layer_fanout(n: int, events: int) -> dict[str, np.ndarray]:
    """One group of n channels, each drained by its own task (as n consumers): the time from
    group_send to the last member's receive, per event, for Channels' in-memory layer with the message
    as it was (a dict with the event's data), the same layer with the pre-encoded message, and the
    embedded layer. Interleaved event by event, in this process: the layer's own cost, no sockets."""
    from channels.layers import InMemoryChannelLayer

    from siaga.core.layers import EmbeddedChannelLayer

    data = {"number": "BKS/2026/001234", "category": "keributan", "priority": 3, "lat": -6.24, "lon": 107.0}
    as_dict = {"type": "siaga.event", "name": "cad.incident.created", "object_type": "cad.incident"}
    as_dict |= {"object_id": "1234", "polres_id": 1, "data": data}
    as_text = {"type": "siaga.event", "text": json.dumps({k: v for k, v in as_dict.items() if k != "type"})}
    setups = {
        "channels_dict": (InMemoryChannelLayer(), as_dict),
        "channels_text": (InMemoryChannelLayer(), as_text),
        "embedded_text": (EmbeddedChannelLayer(), as_text),
    }
    out: dict[str, list[float]] = {k: [] for k in setups}
    for name, (layer, msg) in setups.items():
        got = {"n": 0}
        done = asyncio.Event()

        async def reader(channel, layer=layer, got=got, done=done):
            while True:
                await layer.receive(channel)
                got["n"] += 1
                if got["n"] == n:
                    done.set()

        members = [await layer.new_channel() for _ in range(n)]
        for m in members:
            await layer.group_add("g", m)
        setups[name] = (layer, msg, got, done, [asyncio.create_task(reader(m)) for m in members])
    await asyncio.sleep(0.05)
    pc = time.perf_counter
    for _k in range(events):
        for name, (layer, msg, got, done, _tasks) in setups.items():
            got["n"] = 0
            done.clear()
            t = pc()
            await layer.group_send("g", msg)
            await done.wait()
            out[name].append(pc() - t)
    for *_x, tasks in setups.values():
        for task in tasks:
            task.cancel()
    return {k: np.array(v) for k, v in out.items()}


# --- main -----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="15 s of events instead of 60 s")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--rate", type=float, default=4.0, help="incidents created per second")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-variant", action="store_true", help="skip the run on the embedded channel layer")
    ap.add_argument("--serve-baseline", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_baseline:
        asyncio.run(_baseline_server(args.serve_baseline))
        return {}
    seconds = args.seconds or (15.0 if args.quick else 60.0)
    count = max(1, int(args.rate * seconds))
    n = args.clients

    with c.temp_data_dir() as tmp:
        c.setup_django(tmp)
        from django.db import connections

        t0 = time.perf_counter()
        demo = c.build_small_demo(days=2, scale=0.02, seed=args.seed)
        user = c.staff_user("dispatcher")
        keys = [c.session_for(user) for _ in range(n)]
        poster = c.session_for(user)
        lons, lats = c.random_points_inside(demo.polres, 200, np.random.default_rng(args.seed))
        points = list(zip(lons.tolist(), lats.tolist(), strict=True))
        t_setup = time.perf_counter() - t0
        connections.close_all()  # the server is the only writer from here on

        load_l = c.loadavg()
        layer = asyncio.run(layer_fanout(n, 100 if args.quick else 300))

        # baseline first: a bare websockets broadcast server in its own process
        bport = c.free_port()
        bproc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.live_updates", "--serve-baseline", str(bport)], cwd=str(c.ROOT)
        )
        try:
            c.wait_port(bport, proc=bproc)
            load_b = c.loadavg()
            base = asyncio.run(run_baseline(bport, args.rate, count, n))
        finally:
            bproc.terminate()
            bproc.wait(timeout=10)

        log_path = os.path.join(tmp, "server.log")
        with c.siaga_server(tmp, log_path=log_path) as (port, _proc):
            load_s = c.loadavg()
            ours = asyncio.run(run_siaga(port, keys, poster, points, args.rate, count, n))
            load_e = c.loadavg()
        with open(log_path) as f:
            server_log = f.read()[-2000:]
        from django.conf import settings

        backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
        fixed = None
        if not args.no_variant and backend == "channels.layers.InMemoryChannelLayer":
            # the same, on embedded mode's channel layer (benchmarks/_asgi_variant.py)
            with c.siaga_server(tmp, app="benchmarks._asgi_variant:application") as (port, _proc):
                load_v = c.loadavg()
                fixed = asyncio.run(run_siaga(port, keys, poster, points, args.rate, count, n))

    so, sb = c.summary_ms(ours["lat"]), c.summary_ms(base["lat"])
    sp = c.summary_ms(ours["post_ms"])
    si = c.summary_ms(ours["idle_post_ms"])
    sf, ss = c.summary_ms(ours["ev"]["first"]), c.summary_ms(ours["ev"]["spread"])
    bs = c.summary_ms(base["ev"]["spread"])
    sv = c.summary_ms(fixed["lat"]) if fixed else {}
    svs = c.summary_ms(fixed["ev"]["spread"]) if fixed else {}
    svp = c.summary_ms(fixed["post_ms"]) if fixed else {}
    sl = {k: c.summary_ms(v) for k, v in layer.items()}
    result = {
        "bench": "live_updates",
        "clients": n,
        "connected": ours["connected"],
        "events": ours["posted"],
        "rate_per_s": args.rate,
        "deliveries": so.get("n", 0),
        "missing": ours["missing"],
        "p50_ms": so.get("p50_ms"),
        "p90_ms": so.get("p90_ms"),
        "p99_ms": so.get("p99_ms"),
        "max_ms": so.get("max_ms"),
        "post_p50_ms": sp.get("p50_ms"),
        "post_p99_ms": sp.get("p99_ms"),
        "idle_post_p50_ms": si.get("p50_ms"),
        "idle_post_p99_ms": si.get("p99_ms"),
        "first_client_p50_ms": sf.get("p50_ms"),
        "first_client_p99_ms": sf.get("p99_ms"),
        "fanout_spread_p50_ms": ss.get("p50_ms"),
        "fanout_spread_p99_ms": ss.get("p99_ms"),
        "baseline_spread_p50_ms": bs.get("p50_ms"),
        "http_errors": len(ours["errors"]),
        "layer": backend,
        "fixed_p50_ms": sv.get("p50_ms"),
        "fixed_p99_ms": sv.get("p99_ms"),
        "fixed_spread_p50_ms": svs.get("p50_ms"),
        "fixed_missing": fixed["missing"] if fixed else None,
        "baseline_p50_ms": sb.get("p50_ms"),
        "baseline_p99_ms": sb.get("p99_ms"),
        "baseline_missing": base["missing"],
        "layer_alone_p50_ms": {k: v["p50_ms"] for k, v in sl.items()},
        "layer_alone_p99_ms": {k: v["p99_ms"] for k, v in sl.items()},
        "connect_200_s": round(ours["connect_s"], 2),
        "goal_p99_ms": 250,
        "loadavg": load_e,
        "setup_s": round(t_setup, 1),
    }
    print(
        f"live updates · {c.machine()} · load average {load_s} (start) / {load_e} (end); baseline at {load_b}"
        + (f"; embedded layer at {load_v}" if fixed else "")
    )
    print(f"  siaga run's channel layer: {backend}")
    print(
        f"  {n} clients ({ours['connected']} connected in {ours['connect_s']:.1f} s,"
        f" {len(ours['failed'])} failed), {ours['posted']} incidents created at {args.rate}/s,"
        f" {len(ours['errors'])} HTTP errors"
    )
    c.print_table(
        "",
        ["event → client", "deliveries", "missing", "p50 ms", "p90 ms", "p99 ms", "max ms"],
        [
            [
                "ours: POST start → WS client (siaga run)",
                so.get("n", 0),
                ours["missing"],
                so.get("p50_ms"),
                so.get("p90_ms"),
                so.get("p99_ms"),
                so.get("max_ms"),
            ],
            [
                "  of which the POST round trip",
                sp.get("n", 0),
                "",
                sp.get("p50_ms"),
                sp.get("p90_ms"),
                sp.get("p99_ms"),
                sp.get("max_ms"),
            ],
            [
                "  first of 200 clients, per event",
                sf.get("n", 0),
                "",
                sf.get("p50_ms"),
                sf.get("p90_ms"),
                sf.get("p99_ms"),
                sf.get("max_ms"),
            ],
            [
                "  fan-out spread (last − first client)",
                ss.get("n", 0),
                "",
                ss.get("p50_ms"),
                ss.get("p90_ms"),
                ss.get("p99_ms"),
                ss.get("max_ms"),
            ],
            [
                "  the same POST with no client connected",
                si.get("n", 0),
                "",
                si.get("p50_ms"),
                si.get("p90_ms"),
                si.get("p99_ms"),
                si.get("max_ms"),
            ],
            *(
                [
                    [
                        "ours on the embedded layer (_asgi_variant)",
                        sv.get("n", 0),
                        fixed["missing"],
                        sv.get("p50_ms"),
                        sv.get("p90_ms"),
                        sv.get("p99_ms"),
                        sv.get("max_ms"),
                    ],
                    [
                        "  of which the POST round trip",
                        svp.get("n", 0),
                        "",
                        svp.get("p50_ms"),
                        svp.get("p90_ms"),
                        svp.get("p99_ms"),
                        svp.get("max_ms"),
                    ],
                    [
                        "  fan-out spread (last − first client)",
                        svs.get("n", 0),
                        "",
                        svs.get("p50_ms"),
                        svs.get("p90_ms"),
                        svs.get("p99_ms"),
                        svs.get("max_ms"),
                    ],
                ]
                if fixed
                else []
            ),
            [
                "baseline: bare websockets broadcast",
                sb.get("n", 0),
                base["missing"],
                sb.get("p50_ms"),
                sb.get("p90_ms"),
                sb.get("p99_ms"),
                sb.get("max_ms"),
            ],
            [
                "  baseline fan-out spread",
                bs.get("n", 0),
                "",
                bs.get("p50_ms"),
                bs.get("p90_ms"),
                bs.get("p99_ms"),
                bs.get("max_ms"),
            ],
            ["TicketsCAD, reported (not rerun)", "", "", 1460, "", 2900, ""],
        ],
    )
    print(f"  the channel layer alone, {n} members, group_send → last receive (in process, load {load_l}):")
    c.print_table(
        "",
        ["layer, message", "events", "p50 ms", "p90 ms", "p99 ms", "max ms"],
        [
            [label, sl[k]["n"], sl[k]["p50_ms"], sl[k]["p90_ms"], sl[k]["p99_ms"], sl[k]["max_ms"]]
            for k, label in (
                ("channels_dict", "Channels' InMemoryChannelLayer, event as a dict (before)"),
                ("channels_text", "Channels' InMemoryChannelLayer, pre-encoded text"),
                ("embedded_text", "siaga.core.layers.EmbeddedChannelLayer, pre-encoded text"),
            )
        ],
    )
    print(f"  goal p99 ≤ 250 ms: {'met' if (so.get('p99_ms') or 1e9) <= 250 else 'NOT met'}")
    for e in (ours["failed"] + ours["errors"] + (fixed["failed"] + fixed["errors"] if fixed else []))[:5]:
        print("  error:", e)
    if ours["errors"] or ours["failed"]:
        print("  server log tail:", server_log[-800:])
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
