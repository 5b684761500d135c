"""Property tests of the GeoReport v2 form parser: attribute[...] keys, lat/long strings."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.errors import Invalid
from siaga.open311 import georeport

pytestmark = pytest.mark.django_db
HYP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def base(**over) -> dict[str, list[str]]:
    d = {"service_code": ["laka"], "lat": ["-6.25"], "long": ["107.0"], "description": ["Tabrakan di jalan."]}
    d.update({k: [v] for k, v in over.items()})
    return d


@HYP
@given(
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
    places=st.integers(0, 9),
)
def test_decimal_degrees_round_trip(lat, lon, places):
    ls, os_ = f"{lat:.{places}f}", f"{lon:.{places}f}"
    out = georeport.parse_post(base(lat=ls, long=os_))
    assert out["lat"] == float(ls) and out["long"] == float(os_)


@HYP
@given(st.text(max_size=30))
def test_any_coordinate_text_is_a_number_in_range_or_refused(text):
    try:
        out = georeport.parse_post(base(lat=text))
    except Invalid as e:
        assert e.field == "lat" or (not text.strip() and e.field == "long")
        return
    assert -90 <= out["lat"] <= 90 and georeport.NUMBER_RE.match(text.strip())


@HYP
@given(
    kind=st.sampled_from(["laporan", "pengaduan", ""]),
    rw=st.integers(1, 999),
    rt=st.integers(1, 999),
    anon=st.sampled_from(["true", "false"]),
)
def test_defined_attributes_are_parsed(kind, rw, rt, anon):
    data = base()
    data.update({"attribute[kind]": [kind], "attribute[rw]": [str(rw)], "attribute[rt]": [str(rt)]})
    data["attribute[without_identity]"] = [anon]
    a = georeport.parse_post(data)["attributes"]
    assert a == {"kind": kind, "rw": rw, "rt": rt, "without_identity": anon}


@HYP
@given(name=st.text(min_size=1, max_size=50))
def test_any_other_attribute_field_is_refused(name):
    key = f"attribute[{name}]"
    if georeport.ATTR_RE.match(key) and name.strip("[]") in {"kind", "rw", "rt", "without_identity"}:
        return
    with pytest.raises(Invalid):
        georeport.parse_post({**base(), key: ["x"]})


@HYP
@given(extra=st.dictionaries(st.text(max_size=20), st.lists(st.text(max_size=20), max_size=2), max_size=5))
def test_unknown_plain_fields_are_ignored(extra):
    data = base()
    for k, v in extra.items():
        if k not in georeport.FIELDS and not k.startswith("attribute"):
            data[k] = v
    out = georeport.parse_post(data)
    assert out["service_code"] == "laka" and set(out["attributes"]) == set()


def test_information_service_takes_no_attributes():
    with pytest.raises(Invalid):
        georeport.parse_post({**base(service_code="informasi"), "attribute[kind]": ["laporan"]})
