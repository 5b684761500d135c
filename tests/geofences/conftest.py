"""Geofence fixtures: the command tree of tests/core/world.py, the users that draw or read fences, three
units of Polres A, square fences near Bekasi and a recorder standing in for ingest.alerts.raise_alert."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.accounts.services import create_user
from siaga.cad.models import Unit
from siaga.core.context import acting
from siaga.geofences import engine

from ..core.world import World, build_tree

PASSWORD = "Sandi-Rahasia-123"
T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
CENTRE = (107.00, -6.24)  # lon, lat: Bekasi


def square(lon: float = CENTRE[0], lat: float = CENTRE[1], half: float = 0.01) -> dict:
    """A GeoJSON square of side 2·half degrees around (lon, lat)."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def w(db):
    engine._indexes.clear()
    with acting(None, "test-geofences"):
        t = build_tree()
        users = {}
        for name, role, scope in [
            ("kabag_ops", "kabag_ops", {"polres": t.a}),
            ("lantas", "lantas", {"polres": t.a}),
            ("analyst", "analyst", {"polres": t.a}),
            ("operator", "operator", {"polres": t.a}),
            ("operator_s1", "operator", {"polsek": t.s1}),
            ("bhabin", "bhabin", {"polsek": t.s1, "kelurahan_code": "32.75.01.1001"}),
            ("kabag_ops_b", "kabag_ops", {"polres": t.b}),
            ("admin", "admin", {}),
        ]:
            users[name] = create_user(name, PASSWORD, role, validate=False, **scope)
    world = World(t, users)
    world.units = {
        c: Unit.objects.create(polres=t.a, callsign=c, kind=k)
        for c, k in (("R4-01", "r4"), ("R2-01", "r2"), ("POS-01", "post"))
    }
    world.unit_b = Unit.objects.create(polres=t.b, callsign="B-R4", kind="r4")
    return world


class Recorder:
    """Stands in for ingest.alerts.raise_alert: keeps the keyword arguments of every call (thread-safe)."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return kwargs

    def kinds(self, subject: str | None = None) -> list[str]:
        return [c["kind"] for c in self.calls if subject is None or c["details"]["subject"] == subject]


@pytest.fixture
def raised(monkeypatch):
    from siaga.ingest import alerts

    rec = Recorder()
    monkeypatch.setattr(alerts, "raise_alert", rec)
    return rec
