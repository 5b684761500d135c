"""OwnTracks JSON, as the phones' app publishes it (https://owntracks.org/booklet/tech/json/).

Only `_type: "location"` carries a position; every other type (transition, waypoint(s), lwt, card, cmd,
status, encrypted, ...) is recognised and ignored by the adapters, which count it under its type.
Parsing is strict about types and never raises anything but OwnTracksError, so a worker survives any
payload. Range checks beyond the plainly impossible (the gateway's rules: (0, 0), speed versus the
previous fix, future or stale time) are pipeline.accept's job.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

LOCATION = "location"

# Why a location payload is refused; the adapters count these names.
MALFORMED = "owntracks.malformed"  # not a JSON object, or a field of the wrong type
MISSING_FIELD = "owntracks.missing_field"  # lat, lon or tst absent
BAD_COORDINATES = "owntracks.bad_coordinates"  # lat outside ±90 or lon outside ±180, or not finite
BAD_TIMESTAMP = "owntracks.bad_timestamp"  # tst not a plausible unix time


class OwnTracksError(ValueError):
    """A payload that cannot be read as an OwnTracks location; `reason` is one of the constants above."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Location:
    """One OwnTracks fix. `at` is the device's fix time (tst, UTC); speed in km/h as OwnTracks sends it."""

    lat: float
    lon: float
    at: dt.datetime
    tst: int
    accuracy_m: float | None = None
    altitude_m: float | None = None
    speed_kmh: float | None = None
    course_deg: float | None = None
    battery_pct: int | None = None
    tid: str = ""
    trigger: str = ""

    @property
    def message_id(self) -> str:
        """OwnTracks has no message id: a device sends at most one fix per second, so the fix time is one."""
        return str(self.tst)


def message_type(payload: Any) -> str:
    """The payload's `_type` ("location", "transition", ...) or "" when it has none."""
    if isinstance(payload, dict):
        kind = payload.get("_type")
        if isinstance(kind, str):
            return kind
    return ""


def is_location(payload: Any) -> bool:
    return message_type(payload) == LOCATION


def _number(payload: dict, key: str, *, required: bool = False) -> float | None:
    value = payload.get(key)
    if value is None:
        if required:
            raise OwnTracksError(MISSING_FIELD, key)
        return None
    # bool is an int in Python: true/false is not a coordinate
    if isinstance(value, bool) or not isinstance(value, int | float):
        # some clients send numbers as strings ("lat": "-6.2"); accept those, refuse anything else
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise OwnTracksError(MALFORMED, key) from None
        else:
            raise OwnTracksError(MALFORMED, key)
    value = float(value)
    if not math.isfinite(value):
        raise OwnTracksError(BAD_COORDINATES if key in ("lat", "lon") else MALFORMED, key)
    return value


# unix seconds from 2000-01-01 to 2100-01-01: anything outside is a broken clock or a millisecond value
_TST_MIN, _TST_MAX = 946_684_800, 4_102_444_800


def parse_location(payload: Any) -> Location:
    """Read a `_type: "location"` payload into a Location, or raise OwnTracksError with a reason."""
    if not isinstance(payload, dict):
        raise OwnTracksError(MALFORMED, "not an object")
    if message_type(payload) != LOCATION:
        raise OwnTracksError(MALFORMED, "_type is not location")
    lat = _number(payload, "lat", required=True)
    lon = _number(payload, "lon", required=True)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise OwnTracksError(BAD_COORDINATES, f"{lat},{lon}")
    tst_raw = _number(payload, "tst", required=True)
    if not (_TST_MIN <= tst_raw < _TST_MAX):
        raise OwnTracksError(BAD_TIMESTAMP, str(tst_raw))
    tst = int(tst_raw)
    batt = _number(payload, "batt")
    tid = payload.get("tid", "")
    trigger = payload.get("t", "")
    return Location(
        lat=lat,
        lon=lon,
        at=dt.datetime.fromtimestamp(tst, tz=dt.UTC),
        tst=tst,
        accuracy_m=_number(payload, "acc"),
        altitude_m=_number(payload, "alt"),
        speed_kmh=_number(payload, "vel"),
        course_deg=_number(payload, "cog"),
        battery_pct=None if batt is None else int(batt),
        tid=tid[:8] if isinstance(tid, str) else "",
        trigger=trigger[:4] if isinstance(trigger, str) else "",
    )


def device_ref(user: str, device: str) -> str:
    """How a device is named for OwnTracks, from its topic owntracks/{user}/{device}."""
    return f"{user}/{device}"


def location_payload(
    lat: float,
    lon: float,
    tst: int,
    *,
    acc: float | None = None,
    vel: float | None = None,
    cog: float | None = None,
    batt: int | None = None,
    tid: str = "",
) -> dict[str, Any]:
    """A location message as the app would publish it (simulators, benchmarks and tests use this)."""
    msg: dict[str, Any] = {"_type": LOCATION, "lat": lat, "lon": lon, "tst": tst}
    for key, value in (("acc", acc), ("vel", vel), ("cog", cog), ("batt", batt)):
        if value is not None:
            msg[key] = value
    if tid:
        msg["tid"] = tid
    return msg
