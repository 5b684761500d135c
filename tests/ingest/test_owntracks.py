"""OwnTracks JSON parsing: the fields the app sends, strict types, and never anything but OwnTracksError."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.ingest import owntracks as ot

# what the Android app published for one fix (fields as in the OwnTracks booklet)
APP_MESSAGE = json.loads(
    '{"_type":"location","acc":12,"alt":21,"batt":87,"bs":1,"conn":"m","created_at":1790000003,'
    '"lat":-6.2383,"lon":106.9756,"m":1,"t":"u","tid":"hp","tst":1790000000,"vac":3,"vel":42,"cog":270}'
)


def test_reads_a_location_as_the_app_sends_it():
    loc = ot.parse_location(APP_MESSAGE)
    assert (loc.lat, loc.lon) == (-6.2383, 106.9756)
    assert loc.at == dt.datetime(2026, 9, 21, 14, 13, 20, tzinfo=dt.UTC)
    assert loc.tst == 1790000000
    assert loc.message_id == "1790000000"
    assert (loc.accuracy_m, loc.altitude_m, loc.speed_kmh, loc.course_deg) == (12, 21, 42, 270)
    assert loc.battery_pct == 87
    assert (loc.tid, loc.trigger) == ("hp", "u")


def test_optional_fields_may_be_absent():
    loc = ot.parse_location({"_type": "location", "lat": 1.5, "lon": 2.5, "tst": 1790000000})
    assert (loc.speed_kmh, loc.course_deg, loc.battery_pct, loc.accuracy_m, loc.tid) == (
        None,
        None,
        None,
        None,
        "",
    )


def test_numbers_sent_as_strings_are_read():
    loc = ot.parse_location({"_type": "location", "lat": "-6.2", "lon": "107", "tst": "1790000000"})
    assert (loc.lat, loc.lon, loc.tst) == (-6.2, 107.0, 1790000000)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"lat": None}, ot.MISSING_FIELD),
        ({"tst": None}, ot.MISSING_FIELD),
        ({"lat": True}, ot.MALFORMED),
        ({"lon": [106]}, ot.MALFORMED),
        ({"lat": "north"}, ot.MALFORMED),
        ({"lat": 91}, ot.BAD_COORDINATES),
        ({"lon": -180.5}, ot.BAD_COORDINATES),
        ({"lat": float("nan")}, ot.BAD_COORDINATES),
        ({"tst": 1790000000000}, ot.BAD_TIMESTAMP),  # milliseconds, not seconds
        ({"tst": -5}, ot.BAD_TIMESTAMP),
        ({"vel": "fast"}, ot.MALFORMED),
        ({"_type": "transition"}, ot.MALFORMED),
    ],
)
def test_bad_fields_are_refused_with_a_reason(change, reason):
    payload = {**APP_MESSAGE, **change}
    payload = {k: v for k, v in payload.items() if v is not None}
    with pytest.raises(ot.OwnTracksError) as e:
        ot.parse_location(payload)
    assert e.value.reason == reason


def test_message_types():
    assert ot.message_type(APP_MESSAGE) == "location"
    assert ot.is_location(APP_MESSAGE)
    assert ot.message_type({"_type": "lwt"}) == "lwt"
    assert ot.message_type({"_type": 3}) == ""
    assert ot.message_type([1, 2]) == ""
    assert not ot.is_location("location")


def test_location_payload_round_trips():
    msg = ot.location_payload(-6.2, 107.0, 1790000000, acc=5, vel=30, cog=90, batt=50, tid="ab")
    loc = ot.parse_location(json.loads(json.dumps(msg)))
    assert (loc.lat, loc.lon, loc.speed_kmh, loc.course_deg, loc.battery_pct, loc.tid) == (
        -6.2,
        107.0,
        30,
        90,
        50,
        "ab",
    )
    assert ot.device_ref("budi", "hp1") == "budi/hp1"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
field_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"_type": st.sampled_from(["location", "lwt", 1, None])},
        optional={
            k: field_values for k in ("lat", "lon", "tst", "acc", "vel", "cog", "batt", "tid", "t", "alt")
        },
    )
)
def test_any_object_gives_a_location_or_a_reason(payload):
    try:
        loc = ot.parse_location(payload)
    except ot.OwnTracksError as e:
        assert e.reason in (ot.MALFORMED, ot.MISSING_FIELD, ot.BAD_COORDINATES, ot.BAD_TIMESTAMP)
    else:
        assert -90 <= loc.lat <= 90 and -180 <= loc.lon <= 180
        assert loc.at.tzinfo is dt.UTC


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_value_gives_a_location_or_a_reason(value):
    with contextlib.suppress(ot.OwnTracksError):
        ot.parse_location(value)
    ot.message_type(value)
