"""Many rows in one statement, without model instances, on SQLite (3.35+) and PostgreSQL alike: for hot
batch paths (the device gateway, the geofence engine) where the ORM's per-row work is the cost.

On PostgreSQL the rows travel as one typed array per column through unnest, so a statement has a handful
of parameters and one text whatever the row count (psycopg parses it once, the server plans it once); on
SQLite as a multi-row VALUES list. Values must already be what the column stores (JSON as text on SQLite,
datetimes aware).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection

CHUNK = 500  # rows per statement (SQLite's variable limit, statement size)


def _sqlite_datetime(value: dt.datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime (naive UTC, str()), without its
    per-value settings lookups: this runs for every timestamp of a batch."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value)


def _pg_element(value) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, float):
        return float.__repr__(value)  # numpy's floats are floats, but their repr is "np.float64(…)"
    if isinstance(value, int):
        return int.__repr__(value)
    text = value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pg_array(values, kind: str = "") -> str:
    """A column as one PostgreSQL array literal ('{1.5,NULL,"text"}'), bound as a single text parameter
    and cast by the statement. psycopg adapts a list element by element in Python, which was a seventh
    of a gateway batch's time; this is one join (with a fast path for the column's kind when every value
    is of it). Strings are quoted and escaped by the array-literal rules, so any text (quotes,
    backslashes, braces, commas, "NULL") arrives as it was."""
    try:
        if kind == "float8":
            return "{" + ",".join(["NULL" if v is None else float.__repr__(v) for v in values]) + "}"
        if kind == "timestamptz":  # an ISO time holds no quote or backslash: no escaping needed
            return "{" + ",".join(["NULL" if v is None else f'"{v.isoformat()}"' for v in values]) + "}"
    except (TypeError, AttributeError):  # a value not of the column's kind: the general path decides
        pass
    return "{" + ",".join(map(_pg_element, values)) + "}"


def _source(columns: tuple[tuple[str, str], ...], rows: list[tuple]) -> tuple[str, list]:
    """The rows as an SQL row source with its parameters. PostgreSQL: one typed array per column through
    unnest (a few parameters, whatever the row count: psycopg parses the query once, not 500 × n
    placeholders); SQLite: a multi-row VALUES list with datetimes adapted as the ORM stores them."""
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for _name, kind in columns)
        cols = zip(*rows, strict=True)
        params = [_pg_array(col, kind) for col, (_n, kind) in zip(cols, columns, strict=True)]
        return f"SELECT * FROM unnest({arrays})", params  # noqa: S608
    adapt = _sqlite_datetime if settings.USE_TZ else connection.ops.adapt_datetimefield_value
    row_sql = "(" + ", ".join("%s" for _c in columns) + ")"
    params = [adapt(v) if isinstance(v, dt.datetime) else v for row in rows for v in row]
    return "VALUES " + ", ".join([row_sql] * len(rows)), params


def insert_values(
    table: str,
    columns: tuple[tuple[str, str], ...],
    rows: list[tuple],
    *,
    conflict: str = "",
    returning: str = "",
) -> list[tuple]:
    """INSERT many rows with one statement per CHUNK (no model instances: the batch path is hot),
    optionally ON CONFLICT … and RETURNING …, on SQLite (3.35+) and PostgreSQL alike. `columns` are
    (name, PostgreSQL type)."""
    t = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(name) for name, _type in columns)
    tail = (f" ON CONFLICT {conflict}" if conflict else "") + (f" RETURNING {returning}" if returning else "")
    out: list[tuple] = []
    for start in range(0, len(rows), CHUNK):
        source, params = _source(columns, rows[start : start + CHUNK])
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {t} ({names}) {source}{tail}", params)
            if returning:
                out.extend(tuple(r) for r in cur.fetchall())
    return out


def bulk_update_from(
    table: str,
    columns: tuple[tuple[str, str], ...],
    rows: list[tuple],
    *,
    set_sql: str,
    where_sql: str = "",
    returning: str = "",
) -> list[tuple]:
    """UPDATE many rows with their own values in one statement per CHUNK rows, on SQLite (3.35+) and
    PostgreSQL alike: WITH v(id, …) AS (rows) UPDATE table SET … FROM v WHERE table.id = v.id.
    `columns` name v's columns with their PostgreSQL types (the first is the row id); `{t}` in the SQL
    fragments is the quoted table. Returns the RETURNING rows."""
    t = connection.ops.quote_name(table)
    names = ", ".join(name for name, _type in columns)
    where = f"{t}.id = v.id" + (f" AND ({where_sql.format(t=t)})" if where_sql else "")
    tail = f" RETURNING {returning.format(t=t)}" if returning else ""
    out: list[tuple] = []
    for start in range(0, len(rows), CHUNK):
        source, params = _source(columns, rows[start : start + CHUNK])
        sql = f"WITH v({names}) AS ({source}) UPDATE {t} SET {set_sql.format(t=t)} FROM v WHERE {where}{tail}"  # noqa: S608
        with connection.cursor() as cur:
            cur.execute(sql, params)
            if returning:
                out.extend(tuple(r) for r in cur.fetchall())
    return out
