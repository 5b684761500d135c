"""The geofence engine: position fixes in, enter / leave / dwell alerts out.

`observe(polres_id, fixes)` is called by the device gateway after it has stored positions (and by the
cad position hook in apps.py); `sweep(now)` by the operations ticker, for dwell alerts of subjects that
stopped reporting and to drop states of fences that ended.

Per call: one shapely STRtree query for all the fixes against the active fences of the Polres (the tree
is cached per process and rebuilt when the Polres's fence stamp moves, see services.bump_stamp), one read
of the subjects' states, one read of their units; then, per subject, its fixes in time order against the
fences it is in or was in. A fix older than a state's last fix is ignored for that state.

The moved states of a whole call are written together (core/bulk.py: one INSERT … ON CONFLICT DO NOTHING
for new states, one UPDATE … WHERE version matches for stored ones, 500 rows a statement, each RETURNING
what landed); a state that moved only its position is written at most every REFRESH.

Concurrency: of two workers that saw the same transition, only the one whose write lands raises the
alert; the other re-reads that subject and redoes it alone (in a savepoint, guarded state by state),
finding nothing left to do. A deadlock between workers rolls the call back and it is tried again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import shapely
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from siaga.core.bulk import bulk_update_from, insert_values
from siaga.territory.models import Stamp

from .models import Geofence, GeofenceRule, GeofenceState, Trigger
from .services import stamp_key

log = logging.getLogger(__name__)

Fix = tuple  # (unit_id | None, device_id | None, device_kind, lat, lon, at)
CACHE_MAX_AGE_S = 60.0  # a safety net only: every fence or rule write moves the stamp
RETRIES = 5
# A state whose fix changed nothing but its position is written at most this often: a tracker reporting
# every few seconds inside a Polsek-area fence would otherwise cost one UPDATE per fix. The price: a fix
# arriving out of order by less than this, on the other side of an edge, can still move the state.
REFRESH = dt.timedelta(seconds=30)
STALE_STATE = dt.timedelta(days=7)  # outside-states not touched for this long are dropped by sweep


@dataclass(frozen=True)
class Rule:
    id: int
    trigger: str
    dwell_s: float
    unit_kinds: frozenset[str]
    device_kinds: frozenset[str]
    units: frozenset[int]
    severity: str
    quiet_s: float

    def applies(self, unit_id: int | None, unit_kind: str, device_kind: str) -> bool:
        if not (self.unit_kinds or self.device_kinds or self.units):
            return True
        return (
            (unit_id is not None and unit_id in self.units)
            or (bool(unit_kind) and unit_kind in self.unit_kinds)
            or (bool(device_kind) and device_kind in self.device_kinds)
        )


@dataclass(frozen=True)
class Fence:
    id: int
    name: str
    kind: str
    active_from: float  # POSIX seconds; -inf when open
    active_until: float  # +inf when open
    rules: tuple[Rule, ...]

    def active_at(self, ts: float) -> bool:
        return self.active_from <= ts < self.active_until


@dataclass
class Index:
    """The active fences of one Polres: an STRtree over their polygons, and their rules."""

    fences: list[Fence]
    tree: shapely.STRtree | None
    by_id: dict[int, Fence]
    stamp: tuple | None
    built: float = field(default_factory=time.monotonic)


_indexes: dict[tuple, Index] = {}


def _stamp(polres_id: int) -> tuple | None:
    try:
        row = Stamp.objects.filter(key=stamp_key(polres_id)).values_list("version", "token").first()
    except DatabaseError:  # not migrated yet
        return None
    return tuple(row) if row else None


def _rules_of(rows) -> dict[int, list[Rule]]:
    out: dict[int, list[Rule]] = {}
    for fid, rid, trig, dwell, uk, dk, units, sev, quiet in rows:
        out.setdefault(fid, []).append(
            Rule(
                id=rid,
                trigger=trig,
                dwell_s=dwell * 60.0,
                unit_kinds=frozenset(uk or ()),
                device_kinds=frozenset(dk or ()),
                units=frozenset(int(u) for u in units or ()),
                severity=sev,
                quiet_s=quiet * 60.0,
            )
        )
    return out


def _build(polres_id: int, stamp: tuple | None) -> Index:
    rows = list(
        Geofence.objects.filter(polres_id=polres_id, active=True)
        .order_by("pk")
        .values_list("pk", "name", "kind", "geometry", "active_from", "active_until")
    )
    if not rows:
        return Index([], None, {}, stamp)
    rules = _rules_of(
        GeofenceRule.objects.filter(geofence__polres_id=polres_id, geofence__active=True, active=True)
        .order_by("pk")
        .values_list(
            "geofence_id",
            "pk",
            "trigger",
            "dwell_minutes",
            "unit_kinds",
            "device_kinds",
            "units",
            "severity",
            "quiet_minutes",
        )
    )
    fences, geoms = [], []
    for pk, name, kind, geometry, start, end in rows:
        fences.append(
            Fence(
                id=pk,
                name=name,
                kind=kind,
                active_from=start.timestamp() if start else -math.inf,
                active_until=end.timestamp() if end else math.inf,
                rules=tuple(rules.get(pk, ())),
            )
        )
        geoms.append(shapely.geometry.shape(geometry))
    tree = None
    if geoms:
        arr = np.asarray(geoms, dtype=object)
        shapely.prepare(arr)
        tree = shapely.STRtree(arr)
    return Index(fences, tree, {f.id: f for f in fences}, stamp)


def index(polres_id: int) -> Index:
    """The Polres's fence index, from the process cache while its stamp is unchanged."""
    stamp = _stamp(polres_id)  # read before the fences: a write after this read moves it
    key = (connection.alias, connection.settings_dict.get("NAME"), polres_id)
    hit = _indexes.get(key)
    if hit is None or hit.stamp != stamp or time.monotonic() - hit.built > CACHE_MAX_AGE_S:
        # no stamp yet means no fence was ever written for the Polres: the first write creates it
        hit = _build(polres_id, stamp)
        if len(_indexes) > 256:
            _indexes.clear()
        _indexes[key] = hit
    return hit


# --- fixes -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    unit_id: int | None
    device_id: int | None
    device_kind: str
    lat: float
    lon: float
    at: dt.datetime

    @property
    def subject(self) -> str:
        return f"u:{self.unit_id}" if self.unit_id is not None else f"d:{self.device_id}"


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _clean(fixes: Iterable[Fix], units: dict[int, tuple]) -> list[Point]:
    """Usable fixes: a known unit of the Polres or a device, a finite position on Earth, an aware time."""
    out = []
    for f in fixes:
        try:
            unit_id, device_id, device_kind, lat, lon, at = f
            lat, lon = float(lat), float(lon)
            unit_id, device_id = _int(unit_id), _int(device_id)
        except (TypeError, ValueError):
            continue
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        if not isinstance(at, dt.datetime):
            continue
        if timezone.is_naive(at):
            at = at.replace(tzinfo=dt.UTC)
        if unit_id is not None and unit_id not in units:
            unit_id = None  # not a unit of this Polres: the device is the subject
        if unit_id is None and device_id is None:
            continue
        out.append(Point(unit_id, device_id, str(device_kind or "")[:30], lat, lon, at))
    return out


@dataclass
class Alert:
    """One alert to raise: what the engine hands to ingest.alerts.raise_alert."""

    polres_id: int
    trigger: str
    fence: Fence
    rule: Rule
    point: Point
    label: str  # the unit's callsign; empty for a device

    def raise_it(self) -> object:
        from django.utils.translation import gettext_noop

        from siaga.ingest import alerts

        p = self.point
        # a msgid and its parameters, so that each reader sees the title in their own language
        key = {
            Trigger.ENTER: gettext_noop("%(who)s entered %(fence)s"),
            Trigger.LEAVE: gettext_noop("%(who)s left %(fence)s"),
            Trigger.DWELL: gettext_noop("%(who)s stayed in %(fence)s for %(min)d minutes or more"),
        }[self.trigger]
        who = self.label or {"msgid": gettext_noop("device %(id)s"), "params": {"id": p.device_id}}
        params = {"who": who, "fence": self.fence.name, "min": self.rule.dwell_s // 60}
        return alerts.raise_alert(
            polres_id=self.polres_id,
            kind=f"geofence.{self.trigger}",
            title=alerts.Title(key, params),
            lat=p.lat,
            lon=p.lon,
            at=p.at,
            device_id=p.device_id,
            unit_id=p.unit_id,
            details={
                "geofence_id": self.fence.id,
                "geofence": self.fence.name,
                "geofence_kind": self.fence.kind,
                "rule_id": self.rule.id,
                "trigger": self.trigger,
                "severity": self.rule.severity,
                "subject": p.subject,
            },
            dedupe_key=f"geofence:{self.fence.id}:{self.rule.id}:{p.subject}:{self.trigger}:{int(p.at.timestamp())}",
        )


class _Lost(Exception):
    """Another worker wrote one of the subject's states first: read again and redo the subject."""


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _ts(value: str | None) -> float:
    if not value:
        return -math.inf
    return dt.datetime.fromisoformat(value).timestamp()


@dataclass
class _State:
    """A state row as the engine works on it (`row` None: not stored yet)."""

    row: Row | None
    inside: bool = False
    inside_since: dt.datetime | None = None
    left_at: dt.datetime | None = None
    last_fix_at: dt.datetime | None = None
    lat: float = 0.0
    lon: float = 0.0
    last_alerts: dict = field(default_factory=dict)
    device_kind: str = ""
    changed: bool = False
    next_dwell_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: Row) -> _State:
        return cls(
            row,
            row.inside,
            row.inside_since,
            row.left_at,
            row.last_fix_at,
            row.lat,
            row.lon,
            dict(row.last_alerts or {}),
            row.device_kind,
        )


def _may_alert(state: _State, rule: Rule, at: dt.datetime) -> bool:
    last = _ts(state.last_alerts.get(str(rule.id)))
    return at.timestamp() - last >= rule.quiet_s if rule.quiet_s else True


def _dwell_due(state: _State, rule: Rule, at: dt.datetime) -> bool:
    if not state.inside or state.inside_since is None:
        return False
    if at.timestamp() - state.inside_since.timestamp() < rule.dwell_s:
        return False
    return _ts(state.last_alerts.get(str(rule.id))) < state.inside_since.timestamp()  # once per visit


def _next_dwell(fence: Fence, state: _State, unit_id: int | None, unit_kind: str) -> dt.datetime | None:
    """When the sweep must look at this state next: the earliest time a dwell rule that applies and has
    not fired in this visit comes due (its quiet window counted); None when there is none."""
    if not state.inside or state.inside_since is None:
        return None
    since = state.inside_since.timestamp()
    due = [
        max(since + r.dwell_s, _ts(state.last_alerts.get(str(r.id))) + r.quiet_s)
        for r in fence.rules
        if r.trigger == Trigger.DWELL
        and r.applies(unit_id, unit_kind, state.device_kind)
        and _ts(state.last_alerts.get(str(r.id))) < since
    ]
    return dt.datetime.fromtimestamp(min(due), dt.UTC) if due else None


def _apply(
    polres_id: int,
    fence: Fence,
    state: _State,
    p: Point,
    now_inside: bool,
    unit_kind: str,
    label: str,
    out: list[Alert],
) -> None:
    """One fix against one fence: move the state, append the alerts the fix raises."""
    state.changed = True
    fired: list[tuple[str, Rule]] = []
    if now_inside and not state.inside:
        state.inside, state.inside_since, state.left_at = True, p.at, None
        fired += [(Trigger.ENTER, r) for r in fence.rules if r.trigger == Trigger.ENTER]
    elif state.inside and not now_inside:
        state.inside, state.inside_since, state.left_at = False, None, p.at
        fired += [(Trigger.LEAVE, r) for r in fence.rules if r.trigger == Trigger.LEAVE]
    state.last_fix_at, state.lat, state.lon = p.at, p.lat, p.lon
    if p.device_kind:
        state.device_kind = p.device_kind
    fired += [
        (Trigger.DWELL, r) for r in fence.rules if r.trigger == Trigger.DWELL and _dwell_due(state, r, p.at)
    ]
    for trig, rule in fired:
        if not rule.applies(p.unit_id, unit_kind, state.device_kind):
            continue
        if not _may_alert(state, rule, p.at):
            continue
        state.last_alerts[str(rule.id)] = _iso(p.at)
        out.append(Alert(polres_id, trig, fence, rule, p, label))


class Row(NamedTuple):
    """A stored state as read (tuples: building model instances costs more than the query)."""

    pk: int
    subject: str
    geofence_id: int
    unit_id: int | None
    device_id: int | None
    device_kind: str
    inside: bool
    inside_since: dt.datetime | None
    left_at: dt.datetime | None
    last_fix_at: dt.datetime
    lat: float
    lon: float
    last_alerts: dict
    version: int
    next_dwell_at: dt.datetime | None


def _subject_states(subjects: Sequence[str], fence_ids: Sequence[int]) -> dict[tuple[str, int], Row]:
    """The stored states of these subjects in these fences. Plain SQL: this read runs for every batch of
    fixes, and the ORM's per-row conversions were most of its cost."""
    found: dict[tuple[str, int], Row] = {}
    if not subjects or not fence_ids:
        return found
    table = connection.ops.quote_name(GeofenceState._meta.db_table)
    cols = ", ".join("id" if n == "pk" else n for n in Row._fields)
    fences = ", ".join(str(int(f)) for f in fence_ids)
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cur:
        for i in range(0, len(subjects), 400):
            part = subjects[i : i + 400]
            marks = ", ".join(["%s"] * len(part))
            cur.execute(
                f"SELECT {cols} FROM {table} WHERE subject IN ({marks}) AND geofence_id IN ({fences})",  # noqa: S608
                list(part),
            )
            for t in cur.fetchall():
                row = _sqlite_row(t) if sqlite else _pg_row(t)
                found[(row.subject, row.geofence_id)] = row
    return found


def _sqlite_when(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):  # text, unless the column's declared type was converted
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


def _json(value) -> dict:
    return value if isinstance(value, dict) else json.loads(value or "{}")


def _pg_row(t: tuple) -> Row:
    row = Row(*t)
    return row if isinstance(row.last_alerts, dict) else row._replace(last_alerts=_json(row.last_alerts))


def _sqlite_row(t: tuple) -> Row:
    """SQLite hands back times as naive UTC (text or datetime), booleans as 0/1 and JSON as text."""
    pk, subject, fid, unit_id, device_id, kind, inside, since, left, last_fix, lat, lon, alerts, ver, nxt = t
    return Row(
        pk, subject, fid, unit_id, device_id, kind, bool(inside), _sqlite_when(since), _sqlite_when(left),
        _sqlite_when(last_fix), lat, lon, _json(alerts), ver, _sqlite_when(nxt),
    )  # fmt: skip


def _material(s: _State) -> bool:
    """Did the fixes change more than the position: a new state, a crossing, an alert, the dwell clock?"""
    r = s.row
    return (
        r is None
        or s.inside != r.inside
        or s.last_alerts != (r.last_alerts or {})
        or s.next_dwell_at != r.next_dwell_at
        or s.device_kind != r.device_kind
    )


@dataclass
class _Change:
    """One state the fixes moved: what to store (`write`: more than the position changed, or the stored
    position is REFRESH old) and the alerts it raises once stored."""

    fence_id: int
    subject: str
    point: Point  # the subject's latest fix (its unit and device ids)
    state: _State
    alerts: list[Alert]
    write: bool


def _plan_subject(
    polres_id: int,
    idx: Index,
    subject: str,
    points: list[tuple[Point, frozenset[int]]],
    rows: dict[int, Row],
    units: dict[int, tuple],
) -> list[_Change]:
    """A subject's fixes (time order, each with the fences containing it) against its fences, in memory:
    the states they move and the alerts they raise. Nothing is written here."""
    first = points[0][0]
    unit_kind, callsign = units.get(first.unit_id, ("", "")) if first.unit_id is not None else ("", "")
    fence_ids = set(rows) | {fid for _p, inside in points for fid in inside}
    last = points[-1][0]
    out: list[_Change] = []
    for fid in sorted(fence_ids):
        fence = idx.by_id.get(fid)
        if fence is None:
            continue
        row = rows.get(fid)
        state = _State.of(row) if row is not None else _State(None)
        alerts: list[Alert] = []
        for p, inside in points:
            if state.last_fix_at is not None and p.at <= state.last_fix_at:
                continue  # out of order (or seen already): this state has applied a later fix
            if not fence.active_at(p.at.timestamp()):
                continue  # an event zone outside its window: as if it were not there
            if row is None and not state.changed and fid not in inside:
                continue  # never inside: nothing to remember
            _apply(polres_id, fence, state, p, fid in inside, unit_kind, callsign, alerts)
        if not state.changed:
            continue
        state.next_dwell_at = _next_dwell(fence, state, first.unit_id, unit_kind)
        write = _material(state) or state.last_fix_at - state.row.last_fix_at >= REFRESH
        out.append(_Change(fid, subject, last, state, alerts, write))
    return out


def _run_subject(
    polres_id: int,
    idx: Index,
    subject: str,
    points: list[tuple[Point, frozenset[int]]],
    rows: dict[int, Row],
    units: dict[int, tuple],
) -> list[Alert]:
    """One subject alone (the path after a lost batch write), in the caller's savepoint. Raises _Lost
    when another worker wrote one of its states first."""
    changes = _plan_subject(polres_id, idx, subject, points, rows, units)
    if _store([c for c in changes if c.write]):
        raise _Lost
    raised: list[Alert] = []
    for ch in changes:
        for a in ch.alerts:
            a.raise_it()
        raised += ch.alerts
    return raised


def _values(s: _State) -> tuple:
    last_alert = max((dt.datetime.fromisoformat(v) for v in s.last_alerts.values()), default=None)
    return (
        s.inside, s.inside_since, s.left_at, s.last_fix_at, s.lat, s.lon,
        json.dumps(s.last_alerts, sort_keys=True), s.device_kind, last_alert, s.next_dwell_at,
    )  # fmt: skip


_VALUE_COLUMNS = (
    ("inside", "boolean"), ("inside_since", "timestamptz"), ("left_at", "timestamptz"),
    ("last_fix_at", "timestamptz"), ("lat", "float8"), ("lon", "float8"), ("last_alerts", "jsonb"),
    ("device_kind", "varchar"), ("last_alert_at", "timestamptz"), ("next_dwell_at", "timestamptz"),
)  # fmt: skip


def _store(changes: list[_Change]) -> set[tuple[str, int]]:
    """Write the states of a whole call in two statements per 500 (new states: INSERT … ON CONFLICT DO
    NOTHING; stored ones: UPDATE … WHERE version matches), each RETURNING what landed. Returns the
    (subject, fence) pairs whose write did not land: another worker wrote them first."""
    table = GeofenceState._meta.db_table
    new = sorted((c for c in changes if c.state.row is None), key=lambda c: (c.subject, c.fence_id))
    old = sorted((c for c in changes if c.state.row is not None), key=lambda c: c.state.row.pk)
    landed: set[tuple[str, int]] = set()
    if new:
        rows = [
            (c.fence_id, c.subject, c.point.unit_id, c.point.device_id, 1, *_values(c.state)) for c in new
        ]
        cols = (
            ("geofence_id", "bigint"), ("subject", "varchar"), ("unit_id", "bigint"),
            ("device_id", "bigint"), ("version", "integer"), *_VALUE_COLUMNS,
        )  # fmt: skip
        for subject, fid in insert_values(
            table, cols, rows, conflict="(geofence_id, subject) DO NOTHING", returning="subject, geofence_id"
        ):
            landed.add((subject, fid))
    if old:
        rows = [(c.state.row.pk, c.state.row.version, *_values(c.state)) for c in old]
        cols = (("id", "bigint"), ("version", "integer"), *_VALUE_COLUMNS)
        sets = ", ".join(f"{name} = v.{name}" for name, _kind in _VALUE_COLUMNS)
        for subject, fid in bulk_update_from(
            table,
            cols,
            rows,
            set_sql=sets + ", version = {t}.version + 1",
            where_sql="{t}.version = v.version",
            returning="{t}.subject, {t}.geofence_id",
        ):
            landed.add((subject, fid))
    return {(c.subject, c.fence_id) for c in changes} - landed


def observe(polres_id: int, fixes: Iterable[Fix]) -> list[Alert]:
    """Apply position fixes (unit_id | None, device_id | None, device_kind, lat, lon, at) of one Polres to
    its fences; returns the alerts raised. Bad fixes (no subject, no position) are skipped."""
    fixes = list(fixes)
    if not fixes:
        return []
    for attempt in range(RETRIES):
        try:
            return _observe(polres_id, fixes)
        except OperationalError:  # a deadlock between workers writing overlapping states: all rolled back
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _observe(polres_id: int, fixes: list) -> list[Alert]:
    idx = index(polres_id)
    if not idx.fences:
        return []
    from siaga.cad.models import Unit

    unit_ids = {_int(f[0]) for f in fixes if isinstance(f, (tuple, list)) and f} - {None}
    units = {
        pk: (kind, callsign)
        for pk, kind, callsign in Unit.objects.filter(pk__in=unit_ids, polres_id=polres_id).values_list(
            "pk", "kind", "callsign"
        )
    }
    points = _clean(fixes, units)
    if not points:
        return []
    # every fix against every fence at once
    xy = shapely.points(np.array([p.lon for p in points]), np.array([p.lat for p in points]))
    pt_ix, fence_ix = idx.tree.query(xy, predicate="intersects")
    inside: list[set[int]] = [set() for _ in points]
    for i, j in zip(pt_ix.tolist(), fence_ix.tolist(), strict=True):
        inside[i].add(idx.fences[j].id)
    by_subject: dict[str, list[tuple[Point, frozenset[int]]]] = {}
    for p, fs in zip(points, inside, strict=True):
        by_subject.setdefault(p.subject, []).append((p, frozenset(fs)))
    for seq in by_subject.values():
        seq.sort(key=lambda x: x[0].at)
    subjects = sorted(by_subject)
    fence_ids = [f.id for f in idx.fences]
    per_subject: dict[str, dict[int, Row]] = {}
    for (subject, fid), row in _subject_states(subjects, fence_ids).items():
        per_subject.setdefault(subject, {})[fid] = row
    changes: list[_Change] = []
    for subject in subjects:
        seq, mine = by_subject[subject], per_subject.get(subject, {})
        if not mine and not any(fs for _p, fs in seq):
            continue  # outside every fence and never inside one: nothing to do
        changes += _plan_subject(polres_id, idx, subject, seq, mine, units)
    raised: list[Alert] = []
    with transaction.atomic():
        lost = _store([c for c in changes if c.write])
        for c in changes:
            if (c.subject, c.fence_id) not in lost:
                for a in c.alerts:
                    a.raise_it()
                raised += c.alerts
        # what another worker wrote first: read again and redo those subjects, one at a time
        for subject in sorted({s for s, _fid in lost}):
            raised += _redo(polres_id, idx, subject, by_subject[subject], fence_ids, units)
    return raised


def _redo(polres_id, idx, subject, seq, fence_ids, units) -> list[Alert]:
    for _attempt in range(RETRIES):
        fresh = _subject_states([subject], fence_ids)
        mine = {fid: row for (_s, fid), row in fresh.items()}
        try:
            with transaction.atomic():  # a savepoint: a lost write undoes only this subject
                return _run_subject(polres_id, idx, subject, seq, mine, units)
        except _Lost:
            continue
    log.warning("geofence state of %s kept changing under us; fixes dropped", subject)
    return []


# --- the periodic sweep ----------------------------------------------------------------------------------


_last_cleanup = -math.inf
CLEANUP_EVERY_S = 60.0


def sweep(now: dt.datetime | None = None, *, cleanup: bool | None = None) -> dict[str, int]:
    """Dwell alerts for subjects still inside (by their last fix) past a dwell rule's minutes, even when
    they have stopped reporting; drop the states of fences that ended and long-idle outside states
    (`cleanup`: None = at most once a minute per process, for a ticker that calls every few seconds).
    Safe to run from two tickers at once (the same guarded writes as observe)."""
    global _last_cleanup
    from siaga.cad.models import Unit

    now = now or timezone.now()
    counts = {"dwell": 0, "dropped": 0}
    if cleanup is None:
        cleanup = time.monotonic() - _last_cleanup >= CLEANUP_EVERY_S
    if cleanup:
        _last_cleanup = time.monotonic()
        ended = Q(geofence__active=False) | Q(geofence__active_until__lte=now)
        counts["dropped"] += GeofenceState.objects.filter(ended).delete()[0]
        idle = GeofenceState.objects.filter(inside=False, last_fix_at__lt=now - STALE_STATE)
        counts["dropped"] += idle.delete()[0]
    candidates = (
        GeofenceState.objects.filter(inside=True, next_dwell_at__lte=now, geofence__active=True)
        .values_list("geofence__polres_id", "subject")
        .distinct()
    )
    by_polres: dict[int, set[str]] = {}
    for polres_id, subject in candidates:
        by_polres.setdefault(polres_id, set()).add(subject)
    for polres_id, subjects in by_polres.items():
        idx = index(polres_id)
        for subject in sorted(subjects):
            for _attempt in range(RETRIES):
                try:
                    with transaction.atomic():
                        counts["dwell"] += len(_sweep_subject(polres_id, idx, subject, now, Unit))
                    break
                except _Lost:
                    continue
    return counts


def _sweep_subject(polres_id: int, idx: Index, subject: str, now: dt.datetime, unit_model) -> list[Alert]:
    rows = _subject_states([subject], [f.id for f in idx.fences])
    alerts: list[Alert] = []
    for (_s, fid), row in sorted(rows.items()):
        fence = idx.by_id[fid]
        if not row.inside or not fence.active_at(now.timestamp()):
            continue
        unit_kind, callsign = ("", "")
        if row.unit_id is not None:
            unit_kind, callsign = unit_model.objects.filter(pk=row.unit_id).values_list(
                "kind", "callsign"
            ).first() or ("", "")
        state = _State.of(row)
        p = Point(row.unit_id, row.device_id, row.device_kind, row.lat, row.lon, now)
        label = callsign
        mine: list[Alert] = []
        for r in fence.rules:
            if r.trigger != Trigger.DWELL or not _dwell_due(state, r, now):
                continue
            if not r.applies(row.unit_id, unit_kind, row.device_kind) or not _may_alert(state, r, now):
                continue
            state.last_alerts[str(r.id)] = _iso(now)
            mine.append(Alert(polres_id, Trigger.DWELL, fence, r, p, label))
        next_dwell_at = _next_dwell(fence, state, row.unit_id, unit_kind)
        if not mine and next_dwell_at == row.next_dwell_at:
            continue
        n = GeofenceState.objects.filter(pk=row.pk, version=row.version).update(
            last_alerts=state.last_alerts,
            last_alert_at=now if mine else F("last_alert_at"),
            next_dwell_at=next_dwell_at,
            version=row.version + 1,
        )
        if n != 1:
            raise _Lost
        for a in mine:
            a.raise_it()
        alerts += mine
    return alerts
