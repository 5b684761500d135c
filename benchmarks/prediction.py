"""A year of weekly forecasts on a 150 m grid: Siaga's methods beside open_cp's on the same events.

    python -m benchmarks.prediction [--quick] [--csv FILE --test-from D --test-to D] [--opencp-python PATH]
        [--baseline-forecasts N]

Data: the demo history (`siaga.demo.history.generate`, seed 42, two years of crimes, 5,871 events; see
`benchmarks/_crime_data.py`), or any backtest CSV. Ours: every method of `siaga.analytics.predict` at each
weekly cutoff of the test year, each fitted per category on the events strictly before the cutoff, on the
grid covering every event (the backtest's study area). Time per method is the sum over the forecasts.

Baseline: the open_cp library (github.com/QuantCrimAtLeeds/PredictCode, Artistic 2.0) in its own virtualenv,
run by a driver in a subprocess on the very same projected events, grid, cutoffs and categories:
`naive.CountingGridKernel` (↔ long_term_counts), `kde.KDE` with a fixed 250 m Gaussian over the last 56 days
(↔ recent_kde), `prohotspot.ProspectiveHotSpot` with the classic 1/(1+d)·1/(1+weeks) weight, circle distance,
400 m / 8 weeks (↔ prospective_hotspot, the same surface up to scale), `seppexp.SEPPTrainer` (Mohler et al.
2015 grid SEPP, 20 EM iterations; ↔ sepp, which adds a spatial trigger kernel). open_cp is slow, so it runs
on `--baseline-forecasts` cutoffs spread over the year (4; 2 with --quick) and the speed-up compares both on
those same cutoffs. open_cp is never imported by Siaga. Set it up once:

    python3 -m venv /tmp/opencp && /tmp/opencp/bin/pip install numpy scipy pyproj shapely
    # source: the PredictCode repository; /tmp/opencp/bin/pip install --no-deps <its checkout>

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from datetime import date

import numpy as np

from ._common import loadavg, machine, print_table

OURS_VS_OPENCP = {
    "long_term_counts": "counts",
    "recent_kde": "kde",
    "prospective_hotspot": "prohotspot",
    "sepp": "sepp",
}

DRIVER = r"""
import json, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")  # open_cp's fits warn on sparse categories; failures are counted below
for _name, _type in (("int", int), ("float", float), ("bool", bool), ("object", object)):
    if _name not in vars(np):  # aliases removed in numpy 1.24 that open_cp still uses
        setattr(np, _name, _type)
import open_cp.data, open_cp.kde, open_cp.naive, open_cp.prohotspot, open_cp.seppexp

inp, out = sys.argv[1], sys.argv[2]
d = np.load(inp)
x, y, t, cat = d["x"], d["y"], d["t"], d["cat"]
x0, y0, cell = float(d["x0"]), float(d["y0"]), float(d["cell"])
nx, ny = int(d["nx"]), int(d["ny"])
cutoffs, methods = d["cutoffs"], [str(m) for m in d["methods"]]
band, weeks, kde_days, kde_bw = 400.0, 8, 56.0, 250.0
EPOCH = np.datetime64("1970-01-01T00:00:00", "us")

def stamp(days):
    return EPOCH + (np.asarray(days) * 86400e6).astype("timedelta64[us]")

region = open_cp.data.RectangularRegion(x0, x0 + nx * cell, y0, y0 + ny * cell)

def one(method, sel, cutoff):
    tp = open_cp.data.TimedPoints.from_coords(stamp(t[sel]), x[sel], y[sel])
    c = stamp(cutoff)
    if method == "counts":
        p = open_cp.naive.CountingGridKernel(cell, region=region)
        p.data = tp
        return p.predict().intensity_matrix
    if method == "kde":
        p = open_cp.kde.KDE(region=region, grid_size=cell)
        p.space_kernel = open_cp.kde.GaussianFixedBandwidthProvider(kde_bw)
        p.data = tp
        return p.predict(start_time=stamp(cutoff - kde_days), end_time=c, samples=-1).intensity_matrix
    if method == "prohotspot":
        p = open_cp.prohotspot.ProspectiveHotSpot(region=region, grid_size=cell)
        p.weight = open_cp.prohotspot.ClassicWeight(space_bandwidth=band / cell + 1e-9, time_bandwidth=weeks)
        p.distance = open_cp.prohotspot.DistanceCircle()
        p.data = tp
        return p.predict(c, c).intensity_matrix
    if method == "sepp":
        tr = open_cp.seppexp.SEPPTrainer(region=region, grid_size=cell)
        tr.data = tp
        p = tr.train(cutoff_time=c, iterations=20)
        p.data = tp
        return p.predict(c).intensity_matrix
    raise ValueError(method)

res = {"seconds": {}, "failures": {}, "per_cutoff": {}}
first = {}
for m in methods:
    spent, failed, per = 0.0, 0, []
    for n, cutoff in enumerate(cutoffs):
        surf = np.zeros((ny, nx))
        t0 = time.perf_counter()
        for c in np.unique(cat):
            sel = (cat == c) & (t < cutoff)
            if m == "kde":
                sel &= t >= cutoff - kde_days
            if sel.sum() < 2:
                continue
            try:
                surf += np.asarray(one(m, sel, float(cutoff)), dtype=float)[:ny, :nx]
            except Exception:  # open_cp's EM can fail to converge on a sparse category
                failed += 1
        dt = time.perf_counter() - t0
        spent += dt
        per.append(dt)
        if n == 0:
            first[m] = surf
    res["seconds"][m], res["failures"][m], res["per_cutoff"][m] = spent, failed, per
np.savez(out + ".npz", **first)
with open(out, "w") as fh:
    json.dump(res, fh)
"""


def demo_raw():
    from siaga.analytics.backtest import Raw, parse_time

    from ._crime_data import demo_rows

    raw = Raw()
    for ts, lat, lon, cat in demo_rows():
        raw.when.append(parse_time(ts))
        raw.lat.append(float(lat))
        raw.lon.append(float(lon))
        raw.category.append(cat)
    return raw


def prepare(raw, test_from: date, test_to: date, cell: float = 150.0):
    """Projected events, the backtest's grid and the weekly cutoffs of the test window."""
    from siaga.analytics import backtest
    from siaga.analytics.grid import Grid, Projection
    from siaga.analytics.predict import Events

    t = np.array([backtest.days(w) for w in raw.when])
    lat, lon = np.asarray(raw.lat), np.asarray(raw.lon)
    end = backtest.days(test_to)
    keep = t < end
    proj = Projection.for_points(lon[keep], lat[keep])
    x, y = proj.forward(lon[keep], lat[keep])
    ev = Events(x, y, t[keep], np.asarray(raw.category, dtype=object)[keep])
    grid = Grid.covering(ev.x, ev.y, cell)
    cutoffs = np.arange(backtest.days(test_from), end - 7 + 1e-9, 7.0)
    return ev, grid, cutoffs, proj.epsg


def run_ours(ev, grid, cutoffs):
    from siaga.analytics import predict

    per = {m: [] for m in predict.METHODS}
    surfaces0 = {}
    for n, c in enumerate(cutoffs):
        for m, fn in predict.METHODS.items():
            t0 = time.perf_counter()
            s = fn(ev, c, grid, 7.0)
            per[m].append(time.perf_counter() - t0)
            if n == 0:
                surfaces0[m] = s
    return per, surfaces0


def run_opencp(python, ev, grid, cutoffs, methods) -> dict:
    cats = {c: n for n, c in enumerate(ev.categories())}
    with tempfile.TemporaryDirectory(prefix="siaga-opencp-") as tmp:
        inp, out, drv = (os.path.join(tmp, f) for f in ("in.npz", "out.json", "driver.py"))
        np.savez(
            inp,
            x=ev.x,
            y=ev.y,
            t=ev.t,
            cat=np.array([cats[c] for c in ev.category], dtype=np.int64),
            x0=grid.x0,
            y0=grid.y0,
            cell=grid.cell,
            nx=grid.nx,
            ny=grid.ny,
            cutoffs=np.asarray(cutoffs, dtype=float),
            methods=np.array(methods),
        )
        with open(drv, "w") as fh:
            fh.write(DRIVER)
        t0 = time.perf_counter()
        subprocess.run([python, drv, inp, out], check=True)
        wall = time.perf_counter() - t0
        with open(out) as fh:
            res = json.load(fh)
        first = np.load(out + ".npz")
        res["first"] = {k: first[k].ravel() for k in first.files}
        res["wall_s"] = wall
    return res


def agreement(a: np.ndarray, b: np.ndarray, valid: np.ndarray, share: float = 0.05) -> dict:
    """Overlap of the top `share` cells (ties by index, as the metrics rank) and Pearson r of two surfaces."""
    from siaga.analytics.evaluate import flagged_counts, ranking

    k = int(flagged_counts(int(valid.sum()), (share * 100,))[0])
    top_a, top_b = set(ranking(a, valid)[:k].tolist()), set(ranking(b, valid)[:k].tolist())
    va, vb = a[valid], b[valid]
    r = float(np.corrcoef(va, vb)[0, 1]) if va.std() > 0 and vb.std() > 0 else float("nan")
    return {"top5_overlap": round(len(top_a & top_b) / k, 3), "pearson_r": round(r, 4)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 open_cp forecasts instead of 4")
    ap.add_argument("--csv", help="events CSV (timestamp, lat, lon, category) instead of the demo history")
    ap.add_argument("--test-from", type=date.fromisoformat, default=date(2025, 11, 1))
    ap.add_argument("--test-to", type=date.fromisoformat, default=date(2026, 11, 1), help="exclusive")
    ap.add_argument("--opencp-python", default="/tmp/opencp/bin/python")  # noqa: S108 (documented set-up)
    ap.add_argument("--baseline-forecasts", type=int, default=None)
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args(argv)

    from siaga.analytics import backtest

    load_start = loadavg()
    raw = backtest.read_csv(args.csv) if args.csv else demo_raw()
    ev, grid, cutoffs, epsg = prepare(raw, args.test_from, args.test_to)
    valid = grid.valid
    print(f"{machine()}; load {load_start}")
    print(
        f"{len(ev)} events, {len(ev.categories())} categories, {int(valid.sum())} cells of 150 m "
        f"(EPSG:{epsg}), {len(cutoffs)} weekly forecasts {args.test_from}..{args.test_to}"
    )

    per, _ = run_ours(ev, grid, cutoffs)
    ours_s = {m: sum(v) for m, v in per.items()}

    n_base = args.baseline_forecasts or (2 if args.quick else 4)
    pick = np.unique(np.linspace(0, len(cutoffs) - 1, min(n_base, len(cutoffs))).round().astype(int))
    # ours on the baseline's cutoffs, before and after it: the slower of the two is compared (load varies)
    before, _ = run_ours(ev, grid, cutoffs[pick])
    base = None
    base_error = None
    if not args.no_baseline:
        try:
            base = run_opencp(args.opencp_python, ev, grid, cutoffs[pick], list(OURS_VS_OPENCP.values()))
        except (OSError, subprocess.CalledProcessError) as e:
            base_error = f"open_cp did not run: {e}"
            print(base_error)

    after, _ = run_ours(ev, grid, cutoffs[pick])
    ours_sub = {m: max(sum(before[m]), sum(after[m])) for m in before}
    from siaga.analytics import predict

    rows, out_methods = [], {}
    for m in predict.METHODS:
        e = {"s_year": round(ours_s[m], 3), "ms_per_forecast": round(1000 * ours_s[m] / len(cutoffs), 2)}
        row = [m, f"{ours_s[m]:.2f}", f"{e['ms_per_forecast']:.1f}"]
        om = OURS_VS_OPENCP.get(m)
        if base is not None and om is not None:
            ours_pick = ours_sub[m]
            oc = base["seconds"][om]
            e["opencp_method"] = om
            e["opencp_ms_per_forecast"] = round(1000 * oc / len(pick), 1)
            e["ours_ms_per_forecast_same_cutoffs"] = round(1000 * ours_pick / len(pick), 2)
            e["speedup"] = round(oc / ours_pick, 1) if ours_pick > 0 else None
            e["opencp_s_year_extrapolated"] = round(oc / len(pick) * len(cutoffs), 1)
            e["opencp_failures"] = base["failures"][om]
            first_cut = np.asarray(predict.METHODS[m](ev, cutoffs[pick][0], grid, 7.0), dtype=float)
            e.update(agreement(first_cut, base["first"][om], valid))
            row += [
                om,
                f"{e['opencp_ms_per_forecast']:.0f}",
                f"{e['opencp_s_year_extrapolated']:.0f}",
                f"{e['speedup']:.0f}x",
                f"{e['top5_overlap']:.2f}",
                f"{e['pearson_r']:.3f}",
            ]
        else:
            row += ["-"] * 6
        rows.append(row)
        out_methods[m] = e
    print()
    print_table(
        f"Weekly forecasts, all categories; open_cp on {len(pick)} of the {len(cutoffs)} cutoffs",
        [
            "method",
            "ours s/year",
            "ours ms/fc",
            "open_cp",
            "open_cp ms/fc",
            "open_cp s/year*",
            "speed-up",
            "top5% same",
            "r",
        ],
        rows,
    )
    print("  * extrapolated from the open_cp forecasts run; speed-up on the same cutoffs")
    result = {
        "bench": "prediction",
        "data": args.csv or "demo-history seed 42",
        "events": len(ev),
        "categories": len(ev.categories()),
        "cells": int(valid.sum()),
        "cell_m": grid.cell,
        "forecasts": len(cutoffs),
        "baseline": "open_cp" if base is not None else (base_error or "none"),
        "baseline_forecasts": len(pick) if base is not None else 0,
        "methods": out_methods,
        "loadavg_start": load_start,
        "loadavg": loadavg(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
