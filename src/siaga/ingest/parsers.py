"""Payload parsers: an Inbound's payload (OsmAnd query parameters, OwnTracks JSON, the generic JSON) into
one Message, or a Rejection with a reason. Pure functions with no database: they never raise, whatever
the payload holds (hypothesis checks that), and apply every rule that needs no stored state
(coordinates, (0, 0), timestamps in the future or too old, plate syntax)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from . import owntracks

MAX_FUTURE = dt.timedelta(minutes=5)  # device clocks drift; more than this is a broken clock
MAX_AGE = dt.timedelta(days=7)  # older than this is not news (and the dedupe ledger keeps a week)
KNOT_KMH = 1.852
TYPES = ("position", "panic", "cctv", "anpr")
EVENT_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
ID_RE = re.compile(r"^[\x21-\x7e]{1,80}$")  # printable ASCII, no spaces
# Indonesian plates: area code (1-2 letters), number (1-4 digits), suffix (0-3 letters)
PLATE_RE = re.compile(r"^[A-Z]{1,2}[0-9]{1,4}[A-Z]{0,3}$")


class Reason:
    """Why a message is refused: the codes adapters answer with and RejectCount counts."""

    MALFORMED = "malformed"  # not the protocol's shape, or a field of the wrong type
    UNSUPPORTED_TYPE = "unsupported_type"
    BAD_COORDINATES = "bad_coordinates"  # outside ±90/±180, not finite, or missing where required
    NULL_ISLAND = "null_island"  # (0, 0): a receiver without a fix
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_PLATE = "bad_plate"
    BAD_EVENT = "bad_event"
    UNKNOWN_DEVICE = "unknown_device"
    INACTIVE_DEVICE = "inactive_device"
    BAD_CREDENTIAL = "bad_credential"
    WRONG_POLRES = "wrong_polres"  # the topic names another Polres than the device's
    IMPOSSIBLE_SPEED = "impossible_speed"
    NO_POSITION = "no_position"  # a panic or event with no position from message, device or unit
    REFUSED = "refused"  # the operations room refused the incident


@dataclass
class Message:
    """A message that passed the stateless rules. `key` deduplicates it per device: its id when it has
    one, else its device time."""

    type: str
    at: dt.datetime
    key: str
    lat: float | None = None
    lon: float | None = None
    speed_kmh: float | None = None
    event: str = ""
    plate: str = ""
    plate_text: str = ""
    confidence: float | None = None
    image_ref: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    reason: str
    detail: str = ""


class _Bad(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def _num(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Bad(Reason.MALFORMED, name)
    if isinstance(value, str):
        if len(value) > 40:
            raise _Bad(Reason.MALFORMED, name)
        try:
            value = float(value)
        except ValueError:
            raise _Bad(Reason.MALFORMED, name) from None
    if not isinstance(value, int | float):
        raise _Bad(Reason.MALFORMED, name)
    try:
        value = float(value)
    except OverflowError:
        raise _Bad(Reason.MALFORMED, name) from None
    if not math.isfinite(value):
        raise _Bad(Reason.BAD_COORDINATES if name in ("lat", "lon") else Reason.MALFORMED, name)
    return value


def _point(lat: Any, lon: Any, *, required: bool) -> tuple[float | None, float | None]:
    lat, lon = _num(lat, "lat"), _num(lon, "lon")
    if lat is None and lon is None:
        if required:
            raise _Bad(Reason.BAD_COORDINATES, "missing")
        return None, None
    if lat is None or lon is None:
        raise _Bad(Reason.BAD_COORDINATES, "lat and lon come together")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise _Bad(Reason.BAD_COORDINATES, f"{lat},{lon}")
    if lat == 0 and lon == 0:
        raise _Bad(Reason.NULL_ISLAND)
    return lat, lon


_UNIX_MIN, _UNIX_MAX = 946_684_800, 4_102_444_800  # 2000-01-01 .. 2100-01-01


def parse_time(value: Any) -> dt.datetime:
    """Unix seconds (or milliseconds), or ISO 8601 with a zone ("Z" allowed), or "YYYY-MM-DD HH:MM:SS"
    taken as UTC (Traccar's OsmAnd clients send that)."""
    if isinstance(value, bool):
        raise _Bad(Reason.BAD_TIMESTAMP, "bool")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
            value = float(text)
        else:
            if len(text) > 40:
                raise _Bad(Reason.BAD_TIMESTAMP, "too long")
            try:
                at = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                raise _Bad(Reason.BAD_TIMESTAMP, text[:40]) from None
            if at.tzinfo is None:
                if "T" in text:  # ISO without a zone is ambiguous on the wire
                    raise _Bad(Reason.BAD_TIMESTAMP, "no time zone")
                at = at.replace(tzinfo=dt.UTC)
            return at.astimezone(dt.UTC)
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:
            raise _Bad(Reason.BAD_TIMESTAMP, "overflow") from None
        if not math.isfinite(seconds):
            raise _Bad(Reason.BAD_TIMESTAMP, "not finite")
        if seconds > _UNIX_MAX:
            seconds /= 1000.0  # milliseconds
        if not _UNIX_MIN <= seconds < _UNIX_MAX:
            raise _Bad(Reason.BAD_TIMESTAMP, str(value)[:40])
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    raise _Bad(Reason.BAD_TIMESTAMP, type(value).__name__)


def _check_time(at: dt.datetime, received_at: dt.datetime) -> None:
    if at > received_at + MAX_FUTURE:
        raise _Bad(Reason.FUTURE_TIMESTAMP, at.isoformat())
    if at < received_at - MAX_AGE:
        raise _Bad(Reason.STALE_TIMESTAMP, at.isoformat())


def time_key(at: dt.datetime, kind: str = "position") -> str:
    ms = round(at.timestamp() * 1000)
    return f"t:{ms}" if kind == "position" else f"t:{ms}:{kind}"


def normalise_plate(text: Any) -> str:
    """ "b 1234-xyz" → "B1234XYZ"; "" when it is not an Indonesian plate."""
    if not isinstance(text, str) or len(text) > 30:
        return ""
    plate = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    return plate if PLATE_RE.match(plate) else ""


def _text(value: Any, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(Reason.MALFORMED, name)
    return value.strip()[:limit]


# --- protocols ------------------------------------------------------------------------------------


def _osmand(p: dict[str, Any], received_at: dt.datetime) -> Message:
    """Traccar's OsmAnd: id, lat, lon, timestamp, speed (knots), bearing, altitude, accuracy, batt."""
    lat, lon = _point(p.get("lat"), p.get("lon"), required=True)
    raw_time = p.get("timestamp")
    at = received_at if raw_time in (None, "") else parse_time(raw_time)
    _check_time(at, received_at)
    knots = _num(p.get("speed"), "speed")
    if knots is not None and knots < 0:
        raise _Bad(Reason.MALFORMED, "speed")
    details = {}
    for name in ("bearing", "altitude", "accuracy", "batt"):
        if (v := _num(p.get(name), name)) is not None:
            details[name] = v
    return Message(
        "position",
        at,
        time_key(at),
        lat,
        lon,
        speed_kmh=None if knots is None else knots * KNOT_KMH,
        details=details,
    )


def _owntracks(p: dict[str, Any], received_at: dt.datetime) -> Message:
    if owntracks.message_type(p) != owntracks.LOCATION:
        raise _Bad(Reason.UNSUPPORTED_TYPE, owntracks.message_type(p)[:30])
    try:
        loc = owntracks.parse_location(p)
    except owntracks.OwnTracksError as e:
        reason = {
            owntracks.BAD_COORDINATES: Reason.BAD_COORDINATES,
            owntracks.BAD_TIMESTAMP: Reason.BAD_TIMESTAMP,
            owntracks.MISSING_FIELD: Reason.BAD_COORDINATES
            if e.detail in ("lat", "lon")
            else Reason.MALFORMED,
        }.get(e.reason, Reason.MALFORMED)
        raise _Bad(reason, e.detail) from None
    lat, lon = _point(loc.lat, loc.lon, required=True)
    _check_time(loc.at, received_at)
    speed = loc.speed_kmh if loc.speed_kmh is not None and loc.speed_kmh >= 0 else None
    details = {k: v for k, v in (("accuracy", loc.accuracy_m), ("batt", loc.battery_pct)) if v is not None}
    return Message("position", loc.at, time_key(loc.at), lat, lon, speed_kmh=speed, details=details)


def _generic(p: dict[str, Any], received_at: dt.datetime) -> Message:
    kind = p.get("type", "position")
    if not isinstance(kind, str) or kind not in TYPES:
        raise _Bad(Reason.UNSUPPORTED_TYPE, str(kind)[:30])
    msg_id = p.get("id")
    if msg_id is not None:
        if isinstance(msg_id, int) and not isinstance(msg_id, bool):
            msg_id = str(msg_id)
        if not isinstance(msg_id, str) or not ID_RE.match(msg_id):
            raise _Bad(Reason.MALFORMED, "id")
    raw_time = p.get("at")
    if raw_time is None and kind == "position":
        raise _Bad(Reason.BAD_TIMESTAMP, "a position needs its time")
    at = received_at if raw_time is None else parse_time(raw_time)
    _check_time(at, received_at)
    lat, lon = _point(p.get("lat"), p.get("lon"), required=kind == "position")
    key = f"id:{msg_id}" if msg_id else (time_key(at, kind) if raw_time is not None else "")
    m = Message(kind, at, key, lat, lon)
    speed = _num(p.get("speed"), "speed")
    if speed is not None and speed < 0:
        raise _Bad(Reason.MALFORMED, "speed")
    m.speed_kmh = speed
    confidence = _num(p.get("confidence"), "confidence")
    if confidence is not None and not 0 <= confidence <= 1:
        raise _Bad(Reason.MALFORMED, "confidence")
    m.confidence = confidence
    m.image_ref = _text(p.get("image"), "image", 300)
    if kind == "cctv":
        event = p.get("event")
        if not isinstance(event, str) or not EVENT_RE.match(event):
            raise _Bad(Reason.BAD_EVENT, str(event)[:30])
        m.event = event
    if kind == "anpr":
        m.plate_text = _text(p.get("plate"), "plate", 30)
        m.plate = normalise_plate(m.plate_text)
        if not m.plate:
            raise _Bad(Reason.BAD_PLATE, m.plate_text)
    extra = p.get("details")
    if extra is not None and not isinstance(extra, dict):
        raise _Bad(Reason.MALFORMED, "details")
    if extra:
        m.details = {str(k)[:40]: v for k, v in list(extra.items())[:20]}
    return m


PARSERS = {"osmand": _osmand, "owntracks": _owntracks, "generic": _generic}


def parse(protocol: str, payload: Any, received_at: dt.datetime) -> Message | Rejection:
    """The payload as a Message, or the Rejection saying why not. Never raises."""
    parser = PARSERS.get(protocol)
    if parser is None:
        return Rejection(Reason.UNSUPPORTED_TYPE, str(protocol)[:30])
    if not isinstance(payload, dict):
        return Rejection(Reason.MALFORMED, "not an object")
    try:
        return parser(payload, received_at)
    except _Bad as e:
        return Rejection(e.reason, e.detail)
    except Exception as e:  # a parser bug must not stop a worker: the message is refused, not lost silently
        return Rejection(Reason.MALFORMED, type(e).__name__)
