"""The one path every device message takes, whatever carried it (MQTT, HTTP): validate, deduplicate by
device and message id/time, stamp, route (positions to units, panic to a P1 incident, CCTV events to the
room as alerts, ANPR reads to the traffic interface). Adapters (http.py, mqtt.py) only parse transport.

A batch is one transaction and a handful of queries whatever its size: devices, earlier messages and
units are read once; the newest fix of each unit is written by one UPDATE for the batch, the track by one
bulk insert (core/bulk.py), the dedupe ledger by one INSERT … ON CONFLICT DO NOTHING RETURNING whose
unique constraint makes a message count once across processes.
Rejections are counted per Polres, reason and day (RejectCount) and per device.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from siaga.core.bulk import bulk_update_from, insert_values
from siaga.core.context import acting, new_request_id
from siaga.core.errors import ServiceError
from siaga.core.events import Event, publish, publish_many

from .parsers import Message, Reason, Rejection, parse

log = logging.getLogger(__name__)
MAX_SPEED_KMH = 250.0  # faster than any patrol vehicle: a jump, not a drive
RETRIES = 4


@dataclass(frozen=True)
class Inbound:
    """One message as an adapter received it, before validation.

    transport: how it came; protocol: whose format the payload is in; device_ref: how the transport names
    the device (OsmAnd `id`, OwnTracks "{user}/{device}" from the topic, the generic JSON's device id);
    polres_code: the Polres named by the topic (generic MQTT), else None; credential: a token presented
    over HTTP (None on MQTT, where the broker authenticated the client); received_at: arrival (UTC)."""

    transport: Literal["mqtt", "http"]
    protocol: Literal["osmand", "owntracks", "generic"]
    device_ref: str
    payload: dict[str, Any]
    received_at: dt.datetime
    polres_code: str | None = None
    credential: str | None = None


@dataclass
class Outcome:
    """What became of one message: accepted (and routed to `routed`), duplicate, or rejected + reason."""

    status: Literal["accepted", "duplicate", "rejected"]
    reason: str = ""
    routed: list[str] = field(default_factory=list)


def accept(batch: list[Inbound]) -> list[Outcome]:
    """Process a batch; one Outcome per message, in order. Never raises for bad input: bad messages are
    rejected with a reason and counted. Returns only after accepted messages are durable."""
    if not batch:
        return []
    parsed = [_parse(m) for m in batch]
    for attempt in range(RETRIES):
        run = _Run(batch, parsed)
        try:
            with acting(None, new_request_id("ingest")), transaction.atomic():
                run.execute()
        except (IntegrityError, OperationalError) as e:
            # a concurrent worker stored one of these messages first, or a deadlock / busy database:
            # nothing of this attempt is kept; the next one sees the other worker's rows as duplicates
            if attempt == RETRIES - 1:
                raise
            log.info("ingest batch retried (%s): %s", attempt + 1, e)
            time.sleep(0.01 * (attempt + 1))
            continue
        run.after_commit()
        return run.outcomes
    raise AssertionError("unreachable")


def _parse(m: Inbound) -> Message | Rejection:
    try:
        received = m.received_at if m.received_at.tzinfo else m.received_at.replace(tzinfo=dt.UTC)
    except AttributeError:
        return Rejection(Reason.MALFORMED, "received_at")
    return parse(m.protocol, m.payload, received)


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12_742_000.0 * math.asin(min(1.0, math.sqrt(a)))


def speed_kmh(prev: tuple[float, float, dt.datetime], lat: float, lon: float, at: dt.datetime) -> float:
    """Speed implied by two fixes; a jump within the same second counts over one second."""
    seconds = max(abs((at - prev[2]).total_seconds()), 1.0)
    return _haversine_m(prev[0], prev[1], lat, lon) / seconds * 3.6


@dataclass
class _Dev:
    """The columns of a Device the pipeline needs, and what this batch did to it."""

    pk: int
    polres_id: int
    polsek_id: int | None
    name: str
    kind: str
    unit_id: int | None
    lat: float | None
    lon: float | None
    token_hash: str
    active: bool
    last: tuple[float, float, dt.datetime] | None
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    seen: dt.datetime | None = None
    newest: tuple[float, float, dt.datetime] | None = None


class _Run:
    """One attempt at a batch, inside its transaction."""

    def __init__(self, batch: list[Inbound], parsed: list[Message | Rejection]):
        self.batch, self.parsed = batch, parsed
        self.outcomes: list[Outcome] = [Outcome("accepted") for _ in batch]
        self.rejects: Counter[tuple[int, str]] = Counter()
        self.devices: dict[str, _Dev] = {}
        self.fixes: dict[int, list[tuple]] = defaultdict(list)  # polres → geofence fixes

    # --- the steps ---

    def execute(self) -> None:
        self._load_devices()
        todo = self._authorise()
        claimed = self._dedupe(todo)
        todo = self._check_speed(claimed)
        self._route(todo)
        self._ledger(claimed)
        self._count()

    def after_commit(self) -> None:
        if not self.fixes:
            return
        try:
            from siaga.geofences.engine import observe
        except ImportError:
            return
        for polres_id, fixes in self.fixes.items():
            try:
                observe(polres_id, fixes)
            except Exception:  # geofence rules must never cost an accepted position
                log.exception("geofence observe failed for Polres %s", polres_id)

    def _reject(self, i: int, reason: str, dev: _Dev | None = None) -> None:
        self.outcomes[i] = Outcome("rejected", reason)
        self.rejects[(dev.polres_id if dev else 0, reason)] += 1
        if dev is not None:
            dev.rejected += 1

    def _load_devices(self) -> None:
        from .models import Device

        refs = {m.device_ref for m in self.batch if isinstance(m.device_ref, str) and m.device_ref}
        rows = Device.objects.filter(ref__in=refs).values_list(
            "ref", "pk", "polres_id", "polsek_id", "name", "kind", "unit_id", "lat", "lon", "token_hash",
            "active", "last_lat", "last_lon", "last_fix_at", "polres__code",
        )  # fmt: skip
        self.codes: dict[int, str] = {}
        for (
            ref,
            pk,
            polres_id,
            polsek_id,
            name,
            kind,
            unit_id,
            lat,
            lon,
            th,
            active,
            llat,
            llon,
            lat_at,
            code,
        ) in rows:
            last = (llat, llon, lat_at) if lat_at is not None and llat is not None else None
            self.devices[ref] = _Dev(
                pk, polres_id, polsek_id, name, kind, unit_id, lat, lon, th, active, last
            )
            self.codes[polres_id] = code

    def _authorise(self) -> list[tuple[int, _Dev, Message]]:
        from .devices import token_matches

        todo = []
        for i, (m, p) in enumerate(zip(self.batch, self.parsed, strict=True)):
            dev = self.devices.get(m.device_ref) if isinstance(m.device_ref, str) else None
            if dev is None:
                self._reject(i, Reason.UNKNOWN_DEVICE)
                continue
            if m.transport == "http" and not token_matches(dev.token_hash, m.credential):
                self._reject(i, Reason.BAD_CREDENTIAL, dev)
                continue
            if not dev.active:
                self._reject(i, Reason.INACTIVE_DEVICE, dev)
                continue
            if m.polres_code is not None and str(m.polres_code).lower() != self.codes[dev.polres_id].lower():
                self._reject(i, Reason.WRONG_POLRES, dev)
                continue
            dev.seen = max(dev.seen or m.received_at, m.received_at)
            if isinstance(p, Rejection):
                self._reject(i, p.reason, dev)
                continue
            todo.append((i, dev, p))
        return todo

    def _dedupe(self, todo):
        """Claim each message's (device, key) in the ledger with INSERT … ON CONFLICT DO NOTHING
        RETURNING: what comes back is new, the rest was stored before (or by a concurrent worker, whose
        commit the insert waits for on PostgreSQL). Claims of messages refused later are released in
        _ledger."""
        from .models import DeviceMessage

        first: dict[tuple[int, str], int] = {}
        for i, dev, msg in todo:
            if msg.key:
                first.setdefault((dev.pk, msg.key), i)
        now = timezone.now()
        claimed = set(
            insert_values(
                DeviceMessage._meta.db_table,
                (("device_id", "bigint"), ("key", "varchar"), ("received_at", "timestamptz")),
                [(d, k, now) for d, k in first],
                conflict="(device_id, key) DO NOTHING",
                returning="device_id, key",
            )
        )
        out = []
        for i, dev, msg in todo:
            pair = (dev.pk, msg.key)
            if msg.key and (first[pair] != i or pair not in claimed):
                self.outcomes[i] = Outcome("duplicate")
                dev.duplicates += 1
                continue
            out.append((i, dev, msg))
        return out

    def _check_speed(self, todo):
        """A fix is compared with the device's nearest earlier accepted fix in time we know of (its
        stored newest, or one of this batch): a jump faster than MAX_SPEED_KMH is refused."""
        out = []
        for i, dev, msg in todo:
            if msg.type == "position":
                prev = dev.newest or dev.last
                if prev is not None and speed_kmh(prev, msg.lat, msg.lon, msg.at) > MAX_SPEED_KMH:
                    self._reject(i, Reason.IMPOSSIBLE_SPEED, dev)
                    continue
                if dev.newest is None or msg.at >= dev.newest[2]:
                    dev.newest = (msg.lat, msg.lon, msg.at)
            out.append((i, dev, msg))
        return out

    def _route(self, todo) -> None:
        positions = [(i, dev, msg) for i, dev, msg in todo if msg.type == "position"]
        if positions:
            self._positions(positions)
        for i, dev, msg in todo:
            if msg.type == "panic":
                self._panic(i, dev, msg)
            elif msg.type == "cctv":
                self._cctv(i, dev, msg)
        anpr = [(i, dev, msg) for i, dev, msg in todo if msg.type == "anpr"]
        if anpr:
            self._anpr(anpr)
        for i, dev, _msg in todo:
            if self.outcomes[i].status == "accepted":
                dev.accepted += 1

    # --- routes ---

    def _positions(self, positions) -> None:
        from siaga.cad.models import Unit, UnitPosition

        source = {"osmand": "osmand", "owntracks": "owntracks", "generic": "generic"}
        track = []
        newest: dict[int, tuple[float, float, dt.datetime, float | None]] = {}
        for i, dev, msg in positions:
            self.fixes[dev.polres_id].append((dev.unit_id, dev.pk, dev.kind, msg.lat, msg.lon, msg.at))
            self.outcomes[i].routed.append("device")
            if dev.unit_id is None:
                continue
            track.append(
                (
                    dev.unit_id,
                    dev.polres_id,
                    msg.lat,
                    msg.lon,
                    msg.at,
                    msg.speed_kmh,
                    source[self.batch[i].protocol],
                )
            )
            self.outcomes[i].routed.append("history")
            best = newest.get(dev.unit_id)
            if best is None or msg.at > best[2]:
                newest[dev.unit_id] = (msg.lat, msg.lon, msg.at, msg.speed_kmh)
        if track:
            insert_values(
                UnitPosition._meta.db_table,
                (
                    ("unit_id", "bigint"), ("polres_id", "bigint"), ("lat", "float8"), ("lon", "float8"),
                    ("at", "timestamptz"), ("speed_kmh", "float8"), ("source", "varchar"),
                ),
                track,
            )  # fmt: skip
        if not newest:
            return
        # one UPDATE for the batch, "only if newer" per unit; RETURNING says which units moved
        rows = [(pk, lat, lon, at) for pk, (lat, lon, at, _speed) in sorted(newest.items())]
        returned = bulk_update_from(
            Unit._meta.db_table,
            (("id", "bigint"), ("lat", "float8"), ("lon", "float8"), ("at", "timestamptz")),
            rows,
            set_sql="lat = v.lat, lon = v.lon, position_at = v.at",
            where_sql="{t}.position_at IS NULL OR {t}.position_at <= v.at",
            returning="{t}.id, {t}.polres_id, {t}.callsign, {t}.status",
        )
        unit_of_msg = {}
        for i, dev, msg in positions:
            if dev.unit_id in newest and newest[dev.unit_id][2] == msg.at:
                unit_of_msg[dev.unit_id] = i
        moved = []
        for pk, polres_id, callsign, status in sorted(returned):
            lat, lon, at, _speed = newest[pk]
            self.outcomes[unit_of_msg[pk]].routed.append("unit")
            moved.append(
                Event(
                    "cad.unit.position",
                    "cad.unit",
                    pk,
                    polres_id=polres_id,
                    after={"callsign": callsign, "status": status, "lat": lat, "lon": lon, "position_at": at},
                    data={"callsign": callsign, "status": status, "lat": lat, "lon": lon},
                    audit=False,
                )
            )
        publish_many(moved)  # one on-commit hook per subscriber for the whole batch

    def _place(self, dev: _Dev, msg: Message, unit=None) -> tuple[float | None, float | None]:
        if msg.lat is not None:
            return msg.lat, msg.lon
        if unit is not None and unit.lat is not None:
            return unit.lat, unit.lon
        if dev.lat is not None:
            return dev.lat, dev.lon
        if dev.newest is not None:
            return dev.newest[0], dev.newest[1]
        if dev.last is not None:
            return dev.last[0], dev.last[1]
        return None, None

    def _panic(self, i: int, dev: _Dev, msg: Message) -> None:
        from django.utils import translation
        from django.utils.translation import gettext as _

        from siaga.cad import incidents as inc
        from siaga.cad.dispatching import PANIC_CATEGORY, _publish_unit
        from siaga.cad.models import Source, Unit
        from siaga.territory.models import Polres

        from .gateway_user import gateway_user

        unit = Unit.objects.filter(pk=dev.unit_id).first() if dev.unit_id else None
        lat, lon = self._place(dev, msg, unit)
        if lat is None:
            self._reject(i, Reason.NO_POSITION, dev)
            return
        polres = Polres.objects.get(pk=dev.polres_id)
        user = gateway_user(polres)
        with translation.override("id"):
            summary = (
                _("Officer panic: %(u)s") % {"u": unit.callsign}
                if unit
                else _("Panic button: %(d)s") % {"d": dev.name}
            )
        try:
            with transaction.atomic(), acting(user, new_request_id("ingest-panic")):
                incident = inc.create_incident(
                    user,
                    category=PANIC_CATEGORY,
                    priority=1,
                    lat=lat,
                    lon=lon,
                    summary=summary,
                    source=Source.DEVICE,
                    panic=True,
                    polres=polres,
                    at=msg.at,
                    idempotency_key=f"dev{dev.pk}:{msg.key or msg.at.timestamp()}"[:64],
                )
                if unit is not None:
                    Unit.objects.filter(pk=unit.pk).update(lat=lat, lon=lon, position_at=msg.at)
                    unit.refresh_from_db()
                    _publish_unit("cad.unit.panic", unit, incident_id=incident.pk, number=incident.number)
        except ServiceError as e:
            log.warning("panic of device %s refused by the operations room: %s", dev.pk, e.message)
            self._reject(i, Reason.REFUSED, dev)
            return
        self.outcomes[i].routed.append("incident")

    def _cctv(self, i: int, dev: _Dev, msg: Message) -> None:
        from .alerts import raise_alert
        from .cctv import title_of

        lat, lon = (dev.lat, dev.lon) if dev.lat is not None else (msg.lat, msg.lon)
        details = {"event": msg.event, **msg.details}
        if msg.confidence is not None:
            details["confidence"] = msg.confidence
        if msg.image_ref:
            details["image"] = msg.image_ref
        raise_alert(
            polres_id=dev.polres_id,
            kind=f"cctv.{msg.event}",
            title=title_of(msg.event, dev.name),
            lat=lat,
            lon=lon,
            at=msg.at,
            device_id=dev.pk,
            details=details,
            dedupe_key=f"cctv:{dev.pk}:{msg.event}",
        )
        self.outcomes[i].routed.append("alert")

    def _anpr(self, reads) -> None:
        from .models import AnprRead

        rows = []
        for _i, dev, msg in reads:
            lat, lon = (dev.lat, dev.lon) if dev.lat is not None else (msg.lat, msg.lon)
            rows.append(
                AnprRead(
                    polres_id=dev.polres_id,
                    device_id=dev.pk,
                    plate=msg.plate,
                    plate_text=msg.plate_text,
                    at=msg.at,
                    lat=lat,
                    lon=lon,
                    confidence=msg.confidence,
                    image_ref=msg.image_ref,
                )
            )
        made = AnprRead.objects.bulk_create(rows)
        for (i, _dev, _msg), r in zip(reads, made, strict=True):
            self.outcomes[i].routed.append("anpr")
            publish(
                Event(
                    "ingest.anpr.read",
                    "ingest.anprread",
                    r.pk or "",
                    polres_id=r.polres_id,
                    data={
                        "plate": r.plate,
                        "at": r.at,
                        "lat": r.lat,
                        "lon": r.lon,
                        "confidence": r.confidence,
                        "device_id": r.device_id,
                        "image": r.image_ref,
                    },
                    audit=False,
                )
            )

    # --- bookkeeping ---

    def _ledger(self, todo) -> None:
        """Release the claims of messages refused after the dedupe step (a corrected resend may come)."""
        from django.db.models import Q

        from .models import DeviceMessage

        refused = [
            (dev.pk, msg.key) for i, dev, msg in todo if msg.key and self.outcomes[i].status != "accepted"
        ]
        if refused:
            q = Q()
            for device_id, key in refused:
                q |= Q(device_id=device_id, key=key)
            DeviceMessage.objects.filter(q).delete()

    def _count(self) -> None:
        from .models import Device

        rows = [
            (d.pk, d.seen, d.accepted, d.rejected, d.duplicates, *(d.newest or (None, None, None)))
            for d in sorted(self.devices.values(), key=lambda d: d.pk)
            if d.seen is not None
        ]
        newer = "v.fix_at IS NOT NULL AND ({t}.last_fix_at IS NULL OR {t}.last_fix_at <= v.fix_at)"
        bulk_update_from(
            Device._meta.db_table,
            (
                ("id", "bigint"), ("seen", "timestamptz"), ("acc", "bigint"), ("rej", "bigint"),
                ("dup", "bigint"), ("lat", "float8"), ("lon", "float8"), ("fix_at", "timestamptz"),
            ),
            rows,
            set_sql=(
                "last_seen = CASE WHEN {t}.last_seen IS NULL OR {t}.last_seen < v.seen THEN v.seen"
                " ELSE {t}.last_seen END,"
                " accepted_count = {t}.accepted_count + v.acc,"
                " rejected_count = {t}.rejected_count + v.rej,"
                " duplicate_count = {t}.duplicate_count + v.dup,"
                f" last_lat = CASE WHEN {newer} THEN v.lat ELSE {{t}}.last_lat END,"
                f" last_lon = CASE WHEN {newer} THEN v.lon ELSE {{t}}.last_lon END,"
                f" last_fix_at = CASE WHEN {newer} THEN v.fix_at ELSE {{t}}.last_fix_at END"
            ),
        )  # fmt: skip
        if self.rejects:
            count_rejects(self.rejects, timezone.now().date())


def prune_ledger(now: dt.datetime | None = None) -> int:
    """Drop dedupe-ledger rows older than MAX_AGE and a day: a resend that old is refused as stale."""
    from .models import DeviceMessage
    from .parsers import MAX_AGE

    cutoff = (now or timezone.now()) - MAX_AGE - dt.timedelta(days=1)
    deleted, _by_model = DeviceMessage.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def count_rejects(counts: Counter, day: dt.date) -> None:
    """Add to RejectCount rows with one upsert (INSERT … ON CONFLICT DO UPDATE: SQLite and PostgreSQL)."""
    from .models import RejectCount

    table = connection.ops.quote_name(RejectCount._meta.db_table)
    rows = [(polres_id, reason[:40], day, n) for (polres_id, reason), n in sorted(counts.items())]
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} (polres_id, reason, day, n) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (polres_id, reason, day) DO UPDATE SET n = {table}.n + excluded.n",
            rows,
        )
