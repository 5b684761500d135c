"""Rank available units for an incident: travel time first, then capability, jurisdiction and load.

The ranking is a score in seconds, so every term reads as "worth this many seconds of driving":
    score = ETA + jurisdiction penalty + load penalty - capability bonus
and each recommended unit carries the reasons that made its score, for the dispatcher to see.
Vectorised over units with numpy; reason strings are built for the shortlist only.

Reading the candidates (`read_candidates`, used by `cad.dispatching.recommend`) is most of the cost of a
recommendation, so it is cached per process: the available units of a Polres as seen by one user (the
same `restrict()` read gate), with the dispatch times of their recent assignments, kept as numpy
columns. Freshness: every write that changes a unit or an assignment bumps the Polres's unit stamp
(`Stamp("cad.units.<polres id>")`) right after it commits; each call reads the stamp (one primary-key
read, before any other read) and reuses the columns only while it is unchanged, so a change is seen by
the very next recommendation in every process. A transaction that has itself changed units of the
Polres and not committed yet reads them directly (its own uncommitted rows must not be cached).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
import zoneinfo
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from siaga.core.errors import NotFound
from siaga.core.events import Event, subscribe
from siaga.core.permissions import restrict, role_allows
from siaga.territory.models import Stamp

from .models import Assignment, Incident, Unit, UnitStatus
from .routing import CircuityEstimator, TravelTimeEstimator

log = logging.getLogger(__name__)
LOAD_WINDOW = dt.timedelta(hours=8)  # jobs this shift: assignments dispatched within this window

# capabilities that make a unit the better first choice for a category
CATEGORY_NEEDS: dict[str, frozenset[str]] = {
    "laka": frozenset({"lantas"}),
    "tawuran": frozenset({"dalmas", "riot"}),
    "narkoba": frozenset({"narkoba"}),
    "curas": frozenset({"jatanras"}),
    "pembunuhan": frozenset({"reskrim", "jatanras"}),
    "kemanusiaan": frozenset({"medic"}),
}


@dataclass(frozen=True)
class Weights:
    capability_bonus_s: float = 120.0
    other_polsek_s: float = 90.0  # crossing into another Polsek's area (waived for P1)
    load_per_job_s: float = 60.0  # each job already handled this shift


@dataclass
class Candidates:
    """Columns of available units (equal-length arrays)."""

    ids: np.ndarray
    callsigns: np.ndarray
    kinds: np.ndarray
    polsek_ids: np.ndarray  # 0 for Polres-level units, which roam the whole Polres
    lons: np.ndarray
    lats: np.ndarray
    capabilities: list[frozenset[str]]
    loads: np.ndarray  # jobs this shift

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Recommendation:
    unit_id: int
    callsign: str
    kind: str
    rank: int
    score_s: float
    eta_s: float
    distance_m: float
    reasons: list[str] = field(default_factory=list)


def rank(
    units: Candidates,
    *,
    lon: float,
    lat: float,
    category: str,
    priority: int,
    polsek_id: int | None,
    hour: int,
    limit: int = 5,
    estimator: TravelTimeEstimator | None = None,
    weights: Weights = Weights(),
) -> list[Recommendation]:
    if len(units) == 0:
        return []
    est = (estimator or CircuityEstimator()).estimate(units.lons, units.lats, units.kinds, lon, lat, hour)
    needs = CATEGORY_NEEDS.get(category, frozenset())
    has_need = (
        np.fromiter((bool(needs & caps) for caps in units.capabilities), bool, len(units)) if needs else None
    )
    other_polsek = (units.polsek_ids != 0) & (units.polsek_ids != (polsek_id or 0)) if polsek_id else None

    score = est.eta_s.copy()
    if has_need is not None:
        score -= has_need * weights.capability_bonus_s
    if other_polsek is not None and priority != 1:
        score += other_polsek * weights.other_polsek_s
    score += units.loads * weights.load_per_job_s

    k = min(limit, len(units))
    top = np.argpartition(score, k - 1)[:k] if k < len(units) else np.arange(len(units))
    top = top[np.lexsort((units.ids[top], score[top]))]  # ties broken by id: stable, repeatable
    out = []
    for r, i in enumerate(top, start=1):
        reasons = [
            _("%(km).1f km, about %(min).0f min by %(kind)s")
            % {"km": est.distance_m[i] / 1000, "min": est.eta_s[i] / 60, "kind": units.kinds[i].upper()}
        ]
        if has_need is not None:
            reasons.append(
                _("has %(caps)s") % {"caps": ", ".join(sorted(needs & units.capabilities[i]))}
                if has_need[i]
                else _("lacks %(caps)s") % {"caps": "/".join(sorted(needs))}
            )
        if other_polsek is not None and other_polsek[i]:
            reasons.append(_("from another Polsek") + (_(" (waived for P1)") if priority == 1 else ""))
        elif polsek_id and units.polsek_ids[i] == polsek_id:
            reasons.append(_("same Polsek"))
        if units.loads[i]:
            reasons.append(_("%(n)d job(s) this shift") % {"n": units.loads[i]})
        out.append(
            Recommendation(
                unit_id=int(units.ids[i]),
                callsign=str(units.callsigns[i]),
                kind=str(units.kinds[i]),
                rank=r,
                score_s=float(score[i]),
                eta_s=float(est.eta_s[i]),
                distance_m=float(est.distance_m[i]),
                reasons=reasons,
            )
        )
    return out


# --- reading the candidates ------------------------------------------------------------------------------
#
# A plain read builds 500 Django model instances per call only to copy eight fields into numpy (~25 ms
# here); the reads below are tuples, their SQL compiled once per user (building and compiling a
# queryset costs about as much as running it), and the unit columns are cached per user and Polres.

_SENTINEL = -987_654_321_123  # stands for the incident id in the compiled SQL
_SINCE = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)  # stands for a time in the compiled SQL
_sql: dict[tuple, tuple[str, tuple, int]] = {}
_STAMP_SQL = f"SELECT version, token FROM {Stamp._meta.db_table} WHERE {Stamp._meta.pk.column} = %s"  # noqa: S608 (model names)
CACHE_MAX_AGE_S = 60.0  # a safety net only: a unit write always moves the stamp
_CACHE_MAX_ENTRIES = 512


def _scope_key(user) -> tuple:
    """Everything restrict() reads from the account (role and place in the hierarchy), and the account:
    two users never share a compiled query or cached columns."""
    return (
        getattr(user, "pk", None),
        bool(getattr(user, "is_authenticated", False)),
        bool(getattr(user, "is_active", False)),
        getattr(user, "role", None),
        getattr(user, "kelurahan_code", None),
        getattr(user, "polsek_id", None),
        getattr(user, "polres_id", None),
        getattr(user, "polda_id", None),
    )


def _compiled(key: tuple, build, sentinel=_SENTINEL) -> tuple[str, tuple, int]:
    """The SQL and parameters of a queryset, compiled once per key; `sentinel` marks the one
    parameter that changes between calls."""
    key = (connection.alias, *key)
    hit = _sql.get(key)
    if hit is None:
        if len(_sql) > 4096:
            _sql.clear()
        try:
            sql, params = build().query.sql_with_params()
        except EmptyResultSet:  # the scope selects nothing (e.g. Q(pk__in=[])): no SQL to run
            sql, params = "", ()
        params = tuple(params)
        slot = params.index(sentinel) if sentinel in params else -1
        hit = _sql[key] = (sql, params, slot)
    return hit


def _run(compiled: tuple[str, tuple, int], value=None) -> list[tuple]:
    sql, params, slot = compiled
    if not sql:
        return []
    if slot >= 0:
        params = (*params[:slot], value, *params[slot + 1 :])
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@dataclass(frozen=True)
class IncidentPoint:
    """What a recommendation needs of an incident."""

    pk: int
    polres_id: int
    lon: float | None
    lat: float | None
    category: str
    priority: int
    polsek_id: int | None
    timezone: str

    def local_hour(self, at: dt.datetime) -> int:
        return at.astimezone(zoneinfo.ZoneInfo(self.timezone)).hour  # ZoneInfo caches by key


def read_incident(user, pk: int) -> IncidentPoint:
    """The incident through the read gate (restrict(view)), with its Polres's time zone: one query."""
    if not role_allows(user, "cad.incident", "view"):
        raise NotFound(_("Incident not found."))
    compiled = _compiled(
        ("incident", _scope_key(user)),
        lambda: (
            restrict(Incident.objects.all(), user, "view")
            .filter(pk=_SENTINEL)
            .values_list(
                "pk", "polres_id", "lon", "lat", "category", "priority", "polsek_id", "polres__timezone"
            )[:1]
        ),
    )
    if compiled[0] and compiled[2] < 0:
        raise RuntimeError("the incident query lost its id parameter")
    rows = _run(compiled, int(pk))
    if not rows:
        raise NotFound(_("Incident not found."))
    return IncidentPoint(*rows[0])


def _posix(value) -> float:
    """A datetime column as the database driver returns it (SQLite: naive UTC, maybe text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


@lru_cache(maxsize=4096)
def _caps(raw: str | None) -> frozenset[str]:
    """A capabilities list as stored (JSON text): a Polres has a handful of distinct ones."""
    if not raw:
        return frozenset()
    return frozenset(json.loads(raw) or ())


def _empty() -> Candidates:
    e = np.empty(0)
    return Candidates(
        ids=e.astype(np.int64),
        callsigns=e.astype(object),
        kinds=e.astype(object),
        polsek_ids=e.astype(np.int64),
        lons=e,
        lats=e,
        capabilities=[],
        loads=e.astype(np.int64),
    )


@dataclass(frozen=True)
class _Columns:
    """The available units of a Polres as one user sees them, and their recent assignments."""

    units: Candidates  # loads left at zero: they depend on the time of the call
    job_unit: np.ndarray  # index into `units` of each recent assignment
    job_at: np.ndarray  # its dispatched_at, POSIX seconds
    since: float  # assignments dispatched from this time on are all in job_*
    stamp: tuple | None
    built: float  # time.monotonic()

    def candidates(self, cutoff: float) -> Candidates:
        n = len(self.units)
        loads = np.bincount(self.job_unit[self.job_at >= cutoff], minlength=n).astype(np.int64)
        return replace(self.units, loads=loads)


def _read_columns(user, polres_id: int, since: dt.datetime, stamp: tuple | None) -> _Columns:
    compiled = _compiled(
        ("units", _scope_key(user), polres_id),
        lambda: (
            restrict(Unit.objects.all(), user, "view")
            .filter(polres_id=polres_id, status=UnitStatus.AVAILABLE, lat__isnull=False, lon__isnull=False)
            .annotate(caps_raw=Cast("capabilities", TextField()))
            .order_by("pk")
            .values_list("pk", "callsign", "kind", "polsek_id", "lon", "lat", "caps_raw")
        ),
    )
    rows = _run(compiled)
    if not rows:
        none = np.empty(0, np.int64)
        return _Columns(_empty(), none, none.astype(float), since.timestamp(), stamp, time.monotonic())
    ids, callsigns, kinds, polsek, lons, lats, caps = zip(*rows, strict=True)
    n = len(rows)
    units = Candidates(
        ids=np.fromiter(ids, np.int64, n),
        callsigns=np.array(callsigns, dtype=object),
        kinds=np.array(kinds, dtype=object),
        polsek_ids=np.fromiter((p or 0 for p in polsek), np.int64, n),
        lons=np.fromiter(lons, float, n),
        lats=np.fromiter(lats, float, n),
        capabilities=[_caps(x) for x in caps],
        loads=np.zeros(n, np.int64),
    )
    # recent assignments of the Polres's available units (a few per unit at most)
    compiled = _compiled(
        ("jobs", polres_id),
        lambda: Assignment.objects.filter(
            unit__polres_id=polres_id, unit__status=UnitStatus.AVAILABLE, dispatched_at__gte=_SINCE
        ).values_list("unit_id", "dispatched_at"),
        sentinel=connection.ops.adapt_datetimefield_value(_SINCE),
    )
    if compiled[0] and compiled[2] < 0:
        raise RuntimeError("the assignment query lost its time parameter")
    index = {int(u): k for k, u in enumerate(units.ids.tolist())}
    jobs = [
        (index[u], _posix(at))
        for u, at in _run(compiled, connection.ops.adapt_datetimefield_value(since))
        if u in index
    ]
    return _Columns(
        units,
        np.fromiter((k for k, _t in jobs), np.int64, len(jobs)),
        np.fromiter((t for _k, t in jobs), float, len(jobs)),
        since.timestamp(),
        stamp,
        time.monotonic(),
    )


_columns: dict[tuple, _Columns] = {}


def read_candidates(user, polres_id: int, now: dt.datetime) -> Candidates:
    """Available units with a position, in the user's scope and the Polres, with their jobs this shift.

    Same read gate and answer as a fresh read; served from the process cache while the Polres's unit
    stamp is unchanged."""
    if not role_allows(user, "cad.unit", "view"):
        return _empty()
    cutoff = now - LOAD_WINDOW
    if changed_in_this_transaction(polres_id):  # own uncommitted rows: read, never cache
        return _read_columns(user, polres_id, cutoff, None).candidates(cutoff.timestamp())
    stamp = units_stamp(polres_id)  # read before the columns: a write after this read moves it
    key = (connection.alias, connection.settings_dict.get("NAME"), _scope_key(user), polres_id)
    hit = _columns.get(key)
    if (
        hit is None
        or stamp is None
        or hit.stamp != stamp
        or hit.since > cutoff.timestamp()
        or time.monotonic() - hit.built > CACHE_MAX_AGE_S
    ):
        # keep a day's margin of assignments so that calls with a slightly earlier `now` still hit
        hit = _read_columns(user, polres_id, cutoff - dt.timedelta(days=1), stamp)
        if stamp is not None:  # no stamp row yet: nothing guarantees a later write will move it
            if len(_columns) >= _CACHE_MAX_ENTRIES:
                _columns.clear()
            _columns[key] = hit
    return hit.candidates(cutoff.timestamp())


# --- the unit stamp ---------------------------------------------------------------------------------------


def _stamp_key(polres_id: int) -> str:
    return f"cad.units.{polres_id}"


def units_stamp(polres_id: int) -> tuple | None:
    """(version, token) of the Polres's unit stamp; None when it has never been bumped."""
    try:
        with connection.cursor() as cur:
            cur.execute(_STAMP_SQL, [_stamp_key(polres_id)])
            row = cur.fetchone()
    except DatabaseError:  # tables not migrated yet
        return None
    return (int(row[0]), row[1]) if row else None


def bump_units_stamp(polres_id: int) -> None:
    """Move the stamp (its own short transaction): every process's cached columns of the Polres expire."""
    key, token = _stamp_key(polres_id), uuid.uuid4().hex
    for _attempt in range(3):
        with transaction.atomic():
            if Stamp.objects.filter(key=key).update(version=F("version") + 1, token=token):
                return
            try:
                with transaction.atomic():
                    Stamp.objects.create(key=key, version=1, token=token)
                return
            except IntegrityError:  # created meanwhile by another writer: bump that one
                continue


class _Bump:
    """The after-commit callback of one transaction's unit writes in one Polres."""

    __slots__ = ("polres_id",)

    def __init__(self, polres_id: int):
        self.polres_id = polres_id

    def __call__(self) -> None:
        bump_units_stamp(self.polres_id)


def _pending(polres_id: int) -> bool:
    conn = transaction.get_connection()
    # Django drops the callbacks of a rolled-back transaction or savepoint, so this is exact
    return any(isinstance(e[1], _Bump) and e[1].polres_id == polres_id for e in conn.run_on_commit)


def changed_in_this_transaction(polres_id: int) -> bool:
    """Has the open transaction changed units of the Polres (not committed yet)?"""
    return transaction.get_connection().in_atomic_block and _pending(polres_id)


def units_changed(polres_id: int | None) -> None:
    """Call in the transaction of any write to units or assignments: the stamp moves once it commits
    (at once outside a transaction). Once per transaction and Polres."""
    if not polres_id:
        return
    if transaction.get_connection().in_atomic_block and _pending(polres_id):
        return
    transaction.on_commit(_Bump(polres_id), robust=True)


@subscribe("cad.*", phase="in_transaction")
def _on_cad_event(event: Event) -> None:
    # every unit service publishes a cad.unit.* event; clearing or closing an incident frees its units
    if event.name.startswith("cad.unit.") or event.data.get("freed_units"):
        units_changed(event.polres_id)


def _on_unit_saved(sender, instance: Unit, **kwargs) -> None:  # admin, fixtures, any ORM save
    units_changed(instance.polres_id)


def _on_assignment_saved(sender, instance: Assignment, created: bool = False, **kwargs) -> None:
    if created or kwargs.get("signal") is post_delete:
        unit = Assignment.unit.field.get_cached_value(instance, None)
        polres_id = (
            unit.polres_id
            if unit is not None
            else Unit.objects.filter(pk=instance.unit_id).values_list("polres_id", flat=True).first()
        )
        units_changed(polres_id)


post_save.connect(_on_unit_saved, sender=Unit, dispatch_uid="cad.recommend.unit_saved")
post_delete.connect(_on_unit_saved, sender=Unit, dispatch_uid="cad.recommend.unit_deleted")
post_save.connect(_on_assignment_saved, sender=Assignment, dispatch_uid="cad.recommend.assignment_saved")
post_delete.connect(_on_assignment_saved, sender=Assignment, dispatch_uid="cad.recommend.assignment_deleted")
