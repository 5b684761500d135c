"""Every write to the operations room (cad): units and the bulk import of call/incident history.

Bulk services take columns (a mapping of name -> equal-length sequence or numpy array), validate the
whole batch before writing anything, resolve every point to its kecamatan/kelurahan/RW/RT and Polsek
by point-in-polygon (territory.lookup.locate_many), write in one transaction and publish ONE
summarising event, so a batch is one audit row and a bad row changes nothing.

Timestamps are UTC: numpy datetime64 arrays (NaT = missing) or aware datetimes (None = missing).
The history import writes with `insert_columns` (executemany), ~10x faster than bulk_create for the
~100,000 rows of a two-year history. Live operations (intake, incidents, dispatch) live in their own
modules of this app and share the numbering (`_next_numbers`).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import h3
import numpy as np
from django.db import transaction
from django.utils import timezone

from siaga.core.errors import Invalid
from siaga.core.events import Event, publish

from .categories import BY_CODE
from .models import Call, Disposition, Incident, IncidentStatus, Priority, Source, Unit, UnitKind, UnitStatus

H3_RES = 9
MISSING = np.iinfo(np.int64).min  # the int64 value of NaT
STAGES = (
    ("received", "received_at"),
    ("answered", "answered_at"),
    ("created", "created_at"),
    ("dispatched", "dispatched_at"),
    ("en_route", "en_route_at"),
    ("on_scene", "on_scene_at"),
    ("cleared", "cleared_at"),
    ("closed", "closed_at"),
)
FUTURE_SLACK_US = 5 * 60 * 1_000_000  # clocks drift: allow five minutes ahead of the server
SEVERITIES = ("", "ringan", "sedang", "berat")


# --- shared helpers -------------------------------------------------------------------------------


def _n_rows(cols: Mapping[str, Any], what: str, required: Iterable[str], allowed: Iterable[str]) -> int:
    if not isinstance(cols, Mapping):
        raise Invalid(f"{what}: expected a mapping of column name -> values.")
    missing = [c for c in required if c not in cols]
    if missing:
        raise Invalid(f"{what}: missing column(s) {', '.join(missing)}.")
    unknown = set(cols) - set(allowed)
    if unknown:
        raise Invalid(f"{what}: unknown column(s) {', '.join(sorted(unknown))}.")
    lengths = {name: len(values) for name, values in cols.items()}
    if len(set(lengths.values())) > 1:
        raise Invalid(f"{what}: columns differ in length ({lengths}).")
    return next(iter(lengths.values()), 0)


def _to_us(values: Any, what: str, name: str, required: bool) -> np.ndarray:
    """UTC epoch microseconds (int64), MISSING where absent."""
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64):
        out = arr.astype("datetime64[us]").astype(np.int64)
    else:
        out = np.empty(len(arr), dtype=np.int64)
        for i, v in enumerate(values):
            if v is None:
                out[i] = MISSING
            elif isinstance(v, dt.datetime):
                if v.tzinfo is None:
                    raise Invalid(f"{what} row {i + 1}: {name} is a naive datetime (store UTC).", field=name)
                out[i] = int(v.timestamp() * 1_000_000)
            else:
                raise Invalid(f"{what} row {i + 1}: {name} is not a datetime.", field=name)
    if required and (out == MISSING).any():
        i = int(np.flatnonzero(out == MISSING)[0])
        raise Invalid(f"{what} row {i + 1}: {name} is required.", field=name)
    return out


def _datetimes(us: np.ndarray) -> list[dt.datetime | None]:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return [None if v == MISSING else epoch + dt.timedelta(microseconds=int(v)) for v in us.tolist()]


def _floats(values: Any, what: str, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise Invalid(f"{what}: {name} must be numbers.", field=name) from e


def _strings(cols: Mapping[str, Any], name: str, n: int, default: str = "", max_len: int = 0) -> list[str]:
    if name not in cols:
        return [default] * n
    out = ["" if v is None else str(v) for v in cols[name]]
    if max_len:
        for i, v in enumerate(out):
            if len(v) > max_len:
                raise Invalid(f"row {i + 1}: {name} is longer than {max_len} characters.", field=name)
    return out


def _ints(cols: Mapping[str, Any], name: str, n: int, default: int = 0, lo: int = 0, hi: int = 2**62):
    if name not in cols:
        return np.full(n, default, dtype=np.int64)
    try:
        arr = np.asarray(cols[name], dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as e:
        raise Invalid(f"{name} must be whole numbers.", field=name) from e
    bad = (arr < lo) | (arr > hi)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise Invalid(f"row {i + 1}: {name} {arr[i]} is out of range {lo}..{hi}.", field=name)
    return arr


def _check_choice(values: Sequence[str], allowed: Iterable[str], what: str, name: str) -> None:
    allowed = set(allowed)
    for i, v in enumerate(values):
        if v not in allowed:
            raise Invalid(f"{what} row {i + 1}: unknown {name} {v!r}.", field=name)


@dataclass
class Places:
    """Where each point fell: codes, RW/RT numbers and Polsek (None/"" where not located)."""

    kecamatan: list[str]
    kelurahan: list[str]
    rw: list[int | None]
    rt: list[int | None]
    polsek_id: list[int | None]
    h3_cell: list[str]


def locate_points(polres, lons: np.ndarray, lats: np.ndarray, what: str, *, required: bool) -> Places:
    """Point-in-polygon for every row with a position; a point outside the Polres's area is an error."""
    from siaga.territory import lookup

    n = len(lons)
    has = ~(np.isnan(lons) | np.isnan(lats))
    if required and not has.all():
        i = int(np.flatnonzero(~has)[0])
        raise Invalid(f"{what} row {i + 1}: a position (lon, lat) is required.", field="lon")
    if (np.isnan(lons) != np.isnan(lats)).any():
        raise Invalid(f"{what}: lon and lat must both be set or both empty.", field="lon")
    bad = has & ((np.abs(lons) > 180) | (np.abs(lats) > 90))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise Invalid(
            f"{what} row {i + 1}: ({lons[i]}, {lats[i]}) is not a [lon, lat] position.", field="lon"
        )
    kec, kel, rw, rt = [""] * n, [""] * n, [None] * n, [None] * n
    pol: list[int | None] = [None] * n
    cells = [""] * n
    idx = np.flatnonzero(has)
    if len(idx):
        found = lookup.locate_many(lons[idx], lats[idx])
        prefix = f"{polres.region_id}."
        f_kel = found.kelurahan_code.tolist()
        f_kec = found.kecamatan_code.tolist()
        f_rw, f_rt, f_pol = found.rw.tolist(), found.rt.tolist(), found.polsek_id.tolist()
        for j, i in enumerate(idx.tolist()):
            if not f_kel[j].startswith(prefix):
                raise Invalid(
                    f"{what} row {i + 1}: ({lons[i]:.6f}, {lats[i]:.6f}) is outside {polres}'s area.",
                    field="lon",
                )
            kel[i], kec[i] = f_kel[j], f_kec[j]
            rw[i], rt[i] = f_rw[j] or None, f_rt[j] or None
            pol[i] = f_pol[j] if f_pol[j] >= 0 else None
            cells[i] = h3.latlng_to_cell(float(lats[i]), float(lons[i]), H3_RES)
    return Places(kec, kel, rw, rt, pol, cells)


# --- units ------------------------------------------------------------------------------------------

_UNIT_FIELDS = ("callsign", "kind", "polsek", "capabilities", "status", "lon", "lat", "position_at", "crew")


def _unit_snapshot(kind_counts: Counter, status_counts: Counter, n: int, crew: int) -> dict:
    return {
        "count": n,
        "by_kind": dict(sorted(kind_counts.items())),
        "by_status": dict(sorted(status_counts.items())),
        "crew_assignments": crew,
    }


@transaction.atomic
def bulk_create_units(
    polres, rows: Iterable[Mapping[str, Any]], *, synthetic: bool = False, batch_size: int = 500
) -> list[Unit]:
    """Create many units of one Polres with their crew. Rows: callsign, kind, [polsek, capabilities,
    status, lon, lat, position_at, crew (personnel ids)]. All or nothing; one audit row."""
    from siaga.resources.models import Personnel
    from siaga.territory.models import Polsek

    rows = list(rows)
    if not rows:
        raise Invalid("No units to create.")
    polsek_ids = set(Polsek.objects.filter(polres=polres).values_list("pk", flat=True))
    staff_ids = set(Personnel.objects.filter(polres=polres).values_list("pk", flat=True))
    taken = set(Unit.objects.filter(polres=polres).values_list("callsign", flat=True))
    seen: set[str] = set()
    units, crews = [], []
    now = timezone.now()
    for i, row in enumerate(rows):
        where = f"unit row {i + 1}"
        unknown = set(row) - set(_UNIT_FIELDS)
        if unknown:
            raise Invalid(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
        callsign = str(row.get("callsign", "")).strip()
        if not callsign or len(callsign) > 30:
            raise Invalid(f"{where}: a callsign (1-30 characters) is required.", field="callsign")
        if callsign in taken or callsign in seen:
            raise Invalid(f"{where}: callsign {callsign!r} is already used.", field="callsign")
        seen.add(callsign)
        kind = row.get("kind")
        if kind not in UnitKind.values:
            raise Invalid(f"{where}: unknown kind {kind!r}.", field="kind")
        status = row.get("status", UnitStatus.AVAILABLE)
        if status not in UnitStatus.values:
            raise Invalid(f"{where}: unknown status {status!r}.", field="status")
        polsek = row.get("polsek")
        polsek_id = None if polsek in (None, "") else int(getattr(polsek, "pk", polsek))
        if polsek_id is not None and polsek_id not in polsek_ids:
            raise Invalid(f"{where}: the Polsek does not belong to {polres}.", field="polsek")
        caps = row.get("capabilities") or []
        if not isinstance(caps, list | tuple) or not all(isinstance(c, str) and c for c in caps):
            raise Invalid(f"{where}: capabilities must be a list of words.", field="capabilities")
        lon, lat = row.get("lon"), row.get("lat")
        if (lon is None) != (lat is None):
            raise Invalid(f"{where}: lon and lat must both be set or both empty.", field="lon")
        if lon is not None and not (
            math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90
        ):
            raise Invalid(f"{where}: ({lon}, {lat}) is not a [lon, lat] position.", field="lon")
        crew = [int(getattr(p, "pk", p)) for p in row.get("crew") or []]
        if not set(crew) <= staff_ids:
            raise Invalid(f"{where}: crew must be personnel of {polres}.", field="crew")
        position_at = row.get("position_at") or (now if lon is not None else None)
        units.append(
            Unit(
                polres_id=polres.pk,
                polsek_id=polsek_id,
                callsign=callsign,
                kind=kind,
                capabilities=sorted(set(caps)),
                status=status,
                lon=lon,
                lat=lat,
                position_at=position_at,
                synthetic=synthetic,
            )
        )
        crews.append(sorted(set(crew)))
    Unit.objects.bulk_create(units, batch_size=batch_size)
    if any(u.pk is None for u in units):  # backends without RETURNING: read the ids back
        ids = dict(Unit.objects.filter(polres=polres, callsign__in=seen).values_list("callsign", "pk"))
        for u in units:
            u.pk = u.id = ids[u.callsign]
    through = Unit.crew.through
    links = [
        through(unit_id=u.pk, personnel_id=p) for u, crew in zip(units, crews, strict=True) for p in crew
    ]
    through.objects.bulk_create(links, batch_size=batch_size)
    publish(
        Event(
            "cad.unit.bulk_created",
            "cad.unit",
            f"polres:{polres.pk}",
            polres_id=polres.pk,
            after=_unit_snapshot(
                Counter(u.kind for u in units), Counter(u.status for u in units), len(units), len(links)
            ),
            data={"count": len(units)},
        )
    )
    return units


# --- columnar insert ---------------------------------------------------------------------------------

_FIXED_OFFSET_ZONES = {"Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura", "UTC"}


def _local_years(us: np.ndarray, zone: str) -> np.ndarray:
    """The year in the Polres's time zone of each UTC timestamp (vectorised for fixed-offset zones)."""
    tz = zoneinfo.ZoneInfo(zone)
    if zone in _FIXED_OFFSET_ZONES:  # WIB/WITA/WIT keep one offset all year
        offset = int(dt.datetime(2000, 1, 1, tzinfo=dt.UTC).astimezone(tz).utcoffset().total_seconds())
        years = (us + offset * 1_000_000).astype("datetime64[us]").astype("datetime64[Y]")
        return years.astype(np.int64) + 1970
    return np.array([d.astimezone(tz).year for d in _datetimes(us)], dtype=np.int64)


def _db_datetimes(us: np.ndarray, connection) -> list:
    """UTC epoch microseconds -> what the backend stores (None for missing).

    SQLite stores Django datetimes as naive UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]" (exactly what
    DatabaseOperations.adapt_datetimefield_value writes, so string comparisons in queries still hold);
    it is built here in one vectorised step. Other backends take aware datetimes.
    """
    missing = us == MISSING
    if connection.vendor != "sqlite":
        return _datetimes(us)
    safe = np.where(missing, 0, us).astype("datetime64[us]")
    text = np.datetime_as_string(safe, unit="s").astype(object)
    frac = np.flatnonzero(safe.astype(np.int64) % 1_000_000 != 0)
    if len(frac):  # str(datetime) shows microseconds only when there are some
        text[frac] = np.datetime_as_string(safe[frac], unit="us")
    out = [t.replace("T", " ") for t in text.tolist()]
    for i in np.flatnonzero(missing).tolist():
        out[i] = None
    return out


def _nullable(values: list) -> list:
    """NaN floats become NULL."""
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def insert_columns(
    model, columns: Mapping[str, Any], n: int, *, batch_size: int = 2000, progress=None
) -> None:
    """INSERT `n` rows given as columns (field attnames) with executemany: the fast path for bulk loads.

    Django's bulk_create spends ~20 µs per value preparing SQL; a 100,000-row history has two million
    values. Here every value is already validated and of the column's type; fields not given take their
    model default. Callers validate first: this writes exactly what it is given.
    """
    from django.db import connection, models

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names, cols = [], []
    for f in fields:
        if f.attname in columns:
            values = columns[f.attname]
            if isinstance(f, models.DateTimeField):
                values = _db_datetimes(np.asarray(values, dtype=np.int64), connection)
            elif isinstance(f, models.FloatField):
                values = _nullable(list(values))
            elif isinstance(values, np.ndarray):
                values = values.tolist()  # numpy scalars -> Python values the driver can bind
            else:
                values = list(values)
                if any(isinstance(v, np.generic) for v in values[:1]):
                    values = [v.item() if isinstance(v, np.generic) else v for v in values]
        else:  # the model default ("" for text, None for nullable fields)
            default = f.get_default()
            if default is None and not f.null:
                raise ValueError(f"insert_columns: no values for {model.__name__}.{f.attname}")
            values = [f.get_db_prep_save(default, connection)] * n
        if len(values) != n:
            raise ValueError(f"insert_columns: {f.attname} has {len(values)} values, expected {n}")
        names.append(connection.ops.quote_name(f.column))
        cols.append(values)
    table = connection.ops.quote_name(model._meta.db_table)
    # identifiers come from the model's own metadata, quoted by the backend; values are parameters
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
    rows = list(zip(*cols, strict=True))
    with connection.cursor() as cursor:
        for start in range(0, n, batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])
            if progress:
                progress(min(batch_size, n - start))


# --- history import ----------------------------------------------------------------------------------

INCIDENT_COLUMNS = (
    "category",
    "lon",
    "lat",
    "received_at",
    "answered_at",
    "created_at",
    "dispatched_at",
    "en_route_at",
    "on_scene_at",
    "cleared_at",
    "closed_at",
    "status",
    "priority",
    "source",
    "summary",
    "description",
    "address",
    "accident_severity",
    "victims_md",
    "victims_lb",
    "victims_lr",
    "material_loss_rp",
)
CALL_COLUMNS = (
    "received_at",
    "answered_at",
    "ended_at",
    "caller_number",
    "category",
    "disposition",
    "incident",
    "lon",
    "lat",
    "address",
    "notes",
)


@dataclass
class ImportResult:
    incidents: int = 0
    calls: int = 0
    incident_ids: list[int] = field(default_factory=list)
    first_number: str = ""
    last_number: str = ""


def number_prefix(polres) -> str:
    return polres.code.upper()


def _next_numbers(polres, years: np.ndarray) -> list[str]:
    """Numbers per Polres and year in the order given, continuing each year's highest number."""
    prefix = number_prefix(polres)
    out, counters = [], {}
    for year in years.tolist():
        if year not in counters:
            last = (
                Incident.objects.filter(number__startswith=f"{prefix}/{year}/")
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            counters[year] = int(last.rsplit("/", 1)[1]) if last else 0
        counters[year] += 1
        out.append(f"{prefix}/{year}/{counters[year]:06d}")
    return out


def _validate_incidents(polres, cols: Mapping[str, Any], now_us: int) -> dict[str, Any]:
    what = "incidents"
    n = _n_rows(cols, what, ("category", "lon", "lat", "received_at"), INCIDENT_COLUMNS)
    category = _strings(cols, "category", n)
    _check_choice(category, BY_CODE, what, "category")
    lons, lats = _floats(cols["lon"], what, "lon"), _floats(cols["lat"], what, "lat")
    stamps = {
        name: _to_us(cols[name], what, name, name == "received_at")
        if name in cols
        else np.full(n, MISSING, np.int64)
        for _, name in STAGES
    }
    created = stamps["created_at"]
    # a record exists, so it was created: by default when it was received (or answered)
    created[created == MISSING] = np.maximum(stamps["received_at"], stamps["answered_at"])[created == MISSING]
    # every stage that happened happened after the previous one
    prev = stamps["received_at"].copy()
    for _, name in STAGES[1:]:
        cur = stamps[name]
        bad = (cur != MISSING) & (cur < prev)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise Invalid(f"{what} row {i + 1}: {name} is before the previous step.", field=name)
        prev = np.where(cur != MISSING, cur, prev)
    future = prev > now_us + FUTURE_SLACK_US
    if future.any():
        i = int(np.flatnonzero(future)[0])
        raise Invalid(f"{what} row {i + 1}: a timestamp is in the future.", field="received_at")
    if "status" in cols:
        status = _strings(cols, "status", n)
        _check_choice(status, IncidentStatus.values, what, "status")
        stage_col = dict(STAGES)
        for i, s in enumerate(status):
            if stamps[stage_col[s]][i] == MISSING:
                raise Invalid(f"{what} row {i + 1}: status {s} without its {stage_col[s]}.", field="status")
    else:  # the last step reached
        status = ["received"] * n
        for code, name in STAGES[1:]:
            for i in np.flatnonzero(stamps[name] != MISSING).tolist():
                status[i] = code
    priority = _ints(cols, "priority", n, default=0, lo=0, hi=4)
    priority = [int(p) if p else BY_CODE[c].default_priority for p, c in zip(priority, category, strict=True)]
    if not set(priority) <= set(Priority.values):
        raise Invalid(f"{what}: priority must be 1-4.", field="priority")
    source = _strings(cols, "source", n, default=Source.CALL)
    _check_choice(source, Source.values, what, "source")
    severity = _strings(cols, "accident_severity", n)
    _check_choice(severity, SEVERITIES, what, "accident_severity")
    for i, (c, s) in enumerate(zip(category, severity, strict=True)):
        if s and c != "laka":
            raise Invalid(
                f"{what} row {i + 1}: a severity is only for traffic accidents.", field="accident_severity"
            )
    return {
        "n": n,
        "category": category,
        "lons": lons,
        "lats": lats,
        "stamps": stamps,
        "status": status,
        "priority": priority,
        "source": source,
        "summary": _strings(cols, "summary", n, max_len=200),
        "description": _strings(cols, "description", n),
        "address": _strings(cols, "address", n, max_len=300),
        "severity": severity,
        "md": _ints(cols, "victims_md", n, hi=32767),
        "lb": _ints(cols, "victims_lb", n, hi=32767),
        "lr": _ints(cols, "victims_lr", n, hi=32767),
        "loss": _ints(cols, "material_loss_rp", n),
    }


def _validate_calls(polres, cols: Mapping[str, Any], n_incidents: int, now_us: int) -> dict[str, Any]:
    what = "calls"
    n = _n_rows(cols, what, ("received_at", "disposition"), CALL_COLUMNS)
    received = _to_us(cols["received_at"], what, "received_at", True)
    answered = _to_us(cols["answered_at"], what, "answered_at", False) if "answered_at" in cols else None
    ended = _to_us(cols["ended_at"], what, "ended_at", False) if "ended_at" in cols else None
    if answered is None:
        answered = np.full(n, MISSING, np.int64)
    if ended is None:
        ended = np.full(n, MISSING, np.int64)
    bad = ((answered != MISSING) & (answered < received)) | ((ended != MISSING) & (ended < received))
    bad |= (answered != MISSING) & (ended != MISSING) & (ended < answered)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise Invalid(
            f"{what} row {i + 1}: answered/ended before the call was received.", field="answered_at"
        )
    latest = np.maximum(received, np.maximum(answered, ended))
    if (latest > now_us + FUTURE_SLACK_US).any():
        i = int(np.flatnonzero(latest > now_us + FUTURE_SLACK_US)[0])
        raise Invalid(f"{what} row {i + 1}: a timestamp is in the future.", field="received_at")
    disposition = _strings(cols, "disposition", n)
    _check_choice(disposition, Disposition.values, what, "disposition")
    category = _strings(cols, "category", n)
    _check_choice(category, ("", *BY_CODE), what, "category")
    incident = _ints(cols, "incident", n, default=-1, lo=-1, hi=max(n_incidents - 1, -1))
    needs = np.array([d in (Disposition.INCIDENT, Disposition.LINKED) for d in disposition], dtype=bool)
    wrong = needs != (incident >= 0)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise Invalid(
            f"{what} row {i + 1}: dispositions 'incident'/'linked' (and only they) name an incident.",
            field="incident",
        )
    if "lon" in cols or "lat" in cols:
        lons = _floats(cols.get("lon", [np.nan] * n), what, "lon")
        lats = _floats(cols.get("lat", [np.nan] * n), what, "lat")
    else:
        lons = lats = np.full(n, np.nan)
    return {
        "n": n,
        "received": received,
        "answered": answered,
        "ended": ended,
        "disposition": disposition,
        "category": category,
        "incident": incident,
        "lons": lons,
        "lats": lats,
        "caller": _strings(cols, "caller_number", n, max_len=20),
        "address": _strings(cols, "address", n, max_len=300),
        "notes": _strings(cols, "notes", n),
    }


@transaction.atomic
def import_history(
    polres,
    incidents: Mapping[str, Any],
    calls: Mapping[str, Any] | None = None,
    *,
    synthetic: bool = False,
    label: str = "",
    batch_size: int = 2000,
    progress=None,
) -> ImportResult:
    """Import past incidents and 110 calls of one Polres (e.g. from a previous CAD, or the demo).

    Incidents are numbered per Polres and year in received order. A call's `incident` column is the
    row index of its incident in `incidents` (-1 for none). `progress(n)` is called as rows are written.
    """
    now_us = int(timezone.now().timestamp() * 1_000_000)
    inc = _validate_incidents(polres, incidents, now_us)
    cal = _validate_calls(polres, calls, inc["n"], now_us) if calls is not None else None
    inc_places = locate_points(polres, inc["lons"], inc["lats"], "incidents", required=True)
    call_places = (
        locate_points(polres, cal["lons"], cal["lats"], "calls", required=False) if cal is not None else None
    )

    result = ImportResult()
    n = inc["n"]
    if n:
        order = np.argsort(inc["stamps"]["received_at"], kind="stable")
        local_year = _local_years(inc["stamps"]["received_at"][order], polres.timezone)
        numbers_sorted = _next_numbers(polres, local_year)
        numbers = [""] * n
        for k, i in enumerate(order.tolist()):
            numbers[i] = numbers_sorted[k]
        result.first_number, result.last_number = numbers_sorted[0], numbers_sorted[-1]
        columns = {
            "polres_id": [polres.pk] * n,
            "polsek_id": inc_places.polsek_id,
            "number": numbers,
            "category": inc["category"],
            "priority": inc["priority"],
            "status": inc["status"],
            "source": inc["source"],
            "summary": inc["summary"],
            "description": inc["description"],
            "address": inc["address"],
            "lon": inc["lons"].tolist(),
            "lat": inc["lats"].tolist(),
            "h3_cell": inc_places.h3_cell,
            "kecamatan_code": inc_places.kecamatan,
            "kelurahan_code": inc_places.kelurahan,
            "rw": inc_places.rw,
            "rt": inc_places.rt,
            **{name: inc["stamps"][name] for _, name in STAGES},
            "accident_severity": inc["severity"],
            "victims_md": inc["md"].tolist(),
            "victims_lb": inc["lb"].tolist(),
            "victims_lr": inc["lr"].tolist(),
            "material_loss_rp": inc["loss"].tolist(),
            "synthetic": [synthetic] * n,
        }
        insert_columns(Incident, columns, n, batch_size=batch_size, progress=progress)
        ids: dict[str, int] = {}
        for start in range(0, n, 900):
            chunk = numbers_sorted[start : start + 900]
            ids.update(Incident.objects.filter(number__in=chunk).values_list("number", "pk"))
        result.incidents = n
        result.incident_ids = [ids[x] for x in numbers]

    if cal is not None and cal["n"]:
        m = cal["n"]
        lons, lats = cal["lons"], cal["lats"]
        located = ~np.isnan(lons)
        inc_ids = np.asarray(result.incident_ids or [0], dtype=np.int64)
        j = cal["incident"]
        columns = {
            "polres_id": [polres.pk] * m,
            "polsek_id": call_places.polsek_id,
            "caller_number": cal["caller"],
            "received_at": cal["received"],
            "answered_at": cal["answered"],
            "ended_at": cal["ended"],
            "category": cal["category"],
            "disposition": cal["disposition"],
            "incident_id": [int(inc_ids[k]) if k >= 0 else None for k in j.tolist()],
            "notes": cal["notes"],
            "address": cal["address"],
            "lon": np.where(located, lons, np.nan).tolist(),
            "lat": np.where(located, lats, np.nan).tolist(),
            "h3_cell": call_places.h3_cell,
            "kecamatan_code": call_places.kecamatan,
            "kelurahan_code": call_places.kelurahan,
            "rw": call_places.rw,
            "rt": call_places.rt,
            "synthetic": [synthetic] * m,
        }
        insert_columns(Call, columns, m, batch_size=batch_size, progress=progress)
        result.calls = m

    if not (result.incidents or result.calls):
        raise Invalid("Nothing to import.")
    rec_all = [inc["stamps"]["received_at"]] + ([cal["received"]] if cal is not None else [])
    rec_all = np.concatenate(rec_all)
    span = _datetimes(np.array([rec_all.min(), rec_all.max()], dtype=np.int64))
    publish(
        Event(
            "cad.history.imported",
            "cad.incident",
            f"polres:{polres.pk}",
            polres_id=polres.pk,
            after={
                "label": label,
                "synthetic": synthetic,
                "incidents": result.incidents,
                "calls": result.calls,
                "from": span[0],
                "to": span[1],
                "numbers": [result.first_number, result.last_number],
                "incidents_by_category": dict(sorted(Counter(inc["category"]).items())),
                "calls_by_disposition": dict(sorted(Counter(cal["disposition"]).items())) if cal else {},
            },
            data={"incidents": result.incidents, "calls": result.calls},
        )
    )
    return result
