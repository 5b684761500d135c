"""Police stations for the public: every Polres and Polsek office with a position and phone number,
nearest first from a point (great-circle distance; the phone's position is never stored)."""

from __future__ import annotations

import math
from typing import Any

EMERGENCY_NUMBER = "110"


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def all_stations() -> list[dict[str, Any]]:
    """Public facts only: name, kind, address, phone, position."""
    from siaga.territory.models import Polres, Polsek

    out: list[dict[str, Any]] = []
    for p in Polres.objects.order_by("name"):
        if p.lat is not None and p.lon is not None:
            out.append(
                {
                    "id": f"polres-{p.pk}",
                    "kind": "polres",
                    "name": p.name,
                    "address": p.address,
                    "phone": p.phone,
                    "lat": p.lat,
                    "lon": p.lon,
                }
            )
    for s in Polsek.objects.select_related("polres").order_by("name"):
        if s.lat is not None and s.lon is not None:
            out.append(
                {
                    "id": f"polsek-{s.pk}",
                    "kind": "polsek",
                    "name": s.name,
                    "address": s.address,
                    "phone": s.phone,
                    "lat": s.lat,
                    "lon": s.lon,
                }
            )
    return out


def nearest(lat: float, lon: float, limit: int = 5, kind: str | None = None) -> list[dict[str, Any]]:
    rows = [s for s in all_stations() if kind is None or s["kind"] == kind]
    for s in rows:
        s["distance_m"] = round(haversine_m(lat, lon, s["lat"], s["lon"]))
    rows.sort(key=lambda s: (s["distance_m"], s["id"]))
    return rows[:limit]


def tel_href(phone: str) -> str:
    digits = "".join(c for c in phone or "" if c.isdigit() or c == "+")
    return f"tel:{digits}" if digits else ""
