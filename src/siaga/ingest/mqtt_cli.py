"""`siaga ingest` subcommands for MQTT (the `ingest` command imports add_subcommands and handle):

siaga ingest mqtt [--url URL] [--client-id ID] [--shared] [--batch-size N] [--batch-wait-ms MS] [--retire]
    an ingest worker: subscribe, batch into pipeline.accept, acknowledge after commit; SIGTERM stops it
    after the batch in hand (whatever it had not acknowledged, the broker redelivers). --retire: drain
    what the broker queued for this client id, then end its session (a shared worker leaving for good).
siaga ingest mosquitto-passwd --password-file PATH --acl-file PATH
    write Mosquitto's password file and ACL from the registered devices, so that the broker itself
    refuses unknown clients and lets each device publish only to its own topic. Send the broker SIGHUP
    to reload them.
"""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

SUBCOMMANDS = ("mqtt", "mosquitto-passwd")


def add_subcommands(subparsers) -> None:
    worker = subparsers.add_parser("mqtt", help="run an MQTT ingest worker (SIAGA_MQTT_URL)")
    worker.add_argument("--url", default=None, help="broker, mqtt://user:pass@host:port (SIAGA_MQTT_URL)")
    worker.add_argument(
        "--client-id", default=None, help="stable id of this worker's session (SIAGA_MQTT_CLIENT_ID)"
    )
    worker.add_argument(
        "--shared",
        action="store_true",
        default=None,
        help="share the topics with other workers ($share/siaga/...; SIAGA_MQTT_SHARED=1)",
    )
    worker.add_argument(
        "--retire",
        action="store_true",
        help="leave for good: drain what the broker queued for this client id, then end its session",
    )
    worker.add_argument("--batch-size", type=int, default=500)
    worker.add_argument("--batch-wait-ms", type=int, default=50)

    files = subparsers.add_parser(
        "mosquitto-passwd", help="write Mosquitto's password file and ACL from the registered devices"
    )
    files.add_argument("--password-file", required=True)
    files.add_argument("--acl-file", required=True)


def handle(opts: Any, stdout=None, stderr=None) -> int:
    """Run the subcommand named by opts.subcommand (or opts.action); returns an exit code."""
    name = getattr(opts, "subcommand", None) or getattr(opts, "action", None)
    if name == "mqtt":
        return run_worker(opts, stdout=stdout, stderr=stderr)
    if name == "mosquitto-passwd":
        return write_broker_files(opts, stdout=stdout)
    raise ValueError(f"not an MQTT subcommand: {name}")


# --- the worker ------------------------------------------------------------------------------------


def run_worker(opts: Any, stdout=None, stderr=None) -> int:
    from django.conf import settings

    from .mqtt import BrokerConfig, Subscriber, tune_gc_for_batches

    url = getattr(opts, "url", None) or settings.MQTT_URL
    if not url:
        _write(stderr, "No broker: set SIAGA_MQTT_URL or pass --url mqtt://host:1883")
        return 2
    try:
        config = BrokerConfig.from_url(url, client_id=opts.client_id, shared=opts.shared)
    except ValueError as e:
        _write(stderr, str(e))
        return 2
    sub = Subscriber(
        config, batch_size=max(1, opts.batch_size), batch_wait_s=max(0, opts.batch_wait_ms) / 1000
    )

    def stop(signum, frame):
        sub.stopped.set()  # run() returns after the batch in hand; disconnect below

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tune_gc_for_batches()  # this process does nothing else
    sub.start()
    if getattr(opts, "retire", False):
        drained = sub.retire()
        _write(stdout, f"MQTT session {config.client_id} ended; {drained} queued messages stored first")
        return 0
    mode = "shared" if config.shared else "exclusive"
    _write(stdout, f"MQTT ingest worker {config.client_id} ({mode}) on {config.host}:{config.port}")
    try:
        sub.run()
    finally:
        sub.stop()
        _write(stdout, "stopped: " + ", ".join(f"{k}={v}" for k, v in sorted(sub.stats.items())))
    return 0


def _write(stream, text: str) -> None:
    if stream is not None:
        stream.write(text if text.endswith("\n") else text + "\n")
    else:
        print(text)


# --- broker files --------------------------------------------------------------------------------------


def device_topics(ref: str, polres_code: str) -> tuple[list[str], list[str]] | None:
    """(topics the device may publish to, topics it may read). An OwnTracks ref "user/device" publishes
    under owntracks/user/device (and its event/waypoint subtopics) and reads its command topic; any
    other device publishes its generic JSON to siaga/{polres}/devices/{ref}/events. None for a ref that
    cannot name an MQTT topic (wildcards + or #, or more than one /)."""
    levels = ref.split("/")
    if "+" in ref or "#" in ref or len(levels) > 2 or not all(levels):
        return None
    if ref.count("/") == 1:
        base = f"owntracks/{ref}"
        return [base, f"{base}/event", f"{base}/waypoint", f"{base}/waypoints", f"{base}/info"], [
            f"{base}/cmd"
        ]
    return [f"siaga/{polres_code}/devices/{ref}/events"], []


def worker_credentials(url: str | None) -> tuple[str, str] | None:
    """The ingest workers' own user, from SIAGA_MQTT_URL (mqtt://user:pass@host)."""
    if not url:
        return None
    parts = urlparse(url)
    if not parts.username or parts.password is None:
        return None
    return unquote(parts.username), unquote(parts.password)


def broker_files(
    devices, worker: tuple[str, str] | None, skipped: list[str] | None = None
) -> tuple[str, str]:
    """(password file text, ACL text). `devices`: (mqtt_username, password_hash, ref, polres_code);
    devices whose ref cannot be a topic are left out and their refs appended to `skipped`."""
    from .devices import mosquitto_hash

    passwd: list[str] = []
    acl = ["# Written by `siaga ingest mosquitto-passwd`: do not edit, re-run it.", ""]
    if worker:
        user, password = worker
        passwd.append(f"{user}:{mosquitto_hash(password)}")
        acl += [
            "# the ingest workers (SIAGA_MQTT_URL)",
            f"user {user}",
            "topic read owntracks/#",
            "topic read siaga/+/devices/+/events",
            "",
        ]
    for username, password_hash, ref, polres_code in devices:
        topics = device_topics(ref, polres_code)
        if topics is None:
            if skipped is not None:
                skipped.append(ref)
            continue
        passwd.append(f"{username}:{password_hash}")
        writes, reads = topics
        acl.append(f"user {username}")
        acl += [f"topic write {t}" for t in writes]
        acl += [f"topic read {t}" for t in reads]
        acl.append("")
    return "\n".join(passwd) + "\n", "\n".join(acl)


def registered_devices() -> list[tuple[str, str, str, str]]:
    """Active devices that have MQTT credentials (the system's view: the CLI runs as the installation)."""
    from .models import Device

    rows = (
        Device.objects.filter(active=True, mqtt_username__isnull=False)
        .exclude(mqtt_username="")
        .exclude(mqtt_password_hash="")
        .order_by("mqtt_username")
        .values_list("mqtt_username", "mqtt_password_hash", "ref", "polres__code")
    )
    return list(rows)


def _write_atomically(path: Path, text: str, mode: int) -> None:
    """Mosquitto may reload at any moment: it sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_broker_files(opts: Any, stdout=None) -> int:
    from django.conf import settings

    devices = registered_devices()
    worker = worker_credentials(settings.MQTT_URL)
    skipped: list[str] = []
    passwd, acl = broker_files(devices, worker, skipped)
    _write_atomically(Path(opts.password_file), passwd, 0o640)  # hashes only, still not for everyone
    _write_atomically(Path(opts.acl_file), acl, 0o644)
    who = " and the ingest workers' user" if worker else " (no SIAGA_MQTT_URL user: workers need one)"
    written = len(devices) - len(skipped)
    _write(stdout, f"{written} devices{who} written to {opts.password_file} and {opts.acl_file}")
    if skipped:
        _write(
            stdout, "left out, their id cannot be an MQTT topic (+, # or several /): " + ", ".join(skipped)
        )
    return 0
