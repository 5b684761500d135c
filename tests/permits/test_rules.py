"""The legal rules as pure functions: the working-day calendar (weekends and national holidays), the
crowd-event lead time by scale, demonstration hours, holidays, the 3 x 24 h notice and forbidden places.
Property tests (hypothesis) for the calendar and the hours rule."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.permits import rules

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
DAYS = st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2027, 11, 30))
SCALES = st.sampled_from(list(rules.CROWD_LEAD_DAYS))


def test_the_holiday_table_covers_2026_and_2027():
    years = {d.year for d in rules.HOLIDAYS}
    assert years == {2026, 2027}
    for year in years:
        fixed = {
            dt.date(year, 1, 1),
            dt.date(year, 5, 1),
            dt.date(year, 6, 1),
            dt.date(year, 8, 17),
            dt.date(year, 12, 25),
        }
        assert fixed <= set(rules.HOLIDAYS)
    assert not rules.is_working_day(dt.date(2026, 8, 17))  # a Monday, Independence Day
    assert rules.is_working_day(dt.date(2026, 8, 18))
    assert not rules.is_working_day(dt.date(2026, 11, 28))  # a Saturday


@given(DAYS, st.integers(min_value=0, max_value=40))
def test_add_working_days_lands_on_a_working_day_n_working_days_later(start, n):
    end = rules.add_working_days(start, n)
    assert rules.working_days_between(start, end) == n
    if n:
        assert rules.is_working_day(end)
        assert end > start


@given(DAYS, DAYS)
def test_working_days_count_only_weekdays_that_are_not_holidays(a, b):
    n = rules.working_days_between(a, b)
    manual = sum(
        1
        for i in range(1, (b - a).days + 1)
        if (a + dt.timedelta(days=i)).weekday() < 5 and (a + dt.timedelta(days=i)) not in rules.HOLIDAYS
    )
    assert n == manual
    assert n <= max(0, (b - a).days)


@given(SCALES, DAYS)
@settings(max_examples=200)
def test_the_earliest_allowed_event_date_is_exactly_the_boundary(scale, submitted):
    first = rules.earliest_crowd_date(scale, submitted)
    assert rules.crowd_breaches(scale, submitted, first) == []
    assert rules.crowd_breaches(scale, submitted, first - dt.timedelta(days=1)) != []


@given(SCALES, DAYS)
@settings(max_examples=200)
def test_the_latest_application_day_is_exactly_the_boundary(scale, event):
    last = rules.latest_application_day(scale, event)
    assert rules.crowd_breaches(scale, last, event) == []
    assert rules.crowd_breaches(scale, last + dt.timedelta(days=1), event) != []


def test_lead_time_by_scale_and_the_reason_names_the_law():
    assert [
        rules.crowd_lead_days(s) for s in ("kecamatan", "kabkota", "provinsi", "nasional", "internasional")
    ] == [
        14,
        14,
        14,
        21,
        30,
    ]
    (b,) = rules.crowd_breaches("nasional", dt.date(2026, 11, 2), dt.date(2026, 11, 20))
    assert b.rule == "crowd_lead_time" and "21" in b.message and "PP 60/2017" in b.message


def test_signing_level_follows_the_scale_and_a_polres_signs_up_to_kapolres():
    assert [
        rules.signer_for(s) for s in ("kecamatan", "kabkota", "provinsi", "nasional", "internasional")
    ] == [
        "kapolsek",
        "kapolres",
        "kapolda",
        "kabaintelkam",
        "kabaintelkam",
    ]
    assert [rules.above_polres(s) for s in ("kapolsek", "kapolres", "kapolda", "kabaintelkam")] == [
        False,
        False,
        True,
        True,
    ]


TIMES = st.builds(
    lambda d, m1, m2: (
        dt.datetime.combine(d, dt.time(0, 0), tzinfo=WIB) + dt.timedelta(minutes=m1),
        dt.datetime.combine(d, dt.time(0, 0), tzinfo=WIB) + dt.timedelta(minutes=m1 + m2),
    ),
    DAYS,
    st.integers(min_value=0, max_value=24 * 60 - 1),
    st.integers(min_value=1, max_value=20 * 60),
)


@given(TIMES, st.booleans())
def test_hours_rule_is_the_window_on_one_day(window, indoor):
    start, end = window
    lo, hi = (6, 22) if indoor else (6, 18)
    day_lo = start.replace(hour=lo, minute=0)
    day_hi = start.replace(hour=hi, minute=0)
    expected = start.date() == end.date() and day_lo <= start and end <= day_hi
    assert rules.hours_ok(start, end, indoor) is expected
    breach = rules.demo_hours_breach(start, end, indoor)
    assert (breach is None) is expected
    if breach:
        assert "Perkap 7/2012" in breach.message


def test_hours_edges():
    d = dt.date(2026, 12, 2)
    at = lambda h, m=0: dt.datetime.combine(d, dt.time(h, m), tzinfo=WIB)  # noqa: E731
    assert rules.hours_ok(at(6), at(18), indoor=False)
    assert not rules.hours_ok(at(5, 59), at(12), indoor=False)
    assert not rules.hours_ok(at(9), at(18, 1), indoor=False)
    assert rules.hours_ok(at(9), at(22), indoor=True)
    assert not rules.hours_ok(at(12), at(11), indoor=True)


def test_three_times_24_hours():
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=WIB)
    assert rules.demo_lead_breach(now, now + dt.timedelta(hours=72)) is None
    b = rules.demo_lead_breach(now, now + dt.timedelta(hours=71, minutes=59))
    assert b.rule == "demo_lead_time" and "UU 9/1998 Pasal 10 ayat 3" in b.message


def test_national_holiday():
    start = dt.datetime(2026, 12, 25, 9, 0, tzinfo=WIB)
    b = rules.demo_holiday_breach(start, start + dt.timedelta(hours=2))
    assert b.rule == "demo_holiday" and "Natal" in b.message and "Pasal 9" in b.message
    assert (
        rules.demo_holiday_breach(start + dt.timedelta(days=2), start + dt.timedelta(days=2, hours=2)) is None
    )


def place(kind, lat=None, lon=None, polygon=None):
    return SimpleNamespace(
        kind=kind, lat=lat, lon=lon, polygon=polygon, name=f"the {kind}", get_kind_display=lambda: kind
    )


@pytest.mark.parametrize(
    ("kind", "inside_m", "outside_m"), [("palace", 95, 105), ("military", 145, 155), ("vital", 495, 505)]
)
def test_buffers_around_forbidden_places(kind, inside_m, outside_m):
    lat0, lon0 = -6.2352, 106.9931
    north = lambda m: lat0 + m / 110_574.0  # noqa: E731
    p = place(kind, lat0, lon0)
    assert rules.place_breaches(north(inside_m), lon0, [p])
    assert rules.place_breaches(north(outside_m), lon0, [p]) == []
    (b,) = rules.place_breaches(north(inside_m), lon0, [p])
    assert b.rule == "demo_place" and "UU 9/1998 Pasal 9" in b.message


def test_a_fence_polygon_measures_from_its_edge():
    lat0, lon0, d = -6.2352, 106.9931, 0.001  # a square ~220 m wide
    ring = [
        [lon0 - d, lat0 - d],
        [lon0 + d, lat0 - d],
        [lon0 + d, lat0 + d],
        [lon0 - d, lat0 + d],
        [lon0 - d, lat0 - d],
    ]
    p = place("military", polygon={"type": "Polygon", "coordinates": [ring]})
    assert rules.distance_m(lat0, lon0, p) == 0.0
    edge_north = lat0 + d
    assert rules.distance_m(edge_north + 100 / 110_574.0, lon0, p) == pytest.approx(100, abs=1)
    assert rules.place_breaches(edge_north + 140 / 110_574.0, lon0, [p])
    assert rules.place_breaches(edge_north + 160 / 110_574.0, lon0, [p]) == []
