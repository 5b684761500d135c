"""Travel-time estimates from units to an incident, behind an interface a real router can replace.

`CircuityEstimator` (the default) needs no network or road graph: straight-line distance in metres times
a circuity factor (road distance / crow-fly distance, about 1.3-1.4 in dense Indonesian cities), at a
speed by unit kind and local hour (rush hours in Bekasi slow cars far more than motorbikes).
`OsrmEstimator` asks an OSRM server's table service for road durations, falling back to the default
estimate when the server fails, so a dispatcher always gets an answer.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_008.8

# km/h by unit kind: (free-flow, rush hour). Motorbikes filter through jams; cars do not.
SPEEDS_KMH: dict[str, tuple[float, float]] = {
    "r4": (40.0, 18.0),
    "r2": (35.0, 26.0),
    "foot": (5.0, 5.0),
    "post": (5.0, 5.0),  # a post's officers respond on foot unless it has a vehicle
    "team": (40.0, 18.0),
}
RUSH_HOURS = frozenset({6, 7, 8, 9, 16, 17, 18, 19})


def haversine_m(lon1, lat1, lon2: float, lat2: float) -> np.ndarray:
    """Great-circle distance in metres from arrays (lon1, lat1) to one point (lon2, lat2)."""
    lon1 = np.radians(np.asarray(lon1, dtype=float))
    lat1 = np.radians(np.asarray(lat1, dtype=float))
    lon2, lat2 = np.radians(lon2), np.radians(lat2)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass(frozen=True)
class TravelEstimate:
    distance_m: np.ndarray  # straight-line distance
    eta_s: np.ndarray  # estimated driving time
    method: str


class TravelTimeEstimator(Protocol):
    def estimate(
        self,
        lons: np.ndarray,
        lats: np.ndarray,
        kinds: np.ndarray,
        dest_lon: float,
        dest_lat: float,
        hour: int,
    ) -> TravelEstimate: ...


@dataclass
class CircuityEstimator:
    circuity: float = 1.35
    speeds_kmh: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(SPEEDS_KMH))
    rush_hours: frozenset[int] = RUSH_HOURS
    turnout_s: float = 30.0  # time to get moving once dispatched

    def speed_ms(self, kinds: np.ndarray, hour: int) -> np.ndarray:
        col = 1 if hour in self.rush_hours else 0
        table = {k: v[col] / 3.6 for k, v in self.speeds_kmh.items()}
        default = self.speeds_kmh["r4"][col] / 3.6
        return np.array([table.get(k, default) for k in kinds], dtype=float)

    def estimate(self, lons, lats, kinds, dest_lon, dest_lat, hour) -> TravelEstimate:
        d = haversine_m(lons, lats, dest_lon, dest_lat)
        eta = self.turnout_s + d * self.circuity / self.speed_ms(np.asarray(kinds), hour)
        return TravelEstimate(distance_m=d, eta_s=eta, method="circuity")


@dataclass
class OsrmEstimator:
    """Road durations from an OSRM server (`/table/v1/driving/...`), one request per recommendation."""

    base_url: str
    timeout_s: float = 1.5
    fallback: CircuityEstimator = field(default_factory=CircuityEstimator)

    def estimate(self, lons, lats, kinds, dest_lon, dest_lat, hour) -> TravelEstimate:
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        base = self.fallback.estimate(lons, lats, kinds, dest_lon, dest_lat, hour)
        if len(lons) == 0:
            return base
        coords = ";".join(f"{x:.6f},{y:.6f}" for x, y in zip(lons, lats, strict=True))
        sources = ";".join(str(i) for i in range(len(lons)))
        url = (
            f"{self.base_url.rstrip('/')}/table/v1/driving/{coords};{dest_lon:.6f},{dest_lat:.6f}"
            f"?sources={sources}&destinations={len(lons)}&annotations=duration"
        )
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as resp:  # noqa: S310 (configured URL)
                body = json.load(resp)
            durations = np.array(
                [row[0] if row[0] is not None else np.nan for row in body["durations"]], dtype=float
            )
            if body.get("code") != "Ok" or durations.shape != base.eta_s.shape:
                raise ValueError(f"unexpected OSRM answer: {body.get('code')}")
        except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError) as e:
            log.warning("OSRM unavailable (%s); using straight-line estimates", e)
            return base
        eta = np.where(np.isnan(durations), base.eta_s, durations + self.fallback.turnout_s)
        return TravelEstimate(distance_m=base.distance_m, eta_s=eta, method="osrm")


def default_estimator() -> TravelTimeEstimator:
    from django.conf import settings

    url = getattr(settings, "SIAGA_OSRM_URL", "")
    return OsrmEstimator(url) if url else CircuityEstimator()
