"""Rolling backtest: forecasts from events strictly before each cutoff, scored on the next horizon.

Input is a CSV (timestamp, lat, lon, category; any city, projected to its UTM zone) or the database's
incidents. Timestamps are ISO 8601; a zone offset, when present, is kept as the event's local wall-clock time
(the offset only says which zone it was written in); naive ones are local time already.
"""

import csv
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from . import evaluate, predict
from .grid import Grid, Projection
from .predict import Events

EPOCH = datetime(1970, 1, 1)
HORIZONS = {"day": 1, "week": 7}
REQUIRED = ("timestamp", "lat", "lon", "category")


class BadInput(Exception):
    """The input cannot be used at all (missing file or columns, no usable rows)."""


@dataclass
class Raw:
    when: list = field(default_factory=list)  # naive local datetimes
    lat: list = field(default_factory=list)
    lon: list = field(default_factory=list)
    category: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (line number, message)


def parse_time(text: str) -> datetime:
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    return dt.replace(tzinfo=None)  # the wall-clock time as written


def read_csv(path) -> Raw:
    """Rows of the CSV; bad rows are kept aside with their line numbers (header = line 1)."""
    try:
        fh = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror or e}") from e
    raw = Raw()
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise BadInput(f"{path}: empty file") from None
        except (csv.Error, UnicodeDecodeError) as e:
            raise BadInput(f"{path}: unreadable header: {e}") from e
        cols = {h.strip().lower(): n for n, h in enumerate(header)}
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise BadInput(f"{path}: missing column(s): {', '.join(missing)} (need {', '.join(REQUIRED)})")
        pos = [cols[c] for c in REQUIRED]
        line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as e:
                line += 1
                raw.errors.append((line, f"unreadable row: {e}"))
                continue
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < max(pos) + 1:
                raw.errors.append((line, f"expected at least {max(pos) + 1} fields, got {len(row)}"))
                continue
            ts, lat, lon, cat = (row[p].strip() for p in pos)
            try:
                when = parse_time(ts)
            except ValueError:
                raw.errors.append((line, f"timestamp {ts!r} is not ISO 8601"))
                continue
            try:
                la, lo = float(lat), float(lon)
            except ValueError:
                raw.errors.append((line, f"lat/lon {lat!r}, {lon!r} are not numbers"))
                continue
            if not (-90 <= la <= 90 and -180 <= lo <= 180):
                raw.errors.append((line, f"lat/lon {la}, {lo} out of range"))
                continue
            raw.when.append(when)
            raw.lat.append(la)
            raw.lon.append(lo)
            raw.category.append(cat or "other")
    return raw


def read_database(polres=None, include_synthetic: bool = True) -> Raw:
    """The incidents with a location, in local time."""
    from django.utils import timezone

    from siaga.cad.models import Incident

    qs = Incident.objects.exclude(lat=None).exclude(lon=None)
    if polres is not None:
        qs = qs.filter(polres=polres)
    if not include_synthetic:
        qs = qs.filter(synthetic=False)
    raw = Raw()
    for received, lat, lon, cat in qs.values_list("received_at", "lat", "lon", "category").iterator():
        raw.when.append(timezone.localtime(received).replace(tzinfo=None))
        raw.lat.append(lat)
        raw.lon.append(lon)
        raw.category.append(cat)
    return raw


def days(d: datetime | date) -> float:
    if not isinstance(d, datetime):
        d = datetime(d.year, d.month, d.day)
    return (d - EPOCH) / timedelta(days=1)


@dataclass
class Result:
    methods: dict
    forecasts: int
    events_tested: int
    cell_m: float
    seconds: dict
    cells: int
    epsg: int
    test_from: str
    test_to: str

    def as_json(self) -> dict:
        return {
            "methods": self.methods,
            "forecasts": self.forecasts,
            "events_tested": self.events_tested,
            "cell_m": self.cell_m,
        }


def run(
    raw: Raw,
    *,
    horizon: str = "week",
    cell: float = 150.0,
    train_from: date | None = None,
    test_from: date | None = None,
    test_to: date | None = None,
    methods=None,
    bootstrap: int = 2000,
) -> Result:
    """Rolling forecasts every `horizon` from test_from (inclusive) while a whole horizon fits before test_to.

    Without test_from, the later half of the data is the test window (from a whole day).
    """
    if not raw.when:
        raise BadInput("no usable events")
    t = np.array([days(w) for w in raw.when])
    lat = np.asarray(raw.lat, dtype=float)
    lon = np.asarray(raw.lon, dtype=float)
    cat = np.asarray(raw.category, dtype=object)
    start = days(train_from) if train_from else np.floor(t.min())
    end = days(test_to) if test_to else np.floor(t.max()) + 1
    t_from = days(test_from) if test_from else np.floor(start + (end - start) / 2)
    if not start <= t_from < end:
        raise BadInput("need train-from <= test-from < test-to")
    keep = (t >= start) & (t < end)  # rows outside the windows are ignored
    if not keep.any():
        raise BadInput("no events inside the train/test windows")
    proj = Projection.for_points(lon[keep], lat[keep])
    x, y = proj.forward(lon[keep], lat[keep])
    ev = Events(x, y, t[keep], cat[keep])
    grid = Grid.covering(ev.x, ev.y, cell)  # the study area: every event's place over both windows
    h = HORIZONS[horizon]
    cutoffs = np.arange(t_from, end - h + 1e-9, h)
    if cutoffs.size == 0:
        raise BadInput("the test window is shorter than one horizon")
    names = list(methods or predict.METHODS)
    cov = evaluate.COVERAGES
    got = {m: np.zeros((cutoffs.size, len(cov))) for m in names}
    best = np.zeros((cutoffs.size, len(cov)))
    totals = np.zeros(cutoffs.size)
    seconds = dict.fromkeys(names, 0.0)
    valid = grid.valid
    for n, c in enumerate(cutoffs):  # one forecast per period; the methods are vectorised within
        future = (ev.t >= c) & (ev.t < c + h)
        actual = grid.counts(ev.x[future], ev.y[future]).ravel()
        totals[n] = actual.sum()
        surfaces, spent = {}, {}
        for m in names:
            t0 = time.perf_counter()
            if m == "blend" and all(k in surfaces for k in predict.BLEND_WEIGHTS):
                surfaces[m] = predict.blend_surfaces(surfaces)  # reuse, but count the parts' time too
                spent[m] = time.perf_counter() - t0 + sum(spent[k] for k in predict.BLEND_WEIGHTS)
            else:
                surfaces[m] = predict.METHODS[m](ev, c, grid, h)
                spent[m] = time.perf_counter() - t0
            seconds[m] += spent[m]
            g, b, ks = evaluate.hits(surfaces[m], actual, valid, cov)
            got[m][n] = g
            best[n] = b
    n_cells = int(valid.sum())
    ks = evaluate.flagged_counts(n_cells, cov)
    base = "long_term_counts"
    i5 = cov.index(5)
    out = {}
    for m in names:
        p = evaluate.pooled(got[m], best, totals, ks, n_cells)
        entry = {
            k: {str(c): _num(v) for c, v in zip(cov, p[k], strict=True)} for k in ("hit_rate", "pai", "pei")
        }
        if base in got:
            entry["vs_long_term_counts_5"] = evaluate.paired_bootstrap(
                got[m][:, i5], got[base][:, i5], totals, reps=bootstrap
            )
        out[m] = entry
    to_date = (EPOCH + timedelta(days=float(end))).date().isoformat()
    return Result(
        methods=out,
        forecasts=int(cutoffs.size),
        events_tested=int(totals.sum()),
        cell_m=cell,
        seconds=seconds,
        cells=n_cells,
        epsg=proj.epsg,
        test_from=(EPOCH + timedelta(days=float(t_from))).date().isoformat(),
        test_to=to_date,
    )


def _num(v):
    v = float(v)
    return None if not np.isfinite(v) else round(v, 6)


def table(res: Result) -> str:
    """A plain-text table: one row per method, hit rate / PAI / PEI at each coverage, diff vs the baseline."""
    cov = [str(c) for c in evaluate.COVERAGES]

    def f(v, nd=3):
        return "-" if v is None else f"{v:.{nd}f}"

    head = f"{'method':<20}" + "".join(f"{'HR' + c + '%':>8}" for c in cov)
    head += f"{'PAI5%':>8}{'PEI5%':>8}  {'HR5% vs LTC [95% CI]':<28}{'s':>7}"
    lines = [
        f"{res.forecasts} forecasts {res.test_from}..{res.test_to}, {res.events_tested} events tested, "
        f"{res.cells} cells of {res.cell_m:g} m (EPSG:{res.epsg})",
        head,
    ]
    for m, e in res.methods.items():
        row = f"{m:<20}" + "".join(f"{f(e['hit_rate'][c]):>8}" for c in cov)
        row += f"{f(e['pai']['5'], 2):>8}{f(e['pei']['5']):>8}  "
        v = e.get("vs_long_term_counts_5")
        ci = (
            ""
            if not v or v["diff"] is None
            else f"{v['diff']:+.3f} [{v['ci_low']:+.3f}, {v['ci_high']:+.3f}]"
        )
        row += f"{ci:<28}{res.seconds.get(m, 0.0):>7.2f}"
        lines.append(row)
    return "\n".join(lines)


def svg(res: Result) -> str:
    """Hit rate against share of area flagged, one line per method (a self-contained SVG)."""
    from xml.sax.saxutils import escape

    w, h, left, top, right, bottom = 640, 400, 60, 20, 170, 50
    pw, ph = w - left - right, h - top - bottom
    cov = evaluate.COVERAGES
    colours = ["#1b1b1b", "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9"]

    def px(c):
        return left + pw * c / cov[-1]

    def py(v):
        return top + ph * (1 - v)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>Hit rate by share of area, {res.forecasts} forecasts, {res.events_tested} events</title>",
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>',
    ]
    for c in cov:
        out.append(f'<text x="{px(c):.1f}" y="{h - bottom + 16}" text-anchor="middle">{c}%</text>')
    for v in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 10}" text-anchor="middle">share of area flagged</text>')
    out.append(
        f'<text x="14" y="{top + ph / 2}" transform="rotate(-90 14 {top + ph / 2})" '
        'text-anchor="middle">hit rate</text>'
    )
    for n, (m, e) in enumerate(res.methods.items()):
        colour = colours[n % len(colours)]
        pts = [(px(0), py(0))] + [
            (px(c), py(e["hit_rate"][str(c)])) for c in cov if e["hit_rate"][str(c)] is not None
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        ly = top + 16 + 18 * n
        out.append(
            f'<line x1="{w - right + 10}" y1="{ly - 4}" x2="{w - right + 30}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{w - right + 36}" y="{ly}">{escape(m)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
