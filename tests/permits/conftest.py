"""Permits fixtures: the small command tree of tests/core/world.py (Polres A with Polsek S1 and S2,
Polres B), staff of each relevant role, forbidden places near a point, and future dates that respect
the rules (working days, hours) whatever day the tests run."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.cache import cache

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.permits import rules
from siaga.permits.models import ForbiddenPlace
from tests.core.world import World, build_tree

PASSWORD = "Sandi-Rahasia-123"
WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
POINT = (-6.2383, 106.9756)  # a gathering point in Polres A
MILITARY = (-6.2352, 106.9931)  # ~1.9 km east of POINT
NEAR_MILITARY = (-6.2360, 106.9925)  # ~100 m from MILITARY


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pw(db):
    with acting(None, "test-permits"):
        t = build_tree()
        users = {}
        for name, role, scope in [
            ("operator", "operator", {"polres": t.a}),
            ("intelkam", "intelkam", {"polres": t.a}),
            ("commander", "commander", {"polres": t.a}),
            ("kabag", "kabag_ops", {"polres": t.a}),
            ("dispatcher", "dispatcher", {"polres": t.a}),
            ("analyst", "analyst", {"polres": t.a}),
            ("humas", "humas", {"polres": t.a}),
            ("operator_s1", "operator", {"polsek": t.s1}),
            ("intelkam_b", "intelkam", {"polres": t.b}),
            ("admin", "admin", {}),
        ]:
            users[name] = create_user(name, PASSWORD, role, validate=False, **scope)
        ForbiddenPlace.objects.create(
            polres=t.a, name="Makodim 0507", kind="military", lat=MILITARY[0], lon=MILITARY[1]
        )
    return World(t, users)


def working_day(n: int, after: dt.date | None = None) -> dt.date:
    """The n-th working day after today (local)."""
    return rules.add_working_days(after or dt.datetime.now(WIB).date(), n)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WIB)


def person(n: int = 1, **over) -> dict:
    base = {
        "name": "Siti Aminah",
        "nik": f"32750145129{n:05d}",
        "email": f"siti{n}@contoh.id",
        "phone": "081377776666",
    }
    base.update(over)
    return base


def sktlk_fields(n: int = 1, **over) -> dict:
    today = dt.datetime.now(WIB).date()
    base = {
        **person(n),
        "items": [
            {"kind": "ktp", "identifier": "3275014512900001"},
            {"kind": "atm", "identifier": "5221-0000"},
        ],
        "lost_on": (today - dt.timedelta(days=1)).isoformat(),
        "lost_place": "Pasar Baru Bekasi",
        "chronology": "Dompet terjatuh di angkot jurusan Bekasi Timur, tidak ditemukan kembali.",
    }
    base.update(over)
    return base


def demo_fields(n: int = 1, days: int = 5, **over) -> dict:
    start = local(working_day(days), 9)
    base = {
        **person(n),
        "purpose": "Menyampaikan aspirasi tentang upah minimum kota.",
        "place": "Depan Kantor Pemerintah Kota Bekasi",
        "route": "",
        "lat": POINT[0],
        "lon": POINT[1],
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        "form": "Orasi",
        "coordinator": "Bambang Sutrisno",
        "organisation": "Serikat Pekerja Bekasi",
        "props": "Spanduk, pengeras suara",
        "participants": 300,
        "scale": "kabkota",
    }
    base.update(over)
    return base


def crowd_fields(n: int = 1, days: int = 20, scale: str = "kabkota", **over) -> dict:
    start = local(working_day(days), 15)
    base = {
        **person(n),
        "title": "Festival Musik Patriot",
        "organiser": "Karang Taruna Margahayu",
        "place": "Lapangan Multiguna",
        "lat": POINT[0],
        "lon": POINT[1],
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=6)).isoformat(),
        "scale": scale,
        "participants": 800,
    }
    base.update(over)
    return base


def key(n: int, kind: str = "r") -> str:
    return f"test-{kind}-{n:06d}-permits-key"
