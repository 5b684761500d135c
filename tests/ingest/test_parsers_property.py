"""Property tests: the payload parsers and pipeline.accept never raise on arbitrary input, and always
answer with a Message/Rejection (parsers) or one Outcome per message (accept)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.ingest import parsers
from siaga.ingest.parsers import Message, Rejection, normalise_plate, parse, parse_time
from siaga.ingest.pipeline import Inbound, Outcome, accept

NOW = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(
    ["lat", "lon", "at", "timestamp", "type", "id", "event", "plate", "confidence", "speed", "tst", "_type",
     "details", "image", "vel", "acc", "batt", "bearing"]
)  # fmt: skip
payloads = st.dictionaries(keys | st.text(max_size=8), json_values, max_size=8)
osmand_params = st.dictionaries(
    st.sampled_from(["lat", "lon", "timestamp", "speed", "bearing", "altitude", "accuracy", "batt"]),
    st.text(max_size=25) | st.from_regex(r"-?\d{1,3}\.\d{1,7}", fullmatch=True),
    max_size=8,
)


@given(protocol=st.sampled_from(["osmand", "owntracks", "generic", "other"]), payload=payloads | json_values)
@settings(max_examples=400, deadline=None)
def test_parse_never_raises(protocol, payload):
    out = parse(protocol, payload, NOW)
    assert isinstance(out, Message | Rejection)
    if isinstance(out, Message):
        assert out.type in parsers.TYPES
        if out.lat is not None:
            assert -90 <= out.lat <= 90 and -180 <= out.lon <= 180 and (out.lat, out.lon) != (0, 0)
        assert NOW - parsers.MAX_AGE <= out.at <= NOW + parsers.MAX_FUTURE


@given(params=osmand_params)
@settings(max_examples=300, deadline=None)
def test_osmand_params_never_raise(params):
    assert isinstance(parse("osmand", params, NOW), Message | Rejection)


@given(lat=st.floats(-90, 90), lon=st.floats(-180, 180), ago=st.integers(0, 6 * 24 * 3600))
@settings(max_examples=200, deadline=None)
def test_valid_osmand_fix_is_accepted_by_the_parser(lat, lon, ago):
    stamp = int(NOW.timestamp()) - ago
    out = parse("osmand", {"lat": str(lat), "lon": str(lon), "timestamp": str(stamp)}, NOW)
    if lat == 0 and lon == 0:
        assert out == Rejection("null_island")
    else:
        assert isinstance(out, Message) and out.at == dt.datetime.fromtimestamp(stamp, dt.UTC)


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.none(), st.booleans()))
@settings(max_examples=300, deadline=None)
def test_parse_time_raises_only_its_own_error(value):
    try:
        at = parse_time(value)
    except parsers._Bad:
        return
    assert at.tzinfo is not None


@given(st.text(max_size=40))
def test_normalised_plates_are_plates(text):
    plate = normalise_plate(text)
    assert plate == "" or parsers.PLATE_RE.match(plate)


@pytest.fixture
def device(db):
    from django.utils import timezone

    from siaga.core.context import acting
    from siaga.ingest.models import Device
    from tests.core.world import build_tree

    with acting(None, "t"):
        tree = build_tree()
    return Device.objects.create(
        polres=tree.a, name="p", kind="tracker", ref="prop-1", created_at=timezone.now()
    )


@given(
    items=st.lists(
        st.tuples(
            st.sampled_from(["generic", "osmand", "owntracks"]),
            st.sampled_from(["prop-1", "ghost", ""]),
            payloads,
            st.sampled_from(["mqtt", "http"]),
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_accept_always_answers_one_outcome_per_message(device, items):
    from django.utils import timezone

    batch = [
        Inbound(tr, proto, ref, payload, timezone.now(), None, None) for proto, ref, payload, tr in items
    ]
    outs = accept(batch)
    assert len(outs) == len(batch) and all(isinstance(o, Outcome) for o in outs)
    for o in outs:
        assert o.status in ("accepted", "duplicate", "rejected") and (o.status != "rejected" or o.reason)
