"""Demo content of the device gateway, made through its services inside the demo builder's transaction:
officers' phones (OwnTracks) and vehicle trackers (OsmAnd) on patrol units, panic buttons at a bank and
markets, CCTV cameras at busy places and ANPR cameras on main roads of Kota Bekasi (approximate points),
registered by Kabag Ops. Their history comes from messages pushed through `pipeline.accept` like any
device's: a few fixes per tracker and phone (one resent), a crowd alert from a camera, plate reads, and
one fix refused. The tokens the registry returns are used for those messages and never shown."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from siaga.accounts.models import User
from siaga.core.context import acting
from siaga.core.roles import Role

from . import devices
from .models import DeviceKind
from .pipeline import Inbound, accept

# (unit callsign, OwnTracks user/device): phones of patrol officers, reporting over MQTT
PHONES = (
    ("SMP-R2-01", "brigadir.andi/hp"),
    ("SMP-R2-02", "bripka.sari/hp"),
    ("SMP-R2-03", "briptu.yoga/hp"),
    ("SMP-R4-02", "aipda.rahmat/hp"),
    ("LTS-R2-01", "bripda.nina/hp"),
)
# (unit callsign, OsmAnd id): GPS trackers wired into vehicles, reporting over HTTP
TRACKERS = (
    ("SMP-R4-01", "gps-smp-r4-01"),
    ("SMP-R4-03", "gps-smp-r4-03"),
    ("LTS-PWL-01", "gps-lts-pwl-01"),
)
# (name, ref, lon, lat): approximate positions read off public maps
PANIC_BUTTONS = (
    ("Tombol darurat Bank BRI Juanda", "pb-bri-juanda", 107.0062, -6.2374),
    ("Tombol darurat Pasar Baru Bekasi", "pb-pasar-baru", 107.0010, -6.2385),
    ("Tombol darurat Pasar Kranji", "pb-pasar-kranji", 106.9790, -6.2250),
)
CCTV = (
    ("CCTV Stasiun Bekasi", "cctv-stasiun-bekasi", 107.0005, -6.2368),
    ("CCTV Terminal Induk Bekasi", "cctv-terminal-induk", 107.0080, -6.2490),
    ("CCTV Summarecon Mall Bekasi", "cctv-summarecon", 107.0000, -6.2255),
    ("CCTV Bundaran Harapan Indah", "cctv-harapan-indah", 106.9790, -6.1860),
    ("CCTV Simpang Bekasi Cyber Park", "cctv-bcp", 106.9910, -6.2492),
)
ANPR = (
    ("ANPR Jl. Ahmad Yani", "anpr-ahmad-yani", 106.9950, -6.2400),
    ("ANPR Jl. KH Noer Ali", "anpr-noer-ali", 106.9700, -6.2520),
)
PLATES = ("B 1734 KFA", "B 2291 TQZ", "B 4410 FBN", "F 1288 GH", "B 9021 UCK")
KNOT_KMH = 1.852


def _polsek_of(points) -> list[int | None]:
    from siaga.territory import lookup

    found = lookup.locate_many(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    return [int(pid) if pid > 0 else None for pid in found.polsek_id.tolist()]


def _register(actor, polres) -> tuple[dict[str, str], dict[str, object]]:
    """Register every demo device: ({ref: token}, {callsign: unit})."""
    from siaga.cad.models import Unit

    wanted = {c for c, _r in PHONES + TRACKERS}
    units = {u.callsign: u for u in Unit.objects.filter(polres=polres, callsign__in=wanted)}
    tokens: dict[str, str] = {}

    def add(name, kind, ref, **kw):
        _d, tokens[ref] = devices.register(polres, name=name, kind=kind, ref=ref, user=actor, **kw)

    for callsign, ref in PHONES:
        if callsign in units:
            unit = units[callsign]
            add(f"HP {callsign}", DeviceKind.PHONE, ref, unit=unit, polsek=unit.polsek_id)
    for callsign, ref in TRACKERS:
        if callsign in units:
            add(f"GPS {callsign}", DeviceKind.TRACKER, ref, unit=units[callsign])
    fixed = ((DeviceKind.PANIC_BUTTON, PANIC_BUTTONS), (DeviceKind.CCTV, CCTV), (DeviceKind.ANPR, ANPR))
    for kind, rows in fixed:
        polseks = _polsek_of([(r[2], r[3]) for r in rows])
        for (name, ref, lon, lat), polsek in zip(rows, polseks, strict=True):
            add(name, kind, ref, lat=lat, lon=lon, polsek=polsek)
    return tokens, units


def _walk(unit, k: int, n: int, seed: int) -> tuple[float, float]:
    """The unit's k-th of n fixes: a few hundred metres a minute along a heading, ending near its place."""
    heading = math.radians((seed * 47 + unit.pk * 83) % 360)
    back = (n - 1 - k) * 0.0025  # ~280 m per minute: a patrol at ~17 km/h
    return round(unit.lat - back * math.cos(heading), 6), round(unit.lon - back * math.sin(heading), 6)


def _messages(tokens, units, now: dt.datetime, seed: int) -> list[Inbound]:
    batch: list[Inbound] = []
    minute = dt.timedelta(minutes=1)
    for callsign, ref in PHONES:
        unit = units.get(callsign)
        if unit is None or unit.lat is None:
            continue
        for k in range(3):
            lat, lon = _walk(unit, k, 3, seed)
            at = now - (2 - k) * minute
            payload = {"_type": "location", "lat": lat, "lon": lon, "tst": int(at.timestamp()), "acc": 8,
                       "vel": 17, "batt": 80 - k, "tid": ref[:2], "t": "u"}  # fmt: skip
            batch.append(Inbound("mqtt", "owntracks", ref, payload, at + dt.timedelta(seconds=2)))
            if k == 1 and callsign == PHONES[0][0]:  # the app resends when the PUBACK was lost
                batch.append(Inbound("mqtt", "owntracks", ref, dict(payload), at + dt.timedelta(seconds=9)))
    for callsign, ref in TRACKERS:
        unit = units.get(callsign)
        if unit is None or unit.lat is None:
            continue
        for k in range(4):
            lat, lon = _walk(unit, k, 4, seed)
            at = now - (3 - k) * minute
            query = {"id": ref, "lat": lat, "lon": lon, "timestamp": int(at.timestamp()),
                     "speed": round(17 / KNOT_KMH, 1), "batt": 100}  # fmt: skip
            batch.append(Inbound("http", "osmand", ref, query, at, credential=tokens[ref]))
    # a tracker that lost its GPS fix sends (0, 0): refused as null_island
    ref = TRACKERS[-1][1]
    if ref in tokens:
        bad = {"id": ref, "lat": 0, "lon": 0, "timestamp": int((now - 30 * minute).timestamp())}
        batch.append(Inbound("http", "osmand", ref, bad, now - 30 * minute, credential=tokens[ref]))
    # the station camera's analytics see a crowd on the platform
    ref = CCTV[0][1]
    crowd = {"device": ref, "id": f"{ref}-ev-1", "type": "cctv", "event": "crowd", "confidence": 0.87,
             "at": (now - 4 * minute).isoformat(), "image": f"cctv/{ref}/ev-1.jpg",
             "details": {"people": 140, "zone": "peron 2"}}  # fmt: skip
    batch.append(Inbound("http", "generic", ref, crowd, now - 4 * minute, credential=tokens[ref]))
    for j, (_name, ref, _lon, _lat) in enumerate(ANPR):
        for k in range(2):
            at = now - (6 - 2 * j - k) * minute
            plate = PLATES[(seed + 2 * j + k) % len(PLATES)]
            read = {"device": ref, "id": f"{ref}-{k + 1}", "type": "anpr", "plate": plate,
                    "confidence": 0.9, "at": at.isoformat()}  # fmt: skip
            batch.append(Inbound("http", "generic", ref, read, at, credential=tokens[ref]))
    return batch


def build(polres, now: dt.datetime, seed: int = 0) -> dict[str, int]:
    actor = User.objects.filter(username="kabagops", role=Role.KABAG_OPS, is_active=True).first()
    if actor is None:
        return {}
    with acting(actor, f"demo-devices-{seed}"):
        tokens, units = _register(actor, polres)
    outcomes = accept(_messages(tokens, units, now, seed))
    return {
        "devices": len(tokens),
        "device_messages": sum(o.status == "accepted" for o in outcomes),
        "device_rejected": sum(o.status == "rejected" for o in outcomes),
    }
