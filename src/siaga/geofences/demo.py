"""Demo content of the geofences app, made through its services inside the demo builder's transaction:
the Polsek areas as fences, a forbidden zone and an event zone (a match at Stadion Patriot tonight) with
rules, drawn by Kabag Ops."""

from __future__ import annotations

import datetime as dt
import math

from siaga.accounts.models import User
from siaga.core.context import acting
from siaga.core.roles import Role

from . import services


def circle(lon: float, lat: float, radius_m: float, n: int = 24) -> dict:
    """A GeoJSON polygon approximating a circle (n vertices) around (lon, lat)."""
    dlat = radius_m / 110_574.0
    dlon = radius_m / (111_320.0 * math.cos(math.radians(lat)))
    ring = [
        [
            round(lon + dlon * math.cos(2 * math.pi * i / n), 6),
            round(lat + dlat * math.sin(2 * math.pi * i / n), 6),
        ]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def build(polres, now: dt.datetime, seed: int = 0) -> dict[str, int]:
    actor = User.objects.filter(username="kabagops", role=Role.KABAG_OPS, is_active=True).first()
    if actor is None:
        return {}
    with acting(actor, f"demo-geofences-{seed}"):
        areas = services.import_polsek_areas(actor, polres, at=now)
        forbidden = services.create_fence(
            actor,
            name="Zona terlarang TPST Bantargebang",
            kind="forbidden_zone",
            description="Kawasan pengolahan sampah: kendaraan dinas hanya atas perintah.",
            geometry=circle(107.0000, -6.3470, 600),
            polres=polres,
            at=now,
        )
        services.add_rule(actor, forbidden.pk, trigger="enter", severity="critical", quiet_minutes=15)
        services.add_rule(actor, forbidden.pk, trigger="dwell", dwell_minutes=20, severity="warning")
        start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        event = services.create_fence(
            actor,
            name="Pengamanan laga Stadion Patriot",
            kind="event_zone",
            description="Ring 1 pengamanan pertandingan sepak bola.",
            geometry=circle(106.9935, -6.2396, 450),
            polres=polres,
            active_from=start - dt.timedelta(hours=3),
            active_until=start + dt.timedelta(hours=5),
            at=now,
        )
        services.add_rule(
            actor, event.pk, trigger="leave", unit_kinds=["r2", "r4", "team"], severity="warning"
        )
        services.add_rule(actor, event.pk, trigger="enter", device_kinds=["bodycam"], severity="info")
    return {"geofences": 2 + areas["created"]}
