"""Dispatch recommendation latency: `cad.dispatching.recommend` against a plain nearest-unit query.

    python -m benchmarks.dispatch [--quick] [--units 500] [--incidents 2000] [--sample N] [--profile]

Builds the demo Polres (small history) in a temporary data directory, tops it up through the services to
`--units` available units spread over Kota Bekasi and `--incidents` open incidents, gives some units a
load (dispatched and cleared within the last 8 hours), then, as the demo dispatcher, for each sampled
incident (interleaved, same incidents, same process):
- ours:     `recommend(user, incident_id)` end to end: the incident through the read gate (one query),
            the Polres's unit stamp (one primary-key read), the available units with their 8-hour loads
            from the process cache (valid while the stamp is unchanged), travel-time estimate, ranking,
            the reasons for the top 5;
- ours after a unit write: the same call right after the unit stamp moved (what the first
            recommendation after any unit change costs: the cache is refilled from two reads);
- plain:    the same recommendation read the plain way (model instances through the ORM, the 8-hour load
            as a GROUP BY, the Polres a lazy fetch) — recommend() before the cache, kept here as the
            reference: ours is checked to give the identical list (units, order, scores, reasons);
- baseline: a plain nearest-by-distance pick, the TicketsCAD/Resgrid-style "closest available unit":
            read the incident's position, read the available units' positions (two queries), numpy
            haversine, argmin. No scope, no load, no capability, no reasons;
- rank:     `cad.recommend.rank` alone, on unit columns preloaded once (the pure ranking cost).
Also a per-stage split of ours on a sub-sample. Goal: p99 ≤ 5 ms for 500 units, 2,000 open incidents.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time

import numpy as np

from . import _common as c


def build_world(units: int, incidents: int, loaded_units: int, seed: int):
    """The demo Polres topped up to `units` available units and `incidents` open incidents."""
    from django.db.models import Q

    from siaga.cad import dispatching
    from siaga.cad import incidents as inc
    from siaga.cad.models import Incident, Unit
    from siaga.cad.selectors import OPEN_STATUSES

    t0 = time.perf_counter()
    demo = c.build_small_demo(days=2, scale=0.02, seed=seed)
    polres = demo.polres
    t_demo = time.perf_counter() - t0
    user = c.staff_user("dispatcher")

    t0 = time.perf_counter()
    avail = Unit.objects.filter(polres=polres, status="available", lat__isnull=False).count()
    c.add_available_units(polres, units - avail, seed=seed + 6)
    # loads: some units dispatched and cleared in the last hours (through the services)
    load_ids = c.add_open_incidents(polres, loaded_units, seed=seed + 99)
    pool = list(
        Unit.objects.filter(polres=polres, status="available", lat__isnull=False)
        .order_by("?")
        .values_list("pk", flat=True)[:loaded_units]
    )
    from siaga.core.context import acting

    with acting(user, "bench"):
        for iid, uid in zip(load_ids, pool, strict=False):
            dispatching.dispatch(user, iid, uid)
            dispatching.set_unit_status(user, uid, "cleared")  # the incident is cleared with its unit
            i = Incident.objects.get(pk=iid)
            inc.transition(user, iid, "closed", i.version)
    open_now = Incident.objects.filter(polres=polres, status__in=OPEN_STATUSES).count()
    c.add_open_incidents(polres, incidents - open_now, seed=seed + 10)
    t_top = time.perf_counter() - t0
    n_avail = Unit.objects.filter(
        Q(polres=polres) & Q(status="available") & Q(lat__isnull=False) & Q(lon__isnull=False)
    ).count()
    open_ids = list(
        Incident.objects.filter(polres=polres, status__in=OPEN_STATUSES, lat__isnull=False).values_list(
            "pk", flat=True
        )
    )
    return polres, user, n_avail, open_ids, {"demo_s": round(t_demo, 1), "top_up_s": round(t_top, 1)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 400-incident sample, 30 units loaded")
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--incidents", type=int, default=2000)
    ap.add_argument("--sample", type=int, default=None, help="incidents timed (default all; --quick 400)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="cProfile 300 recommend() calls and print the top")
    args = ap.parse_args(argv)

    with c.temp_data_dir() as tmp:
        c.setup_django(tmp)
        from django.db import connection, reset_queries
        from tests.cad.recommend_reference import plain_recommend  # the uncached read, also the tests' oracle

        from siaga.cad import dispatching
        from siaga.cad import recommend as rec
        from siaga.cad.models import Incident, Unit
        from siaga.cad.routing import default_estimator, haversine_m

        polres, user, n_avail, open_ids, setup = build_world(
            args.units, args.incidents, 30 if args.quick else 150, args.seed
        )
        rng = np.random.default_rng(args.seed)
        sample = rng.permutation(open_ids)
        n = args.sample or (400 if args.quick else len(sample))
        sample = [int(x) for x in sample[:n]]
        pid = polres.pk

        def nearest(iid: int) -> int:
            lon, lat = Incident.objects.filter(pk=iid).values_list("lon", "lat").get()
            rows = list(
                Unit.objects.filter(
                    polres_id=pid, status="available", lat__isnull=False, lon__isnull=False
                ).values_list("pk", "lon", "lat")
            )
            a = np.array(rows, dtype=float)
            return int(a[int(np.argmin(haversine_m(a[:, 1], a[:, 2], lon, lat))), 0])

        # warm-up (imports, statement cache, territory index, translations)
        now = dispatching.now_utc(None)
        for iid in sample[:50]:
            dispatching.recommend(user, iid)
            plain_recommend(user, iid, now, limit=5)
            nearest(iid)

        ours, cold, plain, base, top1_is_nearest, same = [], [], [], [], 0, 0
        pc = time.perf_counter
        for iid in sample:  # interleaved: all see the same machine load
            now = dispatching.now_utc(None)
            t = pc()
            r = dispatching.recommend(user, iid, now=now)
            t1 = pc()
            p = plain_recommend(user, iid, now, limit=5)
            t2 = pc()
            b = nearest(iid)
            t3 = pc()
            rec.bump_units_stamp(pid)  # as after any unit write (not timed)
            t4 = pc()
            rc = dispatching.recommend(user, iid, now=now)
            t5 = pc()
            ours.append(t1 - t)
            plain.append(t2 - t1)
            base.append(t3 - t2)
            cold.append(t5 - t4)
            top1_is_nearest += bool(r) and r[0].unit_id == b
            same += r == p == rc
            dispatching.recommend(user, iid, now=now)  # leave the cache warm for the next "ours"

        # the pure ranking on preloaded columns
        now = dispatching.now_utc(None)
        cands = dispatching.candidates(user, Incident.objects.get(pk=sample[0]), now)
        hour = dispatching.local_hour(polres, now)
        est = default_estimator()
        incs = list(
            Incident.objects.filter(pk__in=sample).values_list(
                "lon", "lat", "category", "priority", "polsek_id"
            )
        )
        ranks = []
        for lon, lat, cat, prio, ps in incs:
            t = pc()
            rec.rank(
                cands, lon=lon, lat=lat, category=cat, priority=prio, polsek_id=ps, hour=hour, estimator=est
            )
            ranks.append(pc() - t)

        # where recommend() spends its time: the same steps, timed one by one
        stages = {"read_incident": [], "read_candidates": [], "rank": []}
        for iid in sample[: min(500, n)]:
            t = pc()
            i = rec.read_incident(user, iid)
            t1 = pc()
            cd = rec.read_candidates(user, i.polres_id, now)
            t2 = pc()
            rec.rank(
                cd,
                lon=i.lon,
                lat=i.lat,
                category=i.category,
                priority=i.priority,
                polsek_id=i.polsek_id,
                hour=i.local_hour(now),
                estimator=default_estimator(),
            )
            t3 = pc()
            for k, v in zip(stages, (t1 - t, t2 - t1, t3 - t2), strict=True):
                stages[k].append(v)

        # queries per call
        from django.conf import settings

        def count_queries(fn) -> int:
            settings.DEBUG = True
            reset_queries()
            fn()
            k = len(connection.queries)
            settings.DEBUG = False
            return k

        n_queries = count_queries(lambda: dispatching.recommend(user, sample[0]))
        rec.bump_units_stamp(pid)
        n_queries_cold = count_queries(lambda: dispatching.recommend(user, sample[0]))
        n_queries_plain = count_queries(lambda: plain_recommend(user, sample[0], now, limit=5))

        so, sc, sp = c.summary_ms(ours), c.summary_ms(cold), c.summary_ms(plain)
        sb, sr = c.summary_ms(base), c.summary_ms(ranks)
        profile_text = ""
        if args.profile:
            pr = cProfile.Profile()
            pr.enable()
            for iid in sample[:300]:
                dispatching.recommend(user, iid)
            pr.disable()
            buf = io.StringIO()
            pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(15)
            profile_text = buf.getvalue()
        load = c.loadavg()

    result = {
        "bench": "dispatch",
        "units": n_avail,
        "open_incidents": len(open_ids),
        "samples": n,
        "p50_ms": so["p50_ms"],
        "p90_ms": so["p90_ms"],
        "p99_ms": so["p99_ms"],
        "max_ms": so["max_ms"],
        "after_write_p50_ms": sc["p50_ms"],
        "after_write_p99_ms": sc["p99_ms"],
        "plain_p50_ms": sp["p50_ms"],
        "plain_p99_ms": sp["p99_ms"],
        "identical": same == n,
        "baseline_p50_ms": sb["p50_ms"],
        "baseline_p99_ms": sb["p99_ms"],
        "rank_p50_ms": sr["p50_ms"],
        "rank_p99_ms": sr["p99_ms"],
        "stage_p50_ms": {k: round(c.pct(v, 50) * 1000, 3) for k, v in stages.items()},
        "stage_p99_ms": {k: round(c.pct(v, 99) * 1000, 3) for k, v in stages.items()},
        "queries_per_call": n_queries,
        "queries_after_write": n_queries_cold,
        "queries_plain": n_queries_plain,
        "top1_is_nearest": round(top1_is_nearest / n, 3),
        "goal_p99_ms": 5.0,
        "loadavg": load,
        **setup,
    }
    print(f"dispatch recommendation · {c.machine()} · load average {load}")
    print(
        f"  {n_avail} available units, {len(open_ids):,} open incidents, {n:,} incidents timed (dispatcher)"
    )

    def row(label, s):
        return [label, s["p50_ms"], s["p90_ms"], s["p99_ms"], s["max_ms"], s["mean_ms"]]

    c.print_table(
        "",
        ["", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms"],
        [
            row(f"ours: recommend() end to end ({n_queries} queries)", so),
            row(f"ours, first call after a unit write ({n_queries_cold} queries)", sc),
            row(f"plain ORM read, same ranking (recommend() before; {n_queries_plain} queries)", sp),
            row("baseline: nearest (2 queries + haversine)", sb),
            row("rank() alone, preloaded columns", sr),
        ]
        + [
            [
                f"  stage: {k}",
                round(c.pct(v, 50) * 1000, 3),
                round(c.pct(v, 90) * 1000, 3),
                round(c.pct(v, 99) * 1000, 3),
                round(max(v) * 1000, 3),
                round(float(np.mean(v)) * 1000, 3),
            ]
            for k, v in stages.items()
        ],
    )
    print(
        f"  ours, ours after a write and the plain read give the same answers for {same}/{n} incidents;"
        f" top recommendation is the nearest unit for {top1_is_nearest / n:.0%} of incidents"
    )
    print(f"  goal p99 ≤ 5 ms: {'met' if so['p99_ms'] <= 5 else 'NOT met'} (ours)")
    if profile_text:
        print(profile_text)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
