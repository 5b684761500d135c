"""Build the demo Polres (Polres Metro Bekasi Kota) in the current database, with progress bars.

    build_demo(seed=1)                      # the full demo: two years of history ending now
    build_demo(seed=1, days=30, scale=0.3)  # a small one for tests

Deterministic for (seed, now, days, scale, rt_total). Every write goes through a service; bulk
loads publish one summarising event each, so the audit trail stays short and verifiable.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone

from siaga.analytics import demo as analytics_demo
from siaga.cad import services as cad
from siaga.core import notifications
from siaga.core.context import acting
from siaga.geofences import demo as geofences_demo
from siaga.info import demo as info_demo
from siaga.ingest import demo as ingest_demo
from siaga.legal import demo as legal_demo
from siaga.mapping import demo as mapping_demo
from siaga.open311 import demo as open311_demo
from siaga.permits import demo as permits_demo
from siaga.territory import lookup
from siaga.territory.models import Polres, Region, Rt

from . import history, org, portal

DEFAULT_SEED = 1


@dataclass
class DemoResult:
    polres: Polres
    seed: int
    now: dt.datetime
    days: int
    scale: float
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    password: str = org.DEMO_PASSWORD


class _Quiet:
    """Stands in for a rich Progress when no output is wanted (tests)."""

    def add_task(self, *a, **k):
        return 0

    def update(self, *a, **k):
        pass

    def advance(self, *a, **k):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _progress(console):
    if console is False:
        return _Quiet()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def demo_polres() -> Polres | None:
    return Polres.objects.filter(code=org.POLRES["code"]).first()


def make_geo(polres: Polres) -> history.Geo:
    """RT centroids and populations, and a locator answering "inside the city?" and an address."""
    rows = list(
        Rt.objects.filter(kelurahan__code__startswith=f"{polres.region_id}.")
        .order_by("pk")
        .values_list("centroid_lon", "centroid_lat", "population", "area_m2")
    )
    arr = np.array(rows, dtype=float)
    names = dict(Region.objects.filter(code__startswith=f"{polres.region_id}.").values_list("code", "name"))
    prefix = f"{polres.region_id}."

    def inside(lons, lats):
        found = lookup.locate_many(np.asarray(lons, float), np.asarray(lats, float))
        return found.inside & np.char.startswith(found.kabkota_code.astype(str), polres.region_id)

    def address(lons, lats):
        found = lookup.locate_many(np.asarray(lons, float), np.asarray(lats, float))
        out = np.empty(len(found), dtype=object)
        for i, (kel, kec, rw, rt) in enumerate(
            zip(
                found.kelurahan_code.tolist(),
                found.kecamatan_code.tolist(),
                found.rw.tolist(),
                found.rt.tolist(),
                strict=True,
            )
        ):
            if not kel.startswith(prefix):
                out[i] = ""
                continue
            where = f"Kel. {names.get(kel, kel)}, Kec. {names.get(kec, kec)}"
            out[i] = f"RT {rt:03d}/RW {rw:03d}, {where}" if rt else where
        return out

    return history.Geo(
        rt_lon=arr[:, 0],
        rt_lat=arr[:, 1],
        rt_pop=np.nan_to_num(arr[:, 2], nan=1.0),
        rt_radius_m=np.sqrt(np.nan_to_num(arr[:, 3], nan=10_000.0) / np.pi),
        inside=inside,
        address=address,
        center=(polres.lon or float(arr[:, 0].mean()), polres.lat or float(arr[:, 1].mean())),
    )


@contextmanager
def _timed(timings: dict, name: str):
    t0 = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - t0, 2)


def build_demo(
    seed: int = DEFAULT_SEED,
    *,
    days: int = 730,
    scale: float = 1.0,
    now: dt.datetime | None = None,
    rt_total: int = 6700,
    password: str = org.DEMO_PASSWORD,
    console=None,
) -> DemoResult:
    """Build the whole demo Polres. `console`: a rich Console, None for the default one, False for silence.

    Runs in one transaction: a failure leaves the database as it was.
    """
    now = (now or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    if demo_polres() is not None:
        raise RuntimeError(f"{org.POLRES['name']} exists already: build the demo in a fresh database.")
    t: dict[str, float] = {}
    tz = zoneinfo.ZoneInfo(org.POLRES["timezone"])
    tz_offset_h = int(now.astimezone(tz).utcoffset().total_seconds() // 3600)
    with (
        acting(None, f"demo-seed-{seed}"),
        notifications.muted(),  # the demo's people have no real mailboxes
        _progress(console) as bar,
        transaction.atomic(),
    ):
        task = bar.add_task("Territory: codes and boundaries", total=1)
        task2 = bar.add_task("Territory: RW/RT (synthetic)", total=56)
        with _timed(t, "territory"):
            report = {"import": org.import_territory()}
            bar.update(task, completed=1)
            report["rwrt"] = org.generate_rw_rt(seed, rt_total, progress=lambda k: bar.advance(task2, k))
        task = bar.add_task("Polda, Polres, Polsek", total=1)
        with _timed(t, "commands"):
            o = org.build_commands()
            bar.update(task, completed=1)
        task = bar.add_task("Personnel", total=1)
        with _timed(t, "personnel"):
            bhabin_of = org.build_personnel(o, seed, now.year)
            bar.update(task, completed=1)
        task = bar.add_task("Units and crews", total=1)
        with _timed(t, "units"):
            org.build_units(o, seed, now)
            bar.update(task, completed=1)
        task = bar.add_task("Demo logins", total=len(org.LOGINS))
        with _timed(t, "users"):
            users = org.build_users(o, bhabin_of, password, progress=lambda k: bar.advance(task, k))
        task = bar.add_task(f"History: generate {days} days", total=1)
        with _timed(t, "history_generate"):
            geo = make_geo(o.polres)
            h = history.generate(seed, now, geo, days=days, scale=scale, tz_offset_h=tz_offset_h)
            bar.update(task, completed=1)
        n_rows = h.stats["incidents"] + h.stats["calls"]
        task = bar.add_task("History: import incidents + calls", total=n_rows)
        with _timed(t, "history_import"):
            res = cad.import_history(
                o.polres,
                h.incidents,
                h.calls,
                synthetic=True,
                label=f"demo seed {seed}",
                progress=lambda k: bar.advance(task, k),
            )
        portal.build_portal(o.polres, now, seed)  # reports, SP2HP, SOS for the public-services pages
        # letters, alerts, library, Open311 keys, the Tahap I registers, devices with their first
        # messages, then risk classes over them all
        for part in (
            permits_demo,
            info_demo,
            legal_demo,
            open311_demo,
            mapping_demo,
            geofences_demo,
            ingest_demo,
            analytics_demo,
        ):
            part.build(o.polres, now, seed)
        portal.mark_synthetic(o.polres)
    counts = {
        "kecamatan": report["import"]["kecamatan"],
        "kelurahan": report["import"]["kelurahan"],
        "rw": report["rwrt"]["rw"],
        "rt": report["rwrt"]["rt"],
        "polsek": len(o.polsek),
        "personnel": o.personnel,
        "units": o.units,
        "users": len(users),
        "incidents": res.incidents,
        "calls": res.calls,
        "open_incidents": h.stats["open"],
    }
    return DemoResult(o.polres, seed, now, days, scale, counts, t, list(users), password)
