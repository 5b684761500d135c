"""Public statistics: aggregates of operations-room incidents and portal reports, small counts suppressed.

Rule (UU 14/2008 Pasal 17 and UU 27/2022: no person may be singled out):
1. Primary: every cell below 5, totals included, is published as "<5" (zero too, so that an empty
   cell tells nothing).
2. Complementary: a line (row or column with its total) holding exactly one suppressed cell would give
   it away by subtraction, so the smallest published cell of that line is suppressed too ("×"); and
   until no suppressed cell is determined by the table's row and column equations (checked exactly, by
   linear algebra over the suppressed cells) nor pinned by them together with counts being
   non-negative (two small linear programs per cell), another cell next to such a cell is suppressed.
3. Places stop at the kecamatan; nothing about persons, addresses or exact times is published.

The tables are computed once per Polres, day and language and kept in the Django cache.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siaga.cad.categories import BY_CODE

THRESHOLD = 5
PRIMARY, SECONDARY = "<5", "×"
MONTHS = 12
CACHE_SECONDS = 15 * 60
GROUPS = (
    ("crime", gettext_lazy("Crime")),
    ("disturbance", gettext_lazy("Disturbance")),
    ("traffic", gettext_lazy("Traffic")),
    ("fire", gettext_lazy("Fire")),
    ("humanitarian", gettext_lazy("Humanitarian")),
    ("information", gettext_lazy("Information")),
)
GROUP_CODES = tuple(g for g, _l in GROUPS)
ON_SCENE_TARGET = dt.timedelta(minutes=10)  # Polri: officer on scene within 10 minutes


# --- the suppression ------------------------------------------------------------------------------


def _equations(n_rows: int, n_cols: int) -> np.ndarray:
    """Rows of the (R+1)×(C+1) table with margins: each interior row and column sums to its total."""
    R, C = n_rows, n_cols
    width = (R + 1) * (C + 1)
    eqs = []
    for i in range(R + 1):
        e = np.zeros(width)
        e[[i * (C + 1) + j for j in range(C)]] = 1
        e[i * (C + 1) + C] = -1
        eqs.append(e)
    for j in range(C + 1):
        e = np.zeros(width)
        e[[i * (C + 1) + j for i in range(R)]] = 1
        e[R * (C + 1) + j] = -1
        eqs.append(e)
    return np.array(eqs)


def _system(full: list[list[int]], order: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The row and column sums as equations over the suppressed cells, published values moved right."""
    R, C = len(full) - 1, len(full[0]) - 1
    eqs = _equations(R, C)
    values = np.array([full[i][j] for i in range(R + 1) for j in range(C + 1)], dtype=float)
    cols = [i * (C + 1) + j for i, j in order]
    known = np.ones(values.size, dtype=bool)
    known[cols] = False
    return eqs[:, cols], -eqs[:, known] @ values[known]


def determined(full: list[list[int]], hidden: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Suppressed cells whose value follows exactly from the published ones through the table's sums."""
    order = sorted(hidden)
    if not order:
        return []
    A, _b = _system(full, order)
    rank = np.linalg.matrix_rank(A)
    out = []
    for k, cell in enumerate(order):
        e = np.zeros((1, len(order)))
        e[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([A, e])) == rank:
            out.append(cell)
    return out


def pinned(full: list[list[int]], hidden: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Suppressed positive counts that the sums and non-negativity pin to one value (two small LPs each):
    subtraction alone cannot find them, bounds can (e.g. x + y = 5 with y a column total of 5)."""
    from scipy.optimize import linprog

    order = sorted(hidden)
    if not order:
        return []
    A, b = _system(full, order)
    out = []
    for k, (i, j) in enumerate(order):
        if full[i][j] <= 0:
            continue
        c = np.zeros(len(order))
        c[k] = 1
        lo = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
        if lo.status == 0 and hi.status == 0 and (-hi.fun) - lo.fun < 0.5:
            out.append((i, j))
            break  # one at a time: the caller hides a neighbour and asks again
    return out


def suppress(values: list[list[int]]) -> tuple[list[list[int]], dict[tuple[int, int], str]]:
    """(table with margins, {cell: mark}) for an R×C table of counts; margins are row R / column C."""
    R = len(values)
    C = len(values[0]) if R else 0
    full = [[*map(int, row), sum(row)] for row in values]
    full.append([sum(full[i][j] for i in range(R)) for j in range(C + 1)])
    marks: dict[tuple[int, int], str] = {
        (i, j): PRIMARY for i in range(R + 1) for j in range(C + 1) if full[i][j] < THRESHOLD
    }

    def lines():
        for i in range(R + 1):
            yield [(i, j) for j in range(C + 1)]
        for j in range(C + 1):
            yield [(i, j) for i in range(R + 1)]

    def smallest(cells):
        free = [c for c in cells if c not in marks]
        if not free:
            return None
        # interior cells before totals, then the smallest value: the least information lost
        return min(free, key=lambda c: (c[0] == R or c[1] == C, full[c[0]][c[1]], c))

    while True:
        changed = False
        for line in lines():
            if sum(1 for c in line if c in marks) == 1:
                pick = smallest(line)
                if pick is not None:
                    marks[pick] = SECONDARY
                    changed = True
        if changed:
            continue
        found = determined(full, set(marks)) or pinned(full, set(marks))
        if not found:
            break
        i, j = found[0]
        pick = smallest([(i, k) for k in range(C + 1)] + [(k, j) for k in range(R + 1)])
        if pick is None:
            pick = smallest([(a, b) for a in range(R + 1) for b in range(C + 1)])
        if pick is None:
            break
        marks[pick] = SECONDARY
    return full, marks


@dataclass
class Table:
    key: str
    title: str
    row_header: str
    rows: list[tuple[str, str]]  # (code, label)
    cols: list[tuple[str, str]]
    cells: list[list[str]]  # published strings, margins included (last row/column = totals)

    def as_dict(self) -> dict:
        R, C = len(self.rows), len(self.cols)
        return {
            "key": self.key,
            "title": self.title,
            "row_header": self.row_header,
            "columns": [{"code": c, "label": lbl} for c, lbl in self.cols],
            "rows": [
                {"code": code, "label": lbl, "cells": self.cells[i][:C], "total": self.cells[i][C]}
                for i, (code, lbl) in enumerate(self.rows)
            ],
            "totals": self.cells[R][:C],
            "grand_total": self.cells[R][C],
        }


def make_table(key: str, title: str, row_header: str, rows, cols, counts: Counter) -> Table:
    values = [[counts.get((r, c), 0) for c, _l in cols] for r, _l in rows]
    full, marks = suppress(values) if rows and cols else ([[0]], {(0, 0): PRIMARY})
    cells = [[marks.get((i, j)) or str(full[i][j]) for j in range(len(full[0]))] for i in range(len(full))]
    return Table(key, title, row_header, list(rows), list(cols), cells)


# --- the numbers ----------------------------------------------------------------------------------


def _window(polres, now: dt.datetime) -> tuple[dt.datetime, list[str]]:
    tz = zoneinfo.ZoneInfo(polres.timezone)
    local = now.astimezone(tz)
    y, m = local.year, local.month
    months = []
    for _k in range(MONTHS):
        months.append(f"{y:04d}-{m:02d}")
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    months.reverse()
    first = dt.datetime.fromisoformat(months[0] + "-01").replace(tzinfo=tz)
    return first, months


def _group(category: str) -> str | None:
    c = BY_CODE.get(category)
    return c.group if c is not None and c.group in GROUP_CODES else None


def _counts(qs, time_field: str, tz, months: list[str], kecamatan: dict[str, str]):
    by_month, by_kec = Counter(), Counter()
    for row in (
        qs.annotate(month=TruncMonth(time_field, tzinfo=tz))
        .values("month", "category")
        .annotate(n=Count("pk"))
    ):
        g = _group(row["category"])
        if g and row["month"] is not None:
            by_month[(row["month"].strftime("%Y-%m"), g)] += row["n"]
    for row in qs.values("kecamatan_code", "category").annotate(n=Count("pk")):
        g = _group(row["category"])
        if g:
            code = row["kecamatan_code"] if row["kecamatan_code"] in kecamatan else ""
            by_kec[(code, g)] += row["n"]
    return by_month, by_kec


def _month_label(key: str) -> str:
    from django.utils.formats import date_format

    return date_format(dt.date.fromisoformat(key + "-01"), "M Y")


def compute(polres, now: dt.datetime | None = None) -> dict:
    """The published (suppressed) statistics of `polres` for the last 12 months."""
    from siaga.cad.models import Incident
    from siaga.portal.models import Report
    from siaga.territory.models import Level, Region

    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(polres.timezone)
    start, months = _window(polres, now)
    kecamatan = dict(
        Region.objects.filter(level=Level.KECAMATAN, code__startswith=f"{polres.region_id}.")
        .order_by("code")
        .values_list("code", "name")
    )
    cols = [(g, str(lbl)) for g, lbl in GROUPS]
    month_rows = [(m, _month_label(m)) for m in months]
    tables = []
    incidents = Incident.objects.filter(
        polres=polres, received_at__gte=start, received_at__lte=now, duplicate_of__isnull=True
    ).exclude(category="prank")
    reports = Report.objects.filter(polres=polres, created_at__gte=start, created_at__lte=now)
    for key, title, qs, field in (
        ("incidents", _("Incidents handled by the operations room"), incidents, "received_at"),
        ("reports", _("Reports from the public site"), reports, "created_at"),
    ):
        by_month, by_kec = _counts(qs, field, tz, months, kecamatan)
        kec_used = list(kecamatan.items())
        if any(code == "" for code, _g in by_kec):
            kec_used.append(("", _("Outside the kecamatan map")))
        tables.append(make_table(f"{key}_by_month", title, _("Month"), month_rows, cols, by_month))
        tables.append(make_table(f"{key}_by_kecamatan", title, _("Kecamatan"), kec_used, cols, by_kec))
    response = []
    scene = Counter()
    within = Counter()
    for received, on_scene in incidents.filter(on_scene_at__isnull=False).values_list(
        "received_at", "on_scene_at"
    ):
        m = received.astimezone(tz).strftime("%Y-%m")
        scene[m] += 1
        within[m] += on_scene - received <= ON_SCENE_TARGET
    for m in months:
        n = scene[m]
        response.append(
            {
                "month": m,
                "label": _month_label(m),
                "attended": PRIMARY if n < THRESHOLD else str(n),
                # a share over fewer than 5 incidents is withheld with its count
                "share_within_10_min": None if n < THRESHOLD else round(100 * within[m] / n),
            }
        )
    return {
        "polres": polres.name,
        "period": {"from": months[0], "to": months[-1], "label": f"{month_rows[0][1]} – {month_rows[-1][1]}"},
        "threshold": THRESHOLD,
        "generated_at": now.astimezone(tz).replace(microsecond=0).isoformat(),
        "tables": [t.as_dict() for t in tables],
        "response": response,
    }


def published(polres, now: dt.datetime | None = None) -> dict:
    """`compute`, cached per Polres, day and language."""
    now = now or timezone.now()
    day = now.astimezone(zoneinfo.ZoneInfo(polres.timezone)).date().isoformat()
    key = f"info:stats:v1:{polres.pk}:{day}:{translation.get_language() or 'id'}"
    data = cache.get(key)
    if data is None:
        data = compute(polres, now)
        cache.set(key, data, CACHE_SECONDS)
    return data


def csv_rows(data: dict) -> list[list[str]]:
    out = [["table", "title", "row_code", "row", "column_code", "column", "value"]]
    for t in data["tables"]:
        for row in t["rows"]:
            for col, cell in zip(t["columns"], row["cells"], strict=True):
                out.append([t["key"], t["title"], row["code"], row["label"], col["code"], col["label"], cell])
            out.append([t["key"], t["title"], row["code"], row["label"], "total", _("Total"), row["total"]])
        for col, cell in zip(t["columns"], t["totals"], strict=True):
            out.append([t["key"], t["title"], "total", _("Total"), col["code"], col["label"], cell])
        out.append([t["key"], t["title"], "total", _("Total"), "total", _("Total"), t["grand_total"]])
    return out
