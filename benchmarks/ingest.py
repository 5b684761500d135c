"""MQTT ingestion end to end: OwnTracks positions from 1,000 simulated phones through a real Mosquitto into
the database, beside Mosquitto's own publish → receive rate measured in the same run.

    python -m benchmarks.ingest [--quick] [--devices 1000] [--fixes N] [--broker mqtt://host:port]
                                [--database-url postgresql://...] [--profile]

Builds the demo Polres in a temporary data directory, adds `--devices` units and registers one OwnTracks
phone on each (through the services), starts a private Mosquitto on a free port (or uses `--broker`),
then runs two phases with the same publishers: one asyncio process holding one MQTT connection per
device, each publishing its fixes (QoS 1, one second apart in device time, a few metres apart) as fast
as the broker takes them.
- raw:  a plain paho subscriber (QoS 1, automatic acknowledgement, no processing) counts the messages;
        rate = messages / (last received − first sent); run first and last, the better one is reported;
- ours: `siaga.ingest.mqtt.Subscriber` (persistent session, manual acknowledgement after commit, batches
        of up to 500 or 50 ms) into `pipeline.accept`; rate = positions / (the commit that made the last
        one durable − first sent). Then every unit is checked to show its device's newest fix.
- adapter only: the same Subscriber into a stand-in accept that stores nothing (the MQTT side's cost).
- ours, geofence hook off: the same again with siaga.geofences.engine.observe replaced by a no-op.
Also the time spent inside `pipeline.accept` (its own rate), and with --profile its top functions.
Goal: ≥ 5,000 positions/s end to end. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import math
import os
import pstats
import shutil
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from . import _common as c

# --- publishers: raw MQTT 3.1.1 over asyncio, one connection per device (a separate process) ------------


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _utf8(s: str) -> bytes:
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def _connect_packet(client_id: str) -> bytes:
    body = _utf8("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60) + _utf8(client_id)
    return b"\x10" + _remaining_length(len(body)) + body


def _publish_packet(topic: str, payload: bytes, mid: int) -> bytes:
    body = _utf8(topic) + struct.pack("!H", mid) + payload
    return b"\x32" + _remaining_length(len(body)) + body  # PUBLISH, QoS 1


async def _device(host: str, port: int, ref: str, payloads: list[bytes], go: asyncio.Event, ready) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(_connect_packet("bench-" + ref.replace("/", "-")))
    await writer.drain()
    connack = await reader.readexactly(4)
    if connack[3] != 0:
        raise RuntimeError(f"broker refused {ref}: {connack!r}")
    ready()
    await go.wait()
    topic = f"owntracks/{ref}"
    writer.write(b"".join(_publish_packet(topic, p, i + 1) for i, p in enumerate(payloads)))
    await writer.drain()
    for _ in payloads:  # PUBACK: 0x40 0x02 mid
        await reader.readexactly(4)
    writer.write(b"\xe0\x00")  # DISCONNECT
    await writer.drain()
    writer.close()


async def _publish_all(host: str, port: int, plan: dict[str, list[bytes]]) -> dict:
    go = asyncio.Event()
    connected = 0

    def ready():
        nonlocal connected
        connected += 1

    tasks = [asyncio.create_task(_device(host, port, ref, p, go, ready)) for ref, p in plan.items()]
    while connected < len(plan):
        await asyncio.sleep(0.01)
        for t in tasks:
            if t.done() and t.exception():
                raise t.exception()
    print("connected", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
    t0 = time.time()
    go.set()
    await asyncio.gather(*tasks)
    return {"first_sent": t0, "all_acked": time.time()}


def publisher_main(host: str, port: int, plan_path: str) -> None:
    raw = json.loads(Path(plan_path).read_text())
    plan = {ref: [json.dumps(p, separators=(",", ":")).encode() for p in msgs] for ref, msgs in raw.items()}
    print(json.dumps(asyncio.run(_publish_all(host, port, plan))), flush=True)


class Publishers:
    """The publisher process: connects every device, then publishes on go()."""

    def __init__(self, host: str, port: int, plan: dict[str, list[dict]], workdir: str):
        path = Path(workdir) / f"plan-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(plan))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.ingest", "--publisher", host, str(port), str(path)],
            cwd=str(c.ROOT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        if line.strip() != "connected":
            raise RuntimeError(f"publishers did not connect: {line!r}")

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def result(self) -> dict:
        out = self.proc.stdout.readline()
        self.proc.wait(timeout=60)
        return json.loads(out)


# --- broker ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def private_mosquitto(workdir: str):
    """Mosquitto on a free loopback port: no persistence file, no cap on queued messages."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = c.free_port()
    conf = Path(workdir) / "mosquitto.conf"
    import getpass

    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
        f"max_connections -1\nuser {getpass.getuser()}\nlog_dest none\n"
    )
    proc = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.DEVNULL)  # "run as root" warning
    try:
        c.wait_port(port, timeout=10, proc=proc)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- world ------------------------------------------------------------------------------------------------


def build_world(n_devices: int, seed: int):
    """The demo Polres + n units, each tracked by one registered OwnTracks phone "bench/dNNNN"."""
    from siaga.cad.models import Unit
    from siaga.core.context import acting
    from siaga.ingest import devices

    demo = c.build_small_demo(days=1, scale=0.02, seed=seed)
    polres = demo.polres
    c.add_available_units(polres, n_devices, seed=seed + 3, prefix="MQ")
    units = list(
        Unit.objects.filter(polres=polres, callsign__startswith="MQ")
        .order_by("pk")
        .values_list("pk", "lat", "lon")[:n_devices]
    )
    with acting(None, "bench-ingest"):
        for i, (pk, _lat, _lon) in enumerate(units):
            devices.register(polres, name=f"HP {i}", kind="phone", ref=f"bench/d{i:04d}", unit=pk)
    return polres, units


def make_plan(units, fixes: int, tst0: int, rng: np.random.Generator) -> dict[str, list[dict]]:
    """Each device walks from its unit's spot, ~5 m a second in device time (18 km/h), one fix a second."""
    plan = {}
    for i, (_pk, lat, lon) in enumerate(units):
        bearing = rng.uniform(0, 2 * math.pi)
        dlat = 5 / 111_320 * math.cos(bearing)
        dlon = 5 / (111_320 * math.cos(math.radians(lat))) * math.sin(bearing)
        plan[f"bench/d{i:04d}"] = [
            {
                "_type": "location",
                "lat": round(lat + k * dlat, 7),
                "lon": round(lon + k * dlon, 7),
                "tst": tst0 + k,
                "acc": 8,
                "vel": 18,
                "batt": 80,
                "tid": "hp",
            }
            for k in range(fixes)
        ]
    return plan


# --- the two phases ----------------------------------------------------------------------------------------


def raw_phase(host: str, port: int, plan, workdir: str) -> dict:
    import paho.mqtt.client as paho

    total = sum(len(v) for v in plan.values())
    got = {"n": 0, "last": 0.0}
    done = threading.Event()

    def on_message(client, userdata, message):
        got["n"] += 1
        got["last"] = time.time()
        if got["n"] >= total:
            done.set()

    sub = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="bench-raw", protocol=paho.MQTTv5)
    sub.on_message = on_message
    subscribed = threading.Event()
    sub.on_subscribe = lambda *a: subscribed.set()
    sub.connect(host, port)
    sub.subscribe("owntracks/#", qos=1)
    sub.loop_start()
    subscribed.wait(10)
    pubs = Publishers(host, port, plan, workdir)
    pubs.go()
    done.wait(300)
    times = pubs.result()
    sub.disconnect()
    sub.loop_stop()
    elapsed = got["last"] - times["first_sent"]
    return {"messages": got["n"], "sent": total, "seconds": elapsed, "rate": got["n"] / elapsed}


def ours_phase(host: str, port: int, plan, workdir: str, profile: bool, adapter_only: bool = False) -> dict:
    """Our subscriber into pipeline.accept; with adapter_only, into a stand-in that stores nothing (the
    cost of the MQTT side alone: parsing, batching, acknowledging after the call)."""
    from siaga.ingest import mqtt, pipeline

    def null_accept(batch):
        return [pipeline.Outcome("accepted") for _ in batch]

    real_accept = null_accept if adapter_only else pipeline.accept

    total = sum(len(v) for v in plan.values())
    state = {"outcomes": 0, "accept_s": 0.0, "batches": 0, "last_commit": 0.0, "sizes": []}
    prof = cProfile.Profile() if profile else None
    done = threading.Event()

    def accept(batch):
        t = time.perf_counter()
        if prof:
            prof.enable()
        outcomes = real_accept(batch)
        if prof:
            prof.disable()
        state["accept_s"] += time.perf_counter() - t
        state["batches"] += 1
        state["sizes"].append(len(batch))
        state["outcomes"] += len(outcomes)
        state["last_commit"] = time.time()
        if state["outcomes"] >= total:
            done.set()
        return outcomes

    config = mqtt.BrokerConfig(host=host, port=port, client_id=f"bench-ours-{time.monotonic_ns()}")
    sub = mqtt.Subscriber(config, accept).start()
    if not sub.subscribed.wait(10):
        raise RuntimeError("our subscriber did not subscribe")
    worker = threading.Thread(target=sub.run, daemon=True)
    worker.start()
    pubs = Publishers(host, port, plan, workdir)
    pubs.go()
    done.wait(600)
    times = pubs.result()
    sub.stopped.set()
    worker.join(10)
    sub.stop(end_session=True)  # leave nothing queued for this run on a shared broker
    elapsed = state["last_commit"] - times["first_sent"]
    top = ""
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(25)
        top = s.getvalue()
    return {
        "positions": int(sub.stats["accepted"]),
        "duplicates": int(sub.stats["duplicate"]),
        "rejected": {k: v for k, v in sub.stats.items() if k.startswith("rejected.")},
        "sent": total,
        "seconds": elapsed,
        "rate": sub.stats["accepted"] / elapsed if elapsed > 0 else float("nan"),
        "accept_s": state["accept_s"],
        "accept_rate": state["outcomes"] / state["accept_s"] if state["accept_s"] else float("nan"),
        "batches": state["batches"],
        "batch_mean": float(np.mean(state["sizes"])) if state["sizes"] else 0.0,
        "publish_s": times["all_acked"] - times["first_sent"],
        "profile": top,
    }


@contextlib.contextmanager
def geofence_hook_off():
    """pipeline.accept without the geofence rules it calls after commit (yields False if there are none)."""
    try:
        from siaga.geofences import engine
    except ImportError:
        yield False
        return
    observe = engine.observe
    engine.observe = lambda polres_id, fixes: None
    try:
        yield True
    finally:
        engine.observe = observe


def check_latest(plan, units) -> int:
    """How many units do NOT show their device's newest fix (lat, lon, time)."""
    import datetime as dt

    from siaga.cad.models import Unit

    now = {pk: (lat, lon, at) for pk, lat, lon, at in Unit.objects.filter(
        pk__in=[u[0] for u in units]).values_list("pk", "lat", "lon", "position_at")}  # fmt: skip
    wrong = 0
    for i, (pk, _lat, _lon) in enumerate(units):
        last = plan[f"bench/d{i:04d}"][-1]
        lat, lon, at = now[pk]
        if (lat, lon, at) != (last["lat"], last["lon"], dt.datetime.fromtimestamp(last["tst"], dt.UTC)):
            wrong += 1
    return wrong


def _fresh_database(url: str) -> None:
    """Drop and re-create the database named in `url` (a benchmark's own database only)."""
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.pop("dbname")
    with psycopg.connect(psycopg.conninfo.make_conninfo(**info, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 fixes per device")
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--fixes", type=int, default=None, help="fixes per device (default 20; --quick 3)")
    ap.add_argument(
        "--broker", default="", help="mqtt://host:port of an existing broker (default: a private one)"
    )
    ap.add_argument("--database-url", default="", help="e.g. PostgreSQL (the database is emptied first)")
    ap.add_argument("--profile", action="store_true", help="cProfile pipeline.accept")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    fixes = args.fixes or (3 if args.quick else 20)

    with c.temp_data_dir() as tmp, contextlib.ExitStack() as stack:
        if args.database_url:
            _fresh_database(args.database_url)
            os.environ["SIAGA_DATABASE_URL"] = args.database_url
        else:
            os.environ.pop("SIAGA_DATABASE_URL", None)
        c.setup_django(tmp)
        t0 = time.perf_counter()
        _polres, units = build_world(args.devices, args.seed)
        t_setup = time.perf_counter() - t0
        if args.broker:
            from siaga.ingest.mqtt import BrokerConfig

            b = BrokerConfig.from_url(args.broker, client_id="x", shared=False)
            host, port = b.host, b.port
        else:
            host, port = stack.enter_context(private_mosquitto(tmp))
        from siaga.ingest.mqtt import tune_gc_for_batches

        tune_gc_for_batches()  # as `siaga ingest mqtt` does at start (every phase runs in this process)
        rng = np.random.default_rng(args.seed)
        # device time from now on: newer than the units' positions, within the 5 minutes allowed ahead
        tst0 = int(time.time()) + 1
        raw_first = raw_phase(host, port, make_plan(units, fixes, tst0, rng), tmp)
        plan = make_plan(units, fixes, tst0, rng)
        adapter = ours_phase(host, port, make_plan(units, fixes, tst0, rng), tmp, False, adapter_only=True)
        ours = ours_phase(host, port, plan, tmp, args.profile)
        wrong = check_latest(plan, units)
        with geofence_hook_off() as off:
            # the walks go on from where they stopped, one second later: no duplicate, no jump
            last = [plan[f"bench/d{i:04d}"][-1] for i in range(len(units))]
            ends = [(u[0], f["lat"], f["lon"]) for u, f in zip(units, last, strict=True)]
            plan_bare = make_plan(ends, fixes, tst0 + fixes, rng)
            bare = ours_phase(host, port, plan_bare, tmp, False) if off else None
            wrong += check_latest(plan_bare, units) if off else 0
        raw_last = raw_phase(host, port, make_plan(units, fixes, tst0, rng), tmp)
        raw = max(raw_first, raw_last, key=lambda r: r["rate"])  # the broker's best, warm
        from django.db import connection

        vendor = connection.vendor
        connection.close()

    ratio = ours["rate"] / raw["rate"] if raw["rate"] else float("nan")
    broker = "given" if args.broker else "private mosquitto"
    print(f"Machine: {c.machine()}; load {c.loadavg()}; database {vendor}; broker {broker}")
    print(
        f"World: {args.devices} units, an OwnTracks phone each, {fixes} fixes a phone (setup {t_setup:.0f} s)"
    )
    rows = [
        ["raw (paho subscriber, no processing)", raw["messages"], raw["seconds"], raw["rate"]],
        [
            "adapter only (Subscriber → no-op accept)",
            adapter["positions"],
            adapter["seconds"],
            adapter["rate"],
        ],
        ["ours (Subscriber → pipeline.accept)", ours["positions"], ours["seconds"], ours["rate"]],
        *([["ours, geofence hook off", bare["positions"], bare["seconds"], bare["rate"]]] if bare else []),
        ["inside pipeline.accept only", ours["positions"], ours["accept_s"], ours["accept_rate"]],
    ]
    c.print_table(
        "MQTT positions end to end (publish → stored → latest on the unit)",
        ["path", "messages", "seconds", "per second"],
        [[name, n, f"{s:.2f}", f"{r:,.0f}"] for name, n, s, r in rows],
    )
    print(
        f"ours / raw = {ratio:.2f}; batches {ours['batches']} (mean {ours['batch_mean']:.0f} messages); "
        f"duplicates {ours['duplicates']}; rejected {ours['rejected'] or 0}; "
        f"units not at their newest fix {wrong}"
    )
    if ours["profile"]:
        print(ours["profile"])
    result = {
        "bench": "ingest",
        "database": vendor,
        "devices": args.devices,
        "fixes_per_device": fixes,
        "messages": ours["sent"],
        "stored": ours["positions"],
        "positions_per_s": round(ours["rate"]),
        "raw_per_s": round(raw["rate"]),
        "adapter_per_s": round(adapter["rate"]),
        "no_geofence_per_s": round(bare["rate"]) if bare else None,
        "ratio": round(ratio, 3),
        "accept_per_s": round(ours["accept_rate"]),
        "accept_share": round(ours["accept_s"] / ours["seconds"], 3) if ours["seconds"] else None,
        "batch_mean": round(ours["batch_mean"], 1),
        "units_wrong": wrong,
        "raw_received": raw["messages"],
        "goal_per_s": 5000,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--publisher":
        publisher_main(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
