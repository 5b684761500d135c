"""Point → RT lookup: `territory.lookup.locate_many` against the raw shapely STRtree in the same run.

    python -m benchmarks.territory_lookup [--quick] [--points N] [--seed N]

Builds Kota Bekasi in a temporary data directory (codes, real kelurahan polygons, ~6,700 synthetic RT),
then times both on the same random points in the Kota's bounding box:
- ours: `locate_many(lons, lats)` (raster shortcut for points away from any edge, exact STRtree
  query for the rest, first hit per point, then the kelurahan code and Polsek arrays);
- raw:  `shapely.points` + `STRtree.query(points, predicate="intersects")` on the same polygons.
Best of 3 after a warm-up. The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time


def setup_django(data_dir: str) -> None:
    os.environ["SIAGA_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def best_of(fn, repeat: int = 3) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200k points instead of 1M")
    ap.add_argument("--points", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    n = args.points or (200_000 if args.quick else 1_000_000)

    with tempfile.TemporaryDirectory(prefix="siaga-bench-") as tmp:
        setup_django(tmp)
        import numpy as np
        import shapely

        from siaga.core.context import acting
        from siaga.territory import lookup, services

        t0 = time.perf_counter()
        with acting(None, "bench"):
            services.import_bundled("kota-bekasi")
        t_import = time.perf_counter() - t0
        t0 = time.perf_counter()
        with acting(None, "bench"):
            gen = services.generate_rw_rt(seed=args.seed)
        t_generate = time.perf_counter() - t0
        t0 = time.perf_counter()
        ix = lookup.get_index()
        t_build = time.perf_counter() - t0

        rng = np.random.default_rng(args.seed)
        x0, y0, x1, y1 = ix.bounds
        lons = rng.uniform(x0, x1, n)
        lats = rng.uniform(y0, y1, n)

        # the raw engine on the very same polygons (a tree of its own, built the same way)
        raw_tree = shapely.STRtree(ix.geoms)

        def ours():
            b = lookup.locate_many(lons, lats)
            return b.kelurahan_code, b.polsek_id

        def raw():
            return raw_tree.query(shapely.points(lons, lats), predicate="intersects")

        t_ours = best_of(ours)
        t_raw = best_of(raw)
        batch = lookup.locate_many(lons, lats)
        inside = int(batch.inside.sum())
        # correctness spot check: identical inside/outside verdicts to the raw query
        hits = np.zeros(n, dtype=bool)
        hits[raw()[0]] = True
        assert (hits == batch.inside).all(), "ours and raw disagree on inside/outside"
        assert (batch.index == ix.query_exact(lons, lats)).all(), "raster and exact answers differ"
        edge_share = float(
            (
                ix.grid.cells[
                    np.clip(((lats - y0) * ix.grid.inv_h).astype(int), 0, ix.grid.ny - 1),
                    np.clip(((lons - x0) * ix.grid.inv_w).astype(int), 0, ix.grid.nx - 1),
                ]
                == -2
            ).mean()
        )

        t_single = best_of(lambda: [lookup.locate(lons[i], lats[i]) for i in range(2000)], repeat=1) / 2000

    result = {
        "bench": "territory_lookup",
        "points": n,
        "rt": int(gen["rt"]),
        "inside": inside,
        "ours_pts_per_s": round(n / t_ours),
        "raw_pts_per_s": round(n / t_raw),
        "ratio": round(t_raw / t_ours, 3),
        "single_locate_us": round(t_single * 1e6, 1),
        "edge_share": round(edge_share, 3),
        "index_build_s": round(t_build, 3),
        "generate_rwrt_s": round(t_generate, 2),
        "import_s": round(t_import, 2),
    }
    rows = [
        ("points (random in the Kota bbox)", f"{n:,}", f"{inside:,} inside an RT"),
        ("ours: locate_many", f"{result['ours_pts_per_s']:,} pts/s", f"{t_ours * 1000:.0f} ms"),
        ("raw: points + STRtree.query", f"{result['raw_pts_per_s']:,} pts/s", f"{t_raw * 1000:.0f} ms"),
        ("ours / raw", f"{result['ratio']:.0%}", "target ≥ 80%"),
        ("points needing the exact test", f"{edge_share:.0%}", "in raster cells crossed by an edge"),
        ("single locate()", f"{result['single_locate_us']} µs", "incl. the stamp check"),
        ("index build (6.7k RT from DB)", f"{t_build:.2f} s", ""),
        ("generate RW/RT", f"{t_generate:.2f} s", f"{gen['rw']:,} RW, {gen['rt']:,} RT"),
        ("import codes + boundaries", f"{t_import:.2f} s", ""),
    ]
    w = max(len(r[0]) for r in rows)
    print(
        f"territory lookup · Python {platform.python_version()} · {os.cpu_count()} CPU · {platform.machine()}"
    )
    for a, b, c in rows:
        print(f"  {a:<{w}}  {b:>18}  {c}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
