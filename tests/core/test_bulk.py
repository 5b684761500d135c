"""core/bulk.py: rows in and out of one statement exactly as given, on SQLite and PostgreSQL (the array
literals built by hand on PostgreSQL are the part worth a property test)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.bulk import bulk_update_from, insert_values

pytestmark = pytest.mark.django_db

COLUMNS = (("id", "bigint"), ("name", "varchar"), ("x", "float8"), ("at", "timestamptz"), ("ok", "boolean"))


@pytest.fixture
def table():
    kinds = ["bigint PRIMARY KEY", "varchar(200)", "double precision", "timestamp with time zone", "boolean"]
    if connection.vendor == "sqlite":
        kinds = ["integer PRIMARY KEY", "text", "real", "datetime", "bool"]
    columns = ", ".join(f"{name} {kind}" for (name, _pg), kind in zip(COLUMNS, kinds, strict=True))
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMPORARY TABLE bulk_t ({columns})")
    yield "bulk_t"
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bulk_t")


def read(table):
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, name, x, at, ok FROM {table} ORDER BY id")  # noqa: S608
        rows = cur.fetchall()
    out = []
    for i, name, x, at, ok in rows:
        if isinstance(at, str):
            at = dt.datetime.fromisoformat(at)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        out.append((i, name, x, at, None if ok is None else bool(ok)))
    return out


texts = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
)
floats = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64))
times = st.one_of(
    st.none(),
    st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)),
)
rows_st = st.lists(
    st.tuples(texts, floats, times, st.one_of(st.none(), st.booleans())), min_size=1, max_size=30
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_st)
def test_inserted_rows_read_back_as_given(table, rows):
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table}")  # noqa: S608
    given_rows = [(i + 1, *r) for i, r in enumerate(rows)]
    back = insert_values(table, COLUMNS, given_rows, returning="id")
    assert sorted(b[0] for b in back) == [r[0] for r in given_rows]
    for got, want in zip(read(table), given_rows, strict=True):
        assert got[0] == want[0] and got[1] == want[1] and got[3] == want[3] and got[4] == want[4]
        assert (got[2] is None and want[2] is None) or math.isclose(got[2], want[2], rel_tol=1e-15, abs_tol=0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_st, new=rows_st)
def test_update_from_sets_each_row_its_own_values_and_returns_what_it_touched(table, rows, new):
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table}")  # noqa: S608
    insert_values(table, COLUMNS, [(i + 1, *r) for i, r in enumerate(rows)])
    updates = [(i + 1, *r) for i, r in enumerate(new[: len(rows)])]
    touched = bulk_update_from(
        table, COLUMNS, updates, set_sql="name = v.name, x = v.x, at = v.at, ok = v.ok", returning="{t}.id"
    )
    assert sorted(t[0] for t in touched) == [u[0] for u in updates]
    got = read(table)
    for u in updates:
        row = got[u[0] - 1]
        assert row[1] == u[1] and row[3] == u[3] and row[4] == u[4]


def test_tricky_text_survives(table):
    tricky = ['a"b', "c\\d", "{e,f}", "NULL", "", " lead", "trail ", "x\ny", "é ∆ 🚓", "'; DROP TABLE x; --"]
    insert_values(table, COLUMNS, [(i + 1, t, 1.5, None, True) for i, t in enumerate(tricky)])
    assert [r[1] for r in read(table)] == tricky


def test_numpy_floats_are_plain_numbers(table):
    np = pytest.importorskip("numpy")
    insert_values(table, COLUMNS, [(1, "n", np.float64(-6.25), None, None)])
    assert read(table)[0][2] == -6.25


def test_a_column_of_mixed_number_types_takes_the_general_path(table):
    insert_values(table, COLUMNS, [(1, "i", 3, None, None), (2, "f", 2.5, None, None)])
    assert [r[2] for r in read(table)] == [3.0, 2.5]
