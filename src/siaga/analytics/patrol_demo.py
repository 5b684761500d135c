"""Demo content of the patrol plans: today's three shifts planned and published, and the tracks of a few
units of the running shift driving to their cells and staying through their visit windows up to now, so
the plan page and the officer view show dosage.

The tracks are telemetry written in one batch, as the device gateway writes them (ingest.pipeline).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np

TRACKED_UNITS = 6
FIX_EVERY_S = 60
SPEED_MS = 6.0  # ~22 km/h through city traffic


def build(polres, now, seed, *, method: str = "blend") -> list:
    """Published plans for the last finished shift and today's shifts, with tracks for the finished one
    (whole) and the running one (up to now); returns the plans."""
    from siaga.cad.intake import config

    from . import patrol

    today = now.astimezone(zoneinfo.ZoneInfo(polres.timezone)).date()
    windows = [
        patrol.shift_window(polres, day, s["name"])
        for day in (today - dt.timedelta(days=1), today)
        for s in config(polres).shifts
    ]
    finished = [w for w in windows if w.ends_at <= now][-1:]
    wanted = finished + [
        w for w in windows if w.ends_at > now and w.starts_at.date() <= now.date() + dt.timedelta(days=1)
    ]
    plans = []
    for w in wanted:
        local_day = w.starts_at.astimezone(zoneinfo.ZoneInfo(polres.timezone)).date()
        try:
            plan = patrol.generate(None, polres, local_day, w.name, method=method, now=now)
        except patrol.Invalid:
            continue  # no unit on duty: nothing to plan
        plans.append(patrol.publish_plan(None, plan.pk, now=now))
    for i, plan in enumerate(plans):
        if plan.starts_at <= now:
            tracks(plan, now, seed)
            patrol.record_dosage(None, plan.pk, now=now)
            plans[i] = patrol.get(None, plan.pk)
    return plans


def tracks(plan, now, seed) -> int:
    """Fixes every minute for the first TRACKED_UNITS units of the plan, up to `now`."""
    from django.db import transaction

    from siaga.cad.models import UnitPosition

    from .grid import Projection

    rng = np.random.default_rng(seed)
    proj = Projection(plan.polres.utm_epsg)
    by_unit: dict = {}
    for it in plan.items.select_related("unit").exclude(unit=None):
        by_unit.setdefault(it.unit, []).append(it)
    rows = []
    for unit, items in list(by_unit.items())[:TRACKED_UNITS]:
        items.sort(key=lambda i: i.windows[0][0])
        start_lon, start_lat = (unit.lon, unit.lat) if unit.lat is not None else (items[0].lon, items[0].lat)
        here = np.array(proj.forward(np.array([start_lon]), np.array([start_lat]))).ravel()
        t = plan.starts_at
        skip = rng.random() < 0.2  # one unit in five misses a cell: the dosage shows it
        for k, it in enumerate(items):
            a, b = (dt.datetime.fromisoformat(v) for v in it.windows[0])
            if a >= now:
                break
            if skip and k == 1:
                continue
            goal = np.array(proj.forward(np.array([it.lon]), np.array([it.lat]))).ravel()
            travel = max(float(np.hypot(*(goal - here))) / SPEED_MS, 60.0)
            leave = max(t, a - dt.timedelta(seconds=travel))
            steps = max(int(travel // FIX_EVERY_S), 1)
            pts = [here + (goal - here) * (j / steps) for j in range(steps)]
            pts += [
                goal + rng.normal(0, 15, 2)
                for _ in range(int((min(b, now) - a).total_seconds() // FIX_EVERY_S) + 1)
            ]
            for j, (x, y) in enumerate(pts):
                at = leave + dt.timedelta(seconds=j * FIX_EVERY_S)
                if at > now:
                    break
                lon, lat = proj.inverse(np.array([x]), np.array([y]))
                rows.append(
                    UnitPosition(
                        unit=unit,
                        polres=plan.polres,
                        lat=round(float(lat[0]), 6),
                        lon=round(float(lon[0]), 6),
                        at=at,
                        speed_kmh=None,
                        source="generic",
                    )
                )
            here, t = goal, min(b, now)
    with transaction.atomic():
        UnitPosition.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
