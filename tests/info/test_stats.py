"""Public statistics: small counts suppressed (primary < 5 and complementary), so that no suppressed count
can be worked out from the published cells and totals; the page, the JSON and the CSV carry the same
suppressed table; the computation is cached."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from siaga.info import stats

from .conftest import *  # noqa: F403

counts = st.integers(0, 4) | st.integers(5, 60)
tables = st.integers(1, 6).flatmap(
    lambda r: st.integers(1, 5).flatmap(
        lambda c: st.lists(st.lists(counts, min_size=c, max_size=c), min_size=r, max_size=r)
    )
)


def interval(full, marks, cell):
    """What an attacker can say about a suppressed cell from everything published: [min, max] by linear
    programming over the row and column sums, counts being non-negative (written apart from stats.py)."""
    R, C = len(full) - 1, len(full[0]) - 1
    hidden = sorted(marks)
    index = {c: k for k, c in enumerate(hidden)}
    rows, rhs = [], []
    lines = [[(i, j) for j in range(C)] + [(i, C)] for i in range(R + 1)]
    lines += [[(i, j) for i in range(R)] + [(R, j)] for j in range(C + 1)]
    for line in lines:
        coef = np.zeros(len(hidden))
        b = 0.0
        for n, (i, j) in enumerate(line):
            sign = -1 if n == len(line) - 1 else 1  # the last cell of a line is its total
            if (i, j) in index:
                coef[index[(i, j)]] += sign
            else:
                b -= sign * full[i][j]
        if coef.any():
            rows.append(coef)
            rhs.append(b)
    obj = np.zeros(len(hidden))
    obj[index[cell]] = 1
    lo = linprog(obj, A_eq=np.array(rows), b_eq=np.array(rhs), bounds=(0, None), method="highs")
    hi = linprog(-obj, A_eq=np.array(rows), b_eq=np.array(rhs), bounds=(0, None), method="highs")
    top = float("inf") if hi.status == 3 else -hi.fun  # 3: unbounded
    return lo.fun, top


@settings(max_examples=200, deadline=None)
@given(values=tables)
def test_no_small_cell_is_published_and_none_can_be_derived(values):
    full, marks = stats.suppress(values)
    R, C = len(values), len(values[0])
    for i in range(R + 1):
        for j in range(C + 1):
            if (i, j) not in marks:
                assert full[i][j] >= stats.THRESHOLD, (i, j, full)
            elif full[i][j] < stats.THRESHOLD:
                assert marks[(i, j)] == stats.PRIMARY
    # no row or column (with its total) holds exactly one suppressed cell
    for i in range(R + 1):
        assert sum((i, j) in marks for j in range(C + 1)) != 1
    for j in range(C + 1):
        assert sum((i, j) in marks for i in range(R + 1)) != 1
    # and no suppressed positive count is pinned by the published cells and totals
    for cell in marks:
        if full[cell[0]][cell[1]] > 0:
            lo, hi = interval(full, marks, cell)
            assert hi - lo > 0.5, (cell, full, marks)


def test_a_known_table():
    full, marks = stats.suppress([[10, 3], [20, 30]])
    # 3 is primary; its row and column need a partner each, and then the other row and column: with
    # every total published, only the whole 2×2 rectangle hides it
    assert marks == {
        (0, 1): stats.PRIMARY,
        (0, 0): stats.SECONDARY,
        (1, 0): stats.SECONDARY,
        (1, 1): stats.SECONDARY,
    }
    assert full[2] == [30, 33, 63]


pytestmark_db = pytest.mark.django_db


def _incident(ops, at, category="curanmor", on_scene_min=None, kec=""):
    from siaga.cad.models import Incident

    n = Incident.objects.count() + 1
    return Incident.objects.create(
        polres=ops.polres,
        number=f"T/{n}",
        category=category,
        received_at=at,
        created_at=at,
        on_scene_at=at + dt.timedelta(minutes=on_scene_min) if on_scene_min is not None else None,
        kecamatan_code=kec,
    )


@pytest.mark.django_db
def test_page_json_and_csv_carry_the_suppressed_table_and_are_cached(
    client, info, kecamatan, django_assert_max_num_queries
):
    code, name, _k = kecamatan
    now = timezone.now()
    for k in range(7):
        _incident(info, now - dt.timedelta(minutes=k + 1), on_scene_min=5 + k, kec=code)
    for k in range(2):
        _incident(info, now - dt.timedelta(minutes=k + 1), category="laka", kec=code)
    _incident(info, now - dt.timedelta(minutes=2), category="prank", kec=code)  # never counted
    r = client.get("/statistik/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Statistik publik" in html and name in html and "&lt;5" in html
    data = client.get("/statistik/data.json").json()
    by_kec = next(t for t in data["tables"] if t["key"] == "incidents_by_kecamatan")
    row = next(rw for rw in by_kec["rows"] if rw["code"] == code)
    cells = dict(zip([c["code"] for c in by_kec["columns"]], row["cells"], strict=True))
    assert cells["traffic"] == "<5" and cells["fire"] == "<5"  # 2 laka, no fire: primary
    assert cells["crime"] in ("7", stats.SECONDARY) and row["total"] in ("9", stats.SECONDARY)
    for t in data["tables"]:
        for rw in t["rows"]:
            for v in [*rw["cells"], rw["total"]]:
                assert v in (stats.PRIMARY, stats.SECONDARY) or int(v) >= stats.THRESHOLD
    this_month = data["response"][-1]
    assert (
        this_month["attended"] == "7" and this_month["share_within_10_min"] == 86
    )  # 6 of 7 on scene within 10 min
    rows = list(csv.reader(io.StringIO(client.get("/statistik/data.csv").content.decode())))
    assert rows[0] == ["table", "title", "row_code", "row", "column_code", "column", "value"]
    assert [code, "traffic", "<5"] in [[x[2], x[4], x[6]] for x in rows]
    assert not any(x[6].isdigit() and int(x[6]) < stats.THRESHOLD for x in rows[1:])
    with django_assert_max_num_queries(3):  # cached: the tables are not recomputed
        client.get("/statistik/data.json")
