"""A small Polres for cad/resources service tests: Bekasi Timur (real polygons), 120 synthetic RT,
one Polsek over it, and a second Polres elsewhere to prove that nothing crosses between them."""

from __future__ import annotations

import copy
import datetime as dt
import json

import numpy as np
import pytest

from siaga.core.context import acting
from siaga.territory import lookup
from siaga.territory import services as territory

TIMUR = "32.75.01"
KELURAHAN = ["32.75.01.1001", "32.75.01.1002", "32.75.01.1003", "32.75.01.1004"]
# points inside Bekasi Timur (kelurahan centres from the source data) and one in Jakarta
INSIDE = [(107.01356, -6.23336), (107.01090, -6.25295), (107.02325, -6.23749), (107.03410, -6.24116)]
OUTSIDE = (106.8456, -6.2088)  # Monas, Jakarta
UTC = dt.UTC


@pytest.fixture(scope="session")
def bekasi_kelurahan() -> dict:
    return json.loads((territory.bundled("kota-bekasi") / "kelurahan.geojson").read_text())


@pytest.fixture
def world(db, bekasi_kelurahan):
    """(polres, polsek, other_polres) with Bekasi Timur's boundaries and RW/RT."""
    lookup.invalidate()
    feats = [f for f in bekasi_kelurahan["features"] if f["properties"]["kode"].startswith(TIMUR + ".")]
    with acting(None, "test-world"):
        territory.import_codes("32.75")
        territory.import_codes("32.16")  # Kabupaten Bekasi: the other Polres
        territory.import_boundaries({"type": "FeatureCollection", "features": copy.deepcopy(feats)}, level=4)
        territory.derive_parent_boundaries(3, TIMUR)
        territory.generate_rw_rt(KELURAHAN, seed=1, rt_total=120)
        polda = territory.create_polda("POLDA-MJ", "Polda Metro Jaya")
        polres = territory.create_polres(polda, "BKS", "Polres Metro Bekasi Kota", "32.75")
        polsek = territory.create_polsek(polres, "BKT", "Polsek Bekasi Timur", region_codes=[TIMUR])
        other = territory.create_polres(polda, "BKSKAB", "Polres Metro Bekasi", "32.16")
    yield polres, polsek, other
    lookup.invalidate()


@pytest.fixture
def polres(world):
    return world[0]


@pytest.fixture
def polsek(world):
    return world[1]


@pytest.fixture
def other_polres(world):
    return world[2]


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def incident_columns(n: int = 3, start: dt.datetime | None = None) -> dict:
    """`n` valid incidents an hour apart, closed, inside Bekasi Timur."""
    start = start or utc(2026, 3, 1, 1, 0, 0)
    rec = np.array(
        [np.datetime64(start.replace(tzinfo=None), "us") + np.timedelta64(i, "h") for i in range(n)]
    )
    sec = np.timedelta64(1, "s")
    pts = [INSIDE[i % len(INSIDE)] for i in range(n)]
    return {
        "category": ["curat", "laka", "keributan", "curas"][:n] + ["curat"] * max(0, n - 4),
        "lon": [p[0] for p in pts],
        "lat": [p[1] for p in pts],
        "received_at": rec,
        "answered_at": rec + 6 * sec,
        "created_at": rec + 80 * sec,
        "dispatched_at": rec + 110 * sec,
        "en_route_at": rec + 130 * sec,
        "on_scene_at": rec + 500 * sec,
        "cleared_at": rec + 3000 * sec,
        "closed_at": rec + 5000 * sec,
        "accident_severity": ["", "sedang", "", ""][:n] + [""] * max(0, n - 4),
        "victims_lr": [0, 2, 0, 0][:n] + [0] * max(0, n - 4),
    }


def call_columns(incidents: dict) -> dict:
    """One call per incident (disposition incident) plus a prank and an abandoned call."""
    n = len(incidents["received_at"])
    rec = incidents["received_at"]
    sec = np.timedelta64(1, "s")
    extra = rec[-1] + 600 * sec
    return {
        "received_at": np.concatenate([rec, [extra, extra + 60 * sec]]),
        "answered_at": np.concatenate([incidents["answered_at"], [extra + 5 * sec, np.datetime64("NaT")]]),
        "ended_at": np.concatenate(
            [incidents["answered_at"] + 120 * sec, [extra + 30 * sec, extra + 70 * sec]]
        ),
        "caller_number": [f"08120000{i:04d}" for i in range(n)] + ["081299998888", "081377776666"],
        "category": [*incidents["category"], "prank", ""],
        "disposition": ["incident"] * n + ["prank", "abandoned"],
        "incident": [*range(n), -1, -1],
        "lon": [*incidents["lon"], float("nan"), INSIDE[0][0]],
        "lat": [*incidents["lat"], float("nan"), INSIDE[0][1]],
    }
