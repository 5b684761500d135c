"""Synthetic call and incident history as numpy columns, ready for cad.services.import_history.

Pure computation: given a seed, the end time and a `Geo` (RT centroids/populations and a point
locator), it returns the same columns every time. Rates and their sources are listed in docs/demo.md.

- Crimes: crime rate per 100,000 people (DOMAIN.md: national 94-113) split by Polri category
  (curat the most common, ~20%), each with its hour-of-day profile (cad.categories peak_hours).
- Space: a mixture of real hotspots (markets, stations, terminals: demo.places) and a diffuse
  background weighted by RT population; traffic accidents along the main road corridors.
- Near repeats: every event may spawn offspring (a self-exciting process) within 200 m and 1-14 days,
  strongest for curat and curanmor, so hotspot and near-repeat analyses have something real to find.
- Calls: valid calls (incidents, linked, information, referred), pranks as DOMAIN.md's 89%-ish share
  of answered calls from a pool of repeat prank numbers, plus abandoned calls.
- The timestamp chain of every incident; incidents still running at `now` keep their open status.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from siaga.cad.categories import BY_CODE

from . import names as names_mod
from .places import HOTSPOTS, ROADS

DAY = 86_400
US = 1_000_000
POPULATION = 2_570_000  # Kota Bekasi, DOMAIN.md
M_PER_DEG_LAT = 110_574.0

# Share of each crime category in the crime total (CT). curat is the most common (DOMAIN.md: ~15%).
CRIME_SHARE = {
    "curat": 0.20,
    "curanmor": 0.14,
    "pencurian": 0.14,
    "penipuan": 0.13,
    "penganiayaan": 0.10,
    "narkoba": 0.09,
    "curas": 0.06,
    "kdrt": 0.05,
    "judi": 0.035,
    "anirat": 0.03,
    "perkosaan": 0.01,
    "pembunuhan": 0.005,
}
# Other incidents per year for the whole city (population 2.57 M).
OTHER_PER_YEAR = {"laka": 760, "tawuran": 120, "keributan": 700, "kebakaran": 220, "kemanusiaan": 350}
# Branching ratio of the self-exciting process: expected offspring per event (near repeats).
NEAR_REPEAT = {"curat": 0.35, "curanmor": 0.30, "curas": 0.20, "pencurian": 0.15, "tawuran": 0.25}
NEAR_REPEAT_DEFAULT = 0.04
NEAR_REPEAT_RADIUS_M = 200.0
NEAR_REPEAT_DAYS = (1.0, 14.0)
# Share of each category drawn around a hotspot (the rest: background weighted by RT population).
HOT_SHARE = {
    "curat": 0.30,
    "curas": 0.50,
    "curanmor": 0.45,
    "pencurian": 0.60,
    "penipuan": 0.25,
    "penganiayaan": 0.35,
    "anirat": 0.35,
    "pembunuhan": 0.20,
    "perkosaan": 0.15,
    "kdrt": 0.03,
    "narkoba": 0.40,
    "judi": 0.30,
    "tawuran": 0.45,
    "keributan": 0.35,
    "kebakaran": 0.15,
    "kemanusiaan": 0.30,
}
LAKA_ON_ROADS = 0.8
# How incidents reach the police: (call, report at SPKT / online, found by patrol).
SOURCE_MIX = {
    "narkoba": (0.10, 0.25, 0.65),
    "judi": (0.15, 0.25, 0.60),
    "laka": (0.65, 0.10, 0.25),
    "tawuran": (0.60, 0.05, 0.35),
    "keributan": (0.75, 0.05, 0.20),
    "kebakaran": (0.85, 0.15, 0.0),
    "kemanusiaan": (0.70, 0.20, 0.10),
    "penipuan": (0.10, 0.90, 0.0),
    "kdrt": (0.35, 0.65, 0.0),
}
SOURCE_MIX_CRIME = (0.30, 0.60, 0.10)
SOURCES = np.array(["call", "report", "patrol"])
# Calls (per day, whole city) besides the ones that create incidents.
INFO_PER_DAY = 5.0
REFERRED_PER_DAY = 1.5
LINKED_PER_CALL_INCIDENT = {"laka": 0.6, "tawuran": 1.2, "kebakaran": 1.5, "curas": 0.3, "keributan": 0.3}
PRANK_SHARE_OF_ANSWERED = 0.88  # DOMAIN.md: 89% at one Polres in 2025
ABANDONED_SHARE = 0.035
REPEAT_PRANK_SHARE = 0.45  # share of prank calls from the pool of repeat prank numbers
CALL_LOCATED = 0.7  # share of calls carrying a handset location (AML)
# Activity by local hour for calls and categories without a peak profile (relative).
DIURNAL = np.array([4, 3, 2, 1.5, 1.5, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6.5, 7, 7, 7, 8, 8.5, 8, 7, 5.5])
PRANK_DIURNAL = np.array([3, 2, 1, 1, 1, 1.5, 2, 3, 4, 5, 6, 6, 6.5, 7, 8, 9, 9, 8.5, 8, 9, 9.5, 9, 7, 5])
PEAK_FACTOR = 5.0

SUMMARIES = {
    "curat": (
        "Pembobolan rumah kosong",
        "Pencurian dengan pemberatan di toko",
        "Pencurian dengan merusak kunci",
    ),
    "curas": ("Penjambretan disertai kekerasan", "Begal sepeda motor", "Perampasan ponsel dengan ancaman"),
    "curanmor": (
        "Pencurian sepeda motor di parkiran",
        "Pencurian sepeda motor di depan rumah",
        "Pencurian mobil",
    ),
    "pencurian": ("Pencurian ponsel", "Pencurian barang di pasar", "Pencopetan di angkutan umum"),
    "penipuan": ("Penipuan jual beli online", "Penipuan investasi", "Penipuan modus arisan"),
    "penganiayaan": ("Penganiayaan akibat cekcok", "Pemukulan di jalan"),
    "anirat": ("Penganiayaan berat dengan senjata tajam",),
    "pembunuhan": ("Penemuan korban meninggal diduga dibunuh",),
    "perkosaan": ("Laporan kekerasan seksual",),
    "kdrt": ("KDRT: kekerasan fisik", "KDRT: penelantaran rumah tangga"),
    "narkoba": ("Penangkapan pengguna sabu", "Peredaran narkoba"),
    "judi": ("Perjudian online", "Judi kartu"),
    "tawuran": ("Tawuran pelajar", "Tawuran antarkelompok pemuda"),
    "keributan": ("Keributan antarwarga", "Keributan di tempat hiburan", "Pesta bising larut malam"),
    "laka": (
        "Sepeda motor dengan mobil",
        "Tabrakan beruntun",
        "Sepeda motor terjatuh",
        "Pejalan kaki tertabrak",
    ),
    "kebakaran": ("Kebakaran rumah", "Kebakaran lapak pasar", "Kebakaran lahan kosong"),
    "kemanusiaan": (
        "Anak terpisah dari orang tua",
        "Banjir: evakuasi warga",
        "Orang sakit di jalan",
        "ODGJ meresahkan warga",
    ),
}


@dataclass
class Geo:
    """What history needs of the territory: RT centroids weighted by population, and a locator."""

    rt_lon: np.ndarray
    rt_lat: np.ndarray
    rt_pop: np.ndarray
    rt_radius_m: np.ndarray
    inside: Callable[[np.ndarray, np.ndarray], np.ndarray]  # bool per point: inside the city
    address: Callable[[np.ndarray, np.ndarray], np.ndarray]  # "RT 003/RW 005, Kel. ..." per point
    center: tuple[float, float] = (106.99, -6.27)


@dataclass
class History:
    incidents: dict[str, np.ndarray]
    calls: dict[str, np.ndarray]
    stats: dict[str, float] = field(default_factory=dict)


def hour_profile(code: str) -> np.ndarray:
    peaks = BY_CODE[code].peak_hours
    if not peaks:
        w = DIURNAL.astype(float).copy()
    else:
        w = np.ones(24)
        w[list(peaks)] = PEAK_FACTOR
    return w / w.sum()


# --- space ---------------------------------------------------------------------------------------


def _offset(lon, lat, dx_m, dy_m):
    m_lon = M_PER_DEG_LAT * np.cos(np.radians(lat))
    return lon + dx_m / m_lon, lat + dy_m / M_PER_DEG_LAT


def _background(rng, geo: Geo, n: int):
    p = geo.rt_pop / geo.rt_pop.sum()
    k = rng.choice(len(p), size=n, p=p)
    dx, dy = rng.normal(0, 1, (2, n)) * geo.rt_radius_m[k] * 0.6
    return _offset(geo.rt_lon[k], geo.rt_lat[k], dx, dy)


def _hotspot(rng, n: int):
    w = np.array([h.weight for h in HOTSPOTS])
    k = rng.choice(len(w), size=n, p=w / w.sum())
    lon = np.array([h.lon for h in HOTSPOTS])[k]
    lat = np.array([h.lat for h in HOTSPOTS])[k]
    sigma = np.array([h.sigma_m for h in HOTSPOTS])[k]
    dx, dy = rng.normal(0, 1, (2, n)) * sigma
    return _offset(lon, lat, dx, dy)


def _roads(rng, n: int):
    segs = []  # (lon0, lat0, lon1, lat1, weight × length)
    for road in ROADS:
        for a, b in zip(road.points[:-1], road.points[1:], strict=True):
            length = np.hypot((b[0] - a[0]) * np.cos(np.radians(a[1])), b[1] - a[1])
            segs.append((a[0], a[1], b[0], b[1], road.weight * length))
    s = np.array(segs)
    k = rng.choice(len(s), size=n, p=s[:, 4] / s[:, 4].sum())
    f = rng.random(n)
    lon = s[k, 0] + f * (s[k, 2] - s[k, 0])
    lat = s[k, 1] + f * (s[k, 3] - s[k, 1])
    dx, dy = rng.normal(0, 15.0, (2, n))
    return _offset(lon, lat, dx, dy)


def sample_points(rng, geo: Geo, n: int, hot_share: float, road_share: float = 0.0):
    """`n` points inside the city: hotspot / road / background mixture; outside points are resampled."""
    lon, lat = np.empty(n), np.empty(n)
    todo = np.arange(n)
    for _ in range(50):
        if not len(todo):
            break
        m = len(todo)
        u = rng.random(m)
        kind = np.where(u < road_share, 2, np.where(u < road_share + hot_share, 1, 0))
        lo, la = np.empty(m), np.empty(m)
        for kd, fn in (
            (0, lambda c: _background(rng, geo, c)),
            (1, lambda c: _hotspot(rng, c)),
            (2, lambda c: _roads(rng, c)),
        ):
            sel = kind == kd
            if sel.any():
                lo[sel], la[sel] = fn(int(sel.sum()))
        lon[todo], lat[todo] = lo, la
        inside = geo.inside(lo, la)
        todo = todo[~inside]
    if len(todo):  # pathological geometry: fall back to RT centroids (inside by construction)
        p = geo.rt_pop / geo.rt_pop.sum()
        k = rng.choice(len(p), size=len(todo), p=p)
        lon[todo], lat[todo] = geo.rt_lon[k], geo.rt_lat[k]
    return lon, lat


# --- time ----------------------------------------------------------------------------------------


def sample_times(rng, n: int, profile: np.ndarray, start: int, end: int, tz_offset: int) -> np.ndarray:
    """`n` UTC epoch seconds in [start, end), uniform over local days, hour of day from `profile`.

    The main generator is consumed by a fixed amount for a given `n` (a top-up, rarely needed, comes
    from a child generator), so building at another moment of the day shifts only the edge days.
    """
    first_day = (start + tz_offset) // DAY
    ndays = (end + tz_offset) // DAY - first_day + 1
    k = int(n * ndays / max(ndays - 1, 1) * 1.05) + 16
    child = np.random.default_rng(int(rng.integers(2**63)))
    d = rng.integers(ndays, size=k)
    h = rng.choice(24, size=k, p=profile)
    s = (rng.random(k) * 3600).astype(np.int64)
    t = (first_day + d) * DAY + h * 3600 + s - tz_offset
    out = t[(t >= start) & (t < end)]
    while len(out) < n:
        m = n - len(out) + 16
        d, h = child.integers(ndays, size=m), child.choice(24, size=m, p=profile)
        t = (first_day + d) * DAY + h * 3600 + (child.random(m) * 3600).astype(np.int64) - tz_offset
        out = np.concatenate([out, t[(t >= start) & (t < end)]])
    return out[:n]


def _retime(rng, t: np.ndarray, profile: np.ndarray, tz_offset: int) -> np.ndarray:
    """Keep each local day, draw a new hour from `profile` (offspring keep their category's rhythm)."""
    day = (t + tz_offset) // DAY
    h = rng.choice(24, size=len(t), p=profile)
    return day * DAY + h * 3600 + (rng.random(len(t)) * 3600).astype(np.int64) - tz_offset


# --- incidents -----------------------------------------------------------------------------------


def _category_events(rng, geo, code, per_year, days, start, end, tz):
    profile = hour_profile(code)
    b = NEAR_REPEAT.get(code, NEAR_REPEAT_DEFAULT)
    n0 = rng.poisson(per_year * days / 365.0 * (1 - b))
    t = sample_times(rng, n0, profile, start, end, tz)
    road = LAKA_ON_ROADS if code == "laka" else 0.0
    lon, lat = sample_points(rng, geo, n0, 0.0 if code == "laka" else HOT_SHARE.get(code, 0.2), road)
    gen_t, gen_lon, gen_lat = t, lon, lat
    all_t, all_lon, all_lat = [t], [lon], [lat]
    for _ in range(8):  # offspring generations
        k = rng.poisson(b, size=len(gen_t))
        if not k.sum():
            break
        pt, plon, plat = np.repeat(gen_t, k), np.repeat(gen_lon, k), np.repeat(gen_lat, k)
        m = len(pt)
        lo_d, hi_d = NEAR_REPEAT_DAYS
        delay = np.minimum(lo_d + rng.exponential(3.0, m), hi_d)
        ct = _retime(rng, pt + (delay * DAY).astype(np.int64), profile, tz)
        ct = np.maximum(ct, pt + DAY // 2)
        r = NEAR_REPEAT_RADIUS_M * np.sqrt(rng.random(m))
        a = rng.random(m) * 2 * np.pi
        clon, clat = _offset(plon, plat, r * np.cos(a), r * np.sin(a))
        keep = ct < end
        if keep.any():
            keep[keep] = geo.inside(clon[keep], clat[keep])
        gen_t, gen_lon, gen_lat = ct[keep], clon[keep], clat[keep]
        all_t.append(gen_t)
        all_lon.append(gen_lon)
        all_lat.append(gen_lat)
    return np.concatenate(all_t), np.concatenate(all_lon), np.concatenate(all_lat)


def _lognormal(rng, median_s: float, sigma: float, n: int) -> np.ndarray:
    return (median_s * rng.lognormal(0.0, sigma, n)).astype(np.int64)


def _chain(rng, source: np.ndarray, category: np.ndarray, received: np.ndarray) -> dict[str, np.ndarray]:
    """Seconds of each step after `received`, by source (call / report / patrol)."""
    n = len(received)
    call, report, patrol = source == "call", source == "report", source == "patrol"
    answered = np.where(call, _lognormal(rng, 6, 0.55, n), np.where(report, rng.integers(60, 900, n), 0))
    created = answered + np.where(
        call,
        _lognormal(rng, 70, 0.4, n),
        np.where(report, rng.integers(300, 1500, n), rng.integers(20, 120, n)),
    )
    dispatched = created + np.where(patrol, 0, _lognormal(rng, 28, 0.55, n))
    en_route = dispatched + np.where(patrol, 0, _lognormal(rng, 20, 0.5, n))
    travel = _lognormal(rng, 360, 0.5, n)
    travel = np.where(rng.random(n) < 0.05, travel * 3, travel)  # the tail: traffic, far corners
    on_scene = en_route + np.where(patrol, 0, travel)
    work = np.where(np.isin(category, ["laka", "kebakaran", "pembunuhan", "tawuran"]), 5400, 2400)
    cleared = on_scene + (work * rng.lognormal(0, 0.6, n)).astype(np.int64)
    closed = cleared + _lognormal(rng, 1800, 0.9, n)
    return {
        "answered_at": answered,
        "created_at": created,
        "dispatched_at": dispatched,
        "en_route_at": en_route,
        "on_scene_at": on_scene,
        "cleared_at": cleared,
        "closed_at": closed,
    }


STEPS = (
    "received_at",
    "answered_at",
    "created_at",
    "dispatched_at",
    "en_route_at",
    "on_scene_at",
    "cleared_at",
    "closed_at",
)
STATUS_OF = dict(
    zip(
        STEPS,
        ("received", "answered", "created", "dispatched", "en_route", "on_scene", "cleared", "closed"),
        strict=True,
    )
)
OPEN_TODAY = (
    ("laka", "dispatched_at"),
    ("keributan", "en_route_at"),
    ("curat", "on_scene_at"),
    ("tawuran", "on_scene_at"),
    ("kemanusiaan", "created_at"),
    ("curas", "cleared_at"),
)


def _accident_details(rng, n):
    sev = rng.choice(np.array(["ringan", "sedang", "berat"]), size=n, p=[0.45, 0.38, 0.17])
    md = np.where(sev == "berat", (rng.random(n) < 0.45) * (1 + (rng.random(n) < 0.15)), 0)
    lb = np.where(sev == "berat", rng.integers(0, 3, n), 0)
    lb = np.where((sev == "berat") & (md == 0) & (lb == 0), 1, lb)
    lr = np.where(sev == "sedang", rng.integers(1, 4, n), np.where(sev == "berat", rng.integers(0, 3, n), 0))
    loss = np.round(rng.lognormal(np.log(3_000_000), 0.8, n), -4).astype(np.int64)
    loss = np.where(sev == "berat", loss * 3, loss)
    prio = np.where(sev == "berat", 1, np.where(sev == "sedang", 2, 3))
    return sev, md, lb, lr, loss, prio


def generate(
    seed: int,
    now: dt.datetime,
    geo: Geo,
    *,
    days: int = 730,
    scale: float = 1.0,
    tz_offset_h: int = 7,
    crime_rate: float = 115.0,
    population: int = POPULATION,
    open_today: bool = True,
) -> History:
    """The whole history ending at `now` (aware UTC), deterministic for (seed, now, days, scale)."""

    def stream(name: str) -> np.random.Generator:
        """An independent generator per purpose: a change in one count does not shift the others."""
        return np.random.default_rng([seed, zlib.crc32(name.encode())])

    end = int(now.timestamp())
    start = end - days * DAY
    tz = tz_offset_h * 3600
    crimes_per_year = population * crime_rate / 100_000 * scale
    per_year = {c: crimes_per_year * s for c, s in CRIME_SHARE.items()}
    per_year.update({c: v * population / POPULATION * scale for c, v in OTHER_PER_YEAR.items()})

    cat, t, lon, lat = [], [], [], []
    for code in sorted(per_year):
        ct, clon, clat = _category_events(
            stream(f"category:{code}"), geo, code, per_year[code], days, start, end, tz
        )
        cat.append(np.full(len(ct), code, dtype=object))
        t.append(ct)
        lon.append(clon)
        lat.append(clat)
    cat, t, lon, lat = (np.concatenate(x) for x in (cat, t, lon, lat))
    n = len(t)
    source = np.empty(n, dtype=object)
    for code in np.unique(cat):
        sel = cat == code
        mix = SOURCE_MIX.get(code, SOURCE_MIX_CRIME if BY_CODE[code].group == "crime" else (0.6, 0.3, 0.1))
        source[sel] = stream(f"source:{code}").choice(SOURCES, size=int(sel.sum()), p=mix)
    steps = _chain(stream("chain"), source, cat, np.zeros(n))

    # a few incidents running right now, in various states
    forced = np.zeros(n, dtype=bool)
    if open_today:
        k = len(OPEN_TODAY)
        rng = stream("open")
        ocat = np.array([c for c, _ in OPEN_TODAY], dtype=object)
        osrc = np.full(k, "call", dtype=object)
        osteps = _chain(rng, osrc, ocat, np.zeros(k))
        ot = np.empty(k, dtype=np.int64)
        for j, (_, step) in enumerate(OPEN_TODAY):
            nxt = STEPS[STEPS.index(step) + 1]
            done, then = osteps[step][j], osteps[nxt][j]
            ot[j] = end - done - int(rng.random() * min(then - done, 1800)) - 30
        olon, olat = sample_points(rng, geo, k, 0.4)
        cat, t, lon, lat = (
            np.concatenate([a, b]) for a, b in ((cat, ocat), (t, ot), (lon, olon), (lat, olat))
        )
        source = np.concatenate([source, osrc])
        steps = {s: np.concatenate([steps[s], osteps[s]]) for s in steps}
        forced = np.concatenate([forced, np.ones(k, dtype=bool)])
        limit = {n + j: STEPS.index(step) for j, (_, step) in enumerate(OPEN_TODAY)}
    else:
        limit = {}
    n = len(t)
    order = np.argsort(t, kind="stable")
    cat, t, lon, lat, source, forced = (a[order] for a in (cat, t, lon, lat, source, forced))
    steps = {s: v[order] for s, v in steps.items()}
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    stamps = {"received_at": t}
    for s in STEPS[1:]:
        stamps[s] = t + steps[s]
    # what has not happened by `now` has not happened; forced ones stop at their state
    stage = np.full(n, len(STEPS) - 1)
    for i_old, last in limit.items():
        stage[inv[i_old]] = last
    for i, s in enumerate(STEPS):
        late = stamps[s] > end
        stage = np.where(late & (stage >= i), i - 1, stage)
    # an incident whose record is not created yet at `now` does not exist yet
    exists = stamps["created_at"] <= end
    stage = np.maximum(stage, 2)
    status = np.array([STATUS_OF[STEPS[k]] for k in stage], dtype=object)
    us = {}
    for i, s in enumerate(STEPS):
        v = stamps[s].astype("datetime64[s]").astype("datetime64[us]")
        v[stage < i] = np.datetime64("NaT")
        us[s] = v
    cat, lon, lat, source = cat[exists], lon[exists], lat[exists], source[exists]
    t, status, us = t[exists], status[exists], {s: v[exists] for s, v in us.items()}
    n = len(t)

    severity = np.full(n, "", dtype=object)
    md, lb, lr, loss = (np.zeros(n, dtype=np.int64) for _ in range(4))
    priority = np.array([BY_CODE[c].default_priority for c in cat], dtype=np.int64)
    laka = np.flatnonzero(cat == "laka")
    sev, amd, alb, alr, aloss, aprio = _accident_details(stream("laka"), len(laka))
    severity[laka], md[laka], lb[laka], lr[laka], loss[laka], priority[laka] = (
        sev,
        amd,
        alb,
        alr,
        aloss,
        aprio,
    )
    fire = cat == "kebakaran"
    loss[fire] = np.round(stream("fire").lognormal(np.log(40_000_000), 1.0, int(fire.sum())), -5).astype(
        np.int64
    )
    rng = stream("summary")
    summary = np.array([SUMMARIES[c][rng.integers(len(SUMMARIES[c]))] for c in cat], dtype=object)

    incidents = {
        "category": cat,
        "lon": lon,
        "lat": lat,
        **us,
        "status": status,
        "priority": priority,
        "source": source,
        "summary": summary,
        "address": geo.address(lon, lat),
        "accident_severity": severity,
        "victims_md": md,
        "victims_lb": lb,
        "victims_lr": lr,
        "material_loss_rp": loss,
    }
    calls = _calls(stream, geo, incidents, t, start, end, tz, scale, days)
    stats = {
        "incidents": n,
        "calls": len(calls["received_at"]),
        "open": int((status != "closed").sum()),
        "prank_share": float((calls["disposition"] == "prank").mean()) if len(calls["disposition"]) else 0.0,
    }
    return History(incidents, calls, stats)


# --- calls ---------------------------------------------------------------------------------------


def _calls(stream, geo, inc, t, start, end, tz, scale, days) -> dict[str, np.ndarray]:
    parts: list[dict[str, np.ndarray]] = []
    nat = np.datetime64("NaT")

    def block(received, answered, ended, disposition, category, incident, lon, lat, caller):
        m = len(received)
        parts.append(
            {
                "received_at": received,
                "answered_at": answered,
                "ended_at": ended,
                "disposition": np.full(m, disposition, dtype=object)
                if isinstance(disposition, str)
                else disposition,
                "category": category,
                "incident": incident,
                "lon": lon,
                "lat": lat,
                "caller_number": caller,
            }
        )

    def secs(x):
        return np.asarray(x, dtype=np.int64).astype("datetime64[s]").astype("datetime64[us]")

    # 1. calls that created an incident (same received/answered times, the incident's place)
    rng = stream("calls:incident")
    via_call = np.flatnonzero(inc["source"] == "call")
    rec = inc["received_at"][via_call]
    ans = inc["answered_at"][via_call]
    dur = _lognormal(rng, 150, 0.5, len(via_call)).astype("timedelta64[s]")
    ended = np.where(np.isnat(ans), nat, ans + dur)
    ended = np.where(ended > secs(np.full(len(ended), end)), nat, ended)
    block(
        rec,
        ans,
        ended,
        "incident",
        inc["category"][via_call],
        via_call,
        inc["lon"][via_call],
        inc["lat"][via_call],
        names_mod.phone_numbers(rng, len(via_call)),
    )
    n_valid = len(via_call)

    # 2. further callers about the same incident (linked)
    rng = stream("calls:linked")
    lam = np.array([LINKED_PER_CALL_INCIDENT.get(c, 0.05) for c in inc["category"][via_call]])
    k = rng.poisson(lam)
    idx = np.repeat(via_call, k)
    if len(idx):
        lrec = t[idx] + rng.integers(30, 900, len(idx))
        keep = lrec < end - 60
        idx, lrec = idx[keep], lrec[keep]
        lans = lrec + _lognormal(rng, 6, 0.55, len(idx))
        lend = lans + _lognormal(rng, 60, 0.5, len(idx))
        lend = np.minimum(lend, end)
        jit_lon, jit_lat = _offset(inc["lon"][idx], inc["lat"][idx], *rng.normal(0, 40, (2, len(idx))))
        out = ~geo.inside(jit_lon, jit_lat)
        jit_lon[out], jit_lat[out] = inc["lon"][idx][out], inc["lat"][idx][out]
        block(
            secs(lrec),
            secs(lans),
            secs(lend),
            "linked",
            inc["category"][idx],
            idx,
            jit_lon,
            jit_lat,
            names_mod.phone_numbers(rng, len(idx)),
        )
        n_valid += len(idx)

    # 3. information requests and referrals
    profile = DIURNAL / DIURNAL.sum()
    for disposition, per_day in (("information", INFO_PER_DAY), ("referred", REFERRED_PER_DAY)):
        rng = stream(f"calls:{disposition}")
        m = rng.poisson(per_day * days * scale)
        r = np.sort(sample_times(rng, m, profile, start, end - 600, tz))
        a = r + _lognormal(rng, 6, 0.55, m)
        e = a + _lognormal(rng, 90 if disposition == "information" else 120, 0.5, m)
        if disposition == "information":
            c = np.full(m, "informasi", dtype=object)
        else:
            c = rng.choice(
                np.array(["kemanusiaan", "kebakaran", "informasi"], dtype=object), size=m, p=[0.5, 0.2, 0.3]
            )
        lo, la = _maybe_located(rng, geo, m)
        block(
            secs(r), secs(a), secs(e), disposition, c, np.full(m, -1), lo, la, names_mod.phone_numbers(rng, m)
        )
        n_valid += m

    # 4. pranks: PRANK_SHARE_OF_ANSWERED of answered calls, many from repeat numbers
    rng = stream("calls:prank")
    # a count proportional to the valid calls with a fixed-size draw of noise (a Poisson draw would
    # jump by hundreds when the valid count moves by one; this moves by ~7)
    mean = n_valid * PRANK_SHARE_OF_ANSWERED / (1 - PRANK_SHARE_OF_ANSWERED)
    m = max(0, round(mean + np.sqrt(mean) * rng.standard_normal()))
    pprof = PRANK_DIURNAL / PRANK_DIURNAL.sum()
    r = np.sort(sample_times(rng, m, pprof, start, end - 300, tz))
    a = r + _lognormal(rng, 6, 0.55, m)
    e = a + _lognormal(rng, 25, 0.6, m)
    pool = max(20, int(300 * scale * min(1.0, days / 365)))
    pool_numbers = names_mod.phone_numbers(rng, pool)
    home_lon, home_lat = sample_points(rng, geo, pool, 0.0)
    zipf = 1.0 / np.arange(1, pool + 1) ** 0.9
    repeat = rng.random(m) < REPEAT_PRANK_SHARE
    who = rng.choice(pool, size=m, p=zipf / zipf.sum())
    caller = np.where(repeat, pool_numbers[who], names_mod.phone_numbers(rng, m))
    lo, la = _maybe_located(rng, geo, m)
    near_lon, near_lat = _offset(home_lon[who], home_lat[who], *rng.normal(0, 60, (2, m)))
    use_home = repeat & ~np.isnan(lo)
    if use_home.any():
        use_home[use_home] = geo.inside(near_lon[use_home], near_lat[use_home])
    lo, la = np.where(use_home, near_lon, lo), np.where(use_home, near_lat, la)
    block(
        secs(r), secs(a), secs(e), "prank", np.full(m, "prank", dtype=object), np.full(m, -1), lo, la, caller
    )

    # 5. abandoned: rang, nobody answered or the caller hung up first
    rng = stream("calls:abandoned")
    total_so_far = sum(len(p["received_at"]) for p in parts)
    mean = total_so_far * ABANDONED_SHARE / (1 - ABANDONED_SHARE)
    m = max(0, round(mean + np.sqrt(mean) * rng.standard_normal()))
    r = np.sort(sample_times(rng, m, profile, start, end - 120, tz))
    e = r + rng.integers(3, 45, m)
    lo, la = _maybe_located(rng, geo, m)
    block(
        secs(r),
        np.full(m, nat, dtype="datetime64[us]"),
        secs(e),
        "abandoned",
        np.full(m, "", dtype=object),
        np.full(m, -1),
        lo,
        la,
        names_mod.phone_numbers(rng, m),
    )

    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(cols["received_at"], kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    cols["answered_at"] = cols["answered_at"].astype("datetime64[us]")
    cols["ended_at"] = cols["ended_at"].astype("datetime64[us]")
    cols["received_at"] = cols["received_at"].astype("datetime64[us]")
    cols["incident"] = cols["incident"].astype(np.int64)
    return cols


def _maybe_located(rng, geo, m):
    """Handset locations for the CALL_LOCATED share of calls; NaN (no location) for the rest."""
    lon, lat = np.full(m, np.nan), np.full(m, np.nan)
    on = rng.random(m) < CALL_LOCATED
    lon[on], lat[on] = sample_points(rng, geo, int(on.sum()), 0.25)
    return lon, lat
