"""Property tests of the backtest's CSV reader: good rows round-trip, bad rows are named by line."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.analytics import backtest

good = st.tuples(
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2040, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    st.floats(-89.9, 89.9),
    st.floats(-179.9, 179.9),
    st.sampled_from(["theft", "burglary", "curat", "kebakaran", ""]),
    st.sampled_from(["", "+07:00", "Z", "-05:00"]),
)
bad = st.sampled_from(
    ["not-a-date,1,1,x", "2025-13-01T00:00,1,1,x", "2025-01-01,abc,1,x", "2025-01-01,1,200,x", "2025-01-01,1"]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(good.map(lambda g: ("good", g)), bad.map(lambda b: ("bad", b))), max_size=40))
def test_good_rows_round_trip_and_bad_rows_are_reported_by_line(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "e.csv"
    lines = ["Timestamp,LAT,Lon,category,extra"]
    expected, bad_lines = [], []
    for n, (kind, row) in enumerate(rows, start=2):
        if kind == "good":
            when, lat, lon, cat, zone = row
            lines.append(f"{when.isoformat()}{zone},{lat!r},{lon!r},{cat},ignored")
            expected.append((when, lat, lon, cat or "other"))
        else:
            lines.append(row)
            bad_lines.append(n)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw = backtest.read_csv(path)
    assert list(zip(raw.when, raw.lat, raw.lon, raw.category, strict=True)) == expected
    assert [line for line, _ in raw.errors] == bad_lines
