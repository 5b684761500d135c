"""The legal rules of crowd-event permits and demonstration notices, as pure functions (no database).

Sources (DOMAIN.md): crowd events PP 60/2017 and Perpol 7/2023 (lead time 14 working days, 21 for
national and 30 for international events; signing level by scale); demonstrations UU 9/1998 and
Perkap 7/2012 (written notice 3 x 24 hours ahead with the contents of Pasal 11; hours 06-18 outdoors and
06-22 indoors; not on national holidays nor within 100 m of the palace, 150 m of military installations,
500 m of national vital objects).

Each failed rule is a `Breach` whose message is in the citizen's language and names its legal source.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

# National holidays (hari libur nasional) from the joint decree of three ministers (SKB 3 Menteri).
# 2026 as decreed; 2027 as announced in advance (lunar dates may shift by a day: update when decreed).
# Collective leave days (cuti bersama) are not national holidays and are not listed.
HOLIDAYS: dict[dt.date, str] = {
    dt.date(2026, 1, 1): "Tahun Baru 2026 Masehi",
    dt.date(2026, 1, 16): "Isra Mikraj Nabi Muhammad SAW",
    dt.date(2026, 2, 17): "Tahun Baru Imlek 2577 Kongzili",
    dt.date(2026, 3, 19): "Hari Suci Nyepi Tahun Baru Saka 1948",
    dt.date(2026, 3, 20): "Idulfitri 1447 H",
    dt.date(2026, 3, 21): "Idulfitri 1447 H",
    dt.date(2026, 4, 3): "Wafat Yesus Kristus",
    dt.date(2026, 4, 5): "Kebangkitan Yesus Kristus (Paskah)",
    dt.date(2026, 5, 1): "Hari Buruh Internasional",
    dt.date(2026, 5, 14): "Kenaikan Yesus Kristus",
    dt.date(2026, 5, 27): "Iduladha 1447 H",
    dt.date(2026, 5, 31): "Hari Raya Waisak 2570 BE",
    dt.date(2026, 6, 1): "Hari Lahir Pancasila",
    dt.date(2026, 6, 16): "Tahun Baru Islam 1448 H",
    dt.date(2026, 8, 17): "Hari Proklamasi Kemerdekaan RI",
    dt.date(2026, 8, 25): "Maulid Nabi Muhammad SAW",
    dt.date(2026, 12, 25): "Hari Raya Natal",
    dt.date(2027, 1, 1): "Tahun Baru 2027 Masehi",
    dt.date(2027, 1, 5): "Isra Mikraj Nabi Muhammad SAW",
    dt.date(2027, 2, 6): "Tahun Baru Imlek 2578 Kongzili",
    dt.date(2027, 3, 8): "Hari Suci Nyepi Tahun Baru Saka 1949",
    dt.date(2027, 3, 10): "Idulfitri 1448 H",
    dt.date(2027, 3, 11): "Idulfitri 1448 H",
    dt.date(2027, 3, 26): "Wafat Yesus Kristus",
    dt.date(2027, 3, 28): "Kebangkitan Yesus Kristus (Paskah)",
    dt.date(2027, 5, 1): "Hari Buruh Internasional",
    dt.date(2027, 5, 6): "Kenaikan Yesus Kristus",
    dt.date(2027, 5, 17): "Iduladha 1448 H",
    dt.date(2027, 5, 20): "Hari Raya Waisak 2571 BE",
    dt.date(2027, 6, 1): "Hari Lahir Pancasila",
    dt.date(2027, 6, 6): "Tahun Baru Islam 1449 H",
    dt.date(2027, 8, 15): "Maulid Nabi Muhammad SAW",
    dt.date(2027, 8, 17): "Hari Proklamasi Kemerdekaan RI",
    dt.date(2027, 12, 25): "Hari Raya Natal",
}

CROWD_LEAD_DAYS = {"kecamatan": 14, "kabkota": 14, "provinsi": 14, "nasional": 21, "internasional": 30}
SIGNER_BY_SCALE = {
    "kecamatan": "kapolsek",
    "kabkota": "kapolres",
    "provinsi": "kapolda",
    "nasional": "kabaintelkam",
    "internasional": "kabaintelkam",
}
LEVEL = {"kapolsek": 0, "kapolres": 1, "kapolda": 2, "kabaintelkam": 3}
DEMO_LEAD = dt.timedelta(hours=72)
OUTDOOR_HOURS = (6, 18)
INDOOR_HOURS = (6, 22)
BUFFER_M = {"palace": 100.0, "military": 150.0, "vital": 500.0}
# UU 9/1998 Pasal 11: what a demonstration notice must contain
DEMO_FIELDS = ("purpose", "place", "form", "coordinator", "organisation", "props", "participants")

SRC_DEMO_LEAD = "UU 9/1998 Pasal 10 ayat 3"
SRC_DEMO_CONTENT = "UU 9/1998 Pasal 11"
SRC_DEMO_PLACE = "UU 9/1998 Pasal 9 ayat 2 huruf a dan penjelasannya"
SRC_DEMO_HOLIDAY = "UU 9/1998 Pasal 9 ayat 2 huruf b"
SRC_DEMO_HOURS = "Perkap 7/2012"
SRC_CROWD = "PP 60/2017 jo. Perpol 7/2023"


@dataclass(frozen=True)
class Breach:
    rule: str  # stable code, e.g. "demo_lead_time"
    message: str  # for the citizen, in their language, naming the legal source
    field: str = ""


# --- calendar ---------------------------------------------------------------------------------------


def is_holiday(day: dt.date) -> bool:
    return day in HOLIDAYS


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days strictly after `start` up to and including `end` (0 when end <= start)."""
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n += 1
    return n


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start`."""
    day, left = start, n
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


# --- crowd events -----------------------------------------------------------------------------------


def crowd_lead_days(scale: str) -> int:
    return CROWD_LEAD_DAYS[scale]


def earliest_crowd_date(scale: str, submitted_on: dt.date) -> dt.date:
    """The first day an event may start when applied for on `submitted_on`: the full number of working
    days must lie between the application and the event."""
    return add_working_days(submitted_on, crowd_lead_days(scale)) + dt.timedelta(days=1)


def crowd_breaches(scale: str, submitted_on: dt.date, starts_on: dt.date) -> list[Breach]:
    need = crowd_lead_days(scale)
    have = working_days_between(submitted_on, starts_on - dt.timedelta(days=1))
    if have >= need:
        return []
    return [
        Breach(
            "crowd_lead_time",
            _(
                "A crowd-event permit must be applied for at least %(n)d working days before the event "
                "(%(src)s); for this date apply by %(last)s or choose %(first)s or later."
            )
            % {
                "n": need,
                "src": SRC_CROWD,
                "last": latest_application_day(scale, starts_on).strftime("%d-%m-%Y"),
                "first": earliest_crowd_date(scale, submitted_on).strftime("%d-%m-%Y"),
            },
            "starts_at",
        )
    ]


def latest_application_day(scale: str, starts_on: dt.date) -> dt.date:
    """The last day to apply for an event starting on `starts_on` (may lie in the past)."""
    need, day, seen = crowd_lead_days(scale), starts_on - dt.timedelta(days=1), 0
    while True:
        if is_working_day(day):
            seen += 1
            if seen == need:
                return day - dt.timedelta(days=1)
        day -= dt.timedelta(days=1)


def signer_for(scale: str) -> str:
    return SIGNER_BY_SCALE[scale]


def above_polres(signer: str) -> bool:
    """A Polres installation signs at Kapolres level and below."""
    return LEVEL[signer] > LEVEL["kapolres"]


# --- demonstrations ---------------------------------------------------------------------------------


def demo_lead_breach(submitted_at: dt.datetime, starts_at: dt.datetime) -> Breach | None:
    if starts_at - submitted_at >= DEMO_LEAD:
        return None
    return Breach(
        "demo_lead_time",
        _("The notice must be given at least 3 x 24 hours before the activity (%(src)s).")
        % {"src": SRC_DEMO_LEAD},
        "starts_at",
    )


def hours_ok(start: dt.datetime, end: dt.datetime, indoor: bool) -> bool:
    """Both ends in local time, on the same day, within 06:00-18:00 outdoors or 06:00-22:00 indoors."""
    lo, hi = INDOOR_HOURS if indoor else OUTDOOR_HOURS
    if end <= start or start.date() != end.date():
        return False
    first = start.replace(hour=lo, minute=0, second=0, microsecond=0)
    last = start.replace(hour=hi, minute=0, second=0, microsecond=0)
    return first <= start and end <= last


def demo_hours_breach(start: dt.datetime, end: dt.datetime, indoor: bool) -> Breach | None:
    if hours_ok(start, end, indoor):
        return None
    if indoor:
        msg = _("Indoors, an activity may be held between 06.00 and 22.00 local time on one day (%(src)s).")
    else:
        msg = _("Outdoors, an activity may be held between 06.00 and 18.00 local time on one day (%(src)s).")
    return Breach("demo_hours", msg % {"src": SRC_DEMO_HOURS}, "ends_at")


def demo_holiday_breach(start: dt.datetime, end: dt.datetime) -> Breach | None:
    for day in {start.date(), end.date()}:
        if is_holiday(day):
            return Breach(
                "demo_holiday",
                _("No demonstration may be held on a national holiday (%(day)s, %(name)s; %(src)s).")
                % {"day": day.strftime("%d-%m-%Y"), "name": HOLIDAYS[day], "src": SRC_DEMO_HOLIDAY},
                "starts_at",
            )
    return None


def distance_m(lat: float, lon: float, place) -> float:
    """Metres from a point to a forbidden place (its fence polygon when known, else its point).

    A local equirectangular projection: exact enough at the scale of a few hundred metres."""
    from shapely.geometry import Point, Polygon

    k_lat = 110_574.0
    k_lon = 111_320.0 * math.cos(math.radians(lat))

    def xy(x_lon: float, y_lat: float) -> tuple[float, float]:
        return ((x_lon - lon) * k_lon, (y_lat - lat) * k_lat)

    here = Point(0.0, 0.0)
    if place.polygon:
        ring = place.polygon["coordinates"][0]
        fence = Polygon([xy(x, y) for x, y, *_rest in ring])
        return 0.0 if fence.contains(here) else fence.exterior.distance(here)
    return Point(*xy(place.lon, place.lat)).distance(here)


def place_breaches(lat: float, lon: float, places) -> list[Breach]:
    out = []
    for p in places:
        limit = BUFFER_M[p.kind]
        d = distance_m(lat, lon, p)
        if d < limit:
            out.append(
                Breach(
                    "demo_place",
                    _(
                        "The place is %(d)d m from %(name)s; no demonstration may be held within %(limit)d m "
                        "of a %(kind)s (%(src)s)."
                    )
                    % {
                        "d": int(d),
                        "name": p.name,
                        "limit": int(limit),
                        "kind": str(p.get_kind_display()).lower(),
                        "src": SRC_DEMO_PLACE,
                    },
                    "lat",
                )
            )
    return out
