"""Event data for the prediction benchmark and the backtests: demo-like history and a real city's crimes.

    python -m benchmarks._crime_data demo FILE.csv
    python -m benchmarks._crime_data denver FILE.csv SOURCE.csv [SOURCE.csv ...]
    python -m benchmarks._crime_data chicago FILE.csv SOURCE.csv

Both write the backtest's CSV (`timestamp, lat, lon, category`).

- `demo`: the demo history generator (`siaga.demo.history.generate`, seed 42, two years to 2026-11-01) over
  600 synthetic RT around Bekasi, crime categories only (5,871 events). No database or data directory.
- `denver`: the City and County of Denver's "Crime" extract (Denver Open Data Catalog), as mirrored in
  github.com/sanesedu/DataVisualizationDenver `data/crime.csv` + `crime_2.csv` … `crime_5.csv` (one extract
  cut into five pieces; only the first has the header). Keeps crimes (`IS_CRIME` = 1; traffic accidents
  are not), with a real coordinate; time = `FIRST_OCCURRENCE_DATE` (local); category =
  `OFFENSE_CATEGORY_ID`; duplicate `OFFENSE_ID`s are dropped.
- `chicago`: open_cp's sample of the City of Chicago's crimes (`quick_start/example.csv` in
  github.com/QuantCrimAtLeeds/PredictCode: 1,000 crimes of 2016 on the South Side; columns `Date`,
  `Primary Type`, `Latitude`, `Longitude`).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys

import numpy as np

DEMO_NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
DEMO_TZ = dt.timezone(dt.timedelta(hours=7))


def demo_rows(seed: int = 42, days: int = 730):
    """(iso timestamp, lat, lon, category) of the demo history's located crimes."""
    from siaga.demo import history

    rng = np.random.default_rng(0)
    n = 600
    lon = 106.99 + rng.uniform(-0.06, 0.06, n)
    lat = -6.27 + rng.uniform(-0.07, 0.07, n)
    geo = history.Geo(
        rt_lon=lon,
        rt_lat=lat,
        rt_pop=rng.integers(150, 900, n).astype(float),
        rt_radius_m=np.full(n, 120.0),
        inside=lambda a, b: np.ones(len(a), bool),
        address=lambda a, b: np.full(len(a), "", object),
    )
    inc = history.generate(seed, DEMO_NOW, geo, days=days).incidents
    crimes = set(history.CRIME_SHARE)
    for c, lo, la, t in zip(inc["category"], inc["lon"], inc["lat"], inc["received_at"], strict=True):
        if c not in crimes or lo is None or not np.isfinite(float(lo)):
            continue
        secs = int(t.astype("datetime64[s]").astype(np.int64))
        when = dt.datetime.fromtimestamp(secs, DEMO_TZ)
        yield when.isoformat(), f"{float(la):.6f}", f"{float(lo):.6f}", str(c)


DENVER_HEADER = [
    "INCIDENT_ID",
    "OFFENSE_ID",
    "OFFENSE_CODE",
    "OFFENSE_CODE_EXTENSION",
    "OFFENSE_TYPE_ID",
    "OFFENSE_CATEGORY_ID",
    "FIRST_OCCURRENCE_DATE",
    "LAST_OCCURRENCE_DATE",
    "REPORTED_DATE",
    "INCIDENT_ADDRESS",
    "GEO_X",
    "GEO_Y",
    "GEO_LON",
    "GEO_LAT",
    "DISTRICT_ID",
    "PRECINCT_ID",
    "NEIGHBORHOOD_ID",
    "IS_CRIME",
    "IS_TRAFFIC",
]


def denver_rows(paths):
    """(iso timestamp, lat, lon, category) of the crimes in the Denver extract pieces."""
    col = {name: n for n, name in enumerate(DENVER_HEADER)}
    seen = set()
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.reader(fh):
                if len(row) < len(DENVER_HEADER) or row[0] == "INCIDENT_ID":
                    continue
                if row[col["IS_CRIME"]] != "1" or row[col["OFFENSE_ID"]] in seen:
                    continue
                seen.add(row[col["OFFENSE_ID"]])
                try:
                    lat, lon = float(row[col["GEO_LAT"]]), float(row[col["GEO_LON"]])
                    when = dt.datetime.strptime(row[col["FIRST_OCCURRENCE_DATE"]], "%m/%d/%Y %I:%M:%S %p")
                except ValueError:
                    continue
                if not (39.5 < lat < 40.0 and -105.2 < lon < -104.5):  # 0/0 and other placeholders
                    continue
                yield when.isoformat(), f"{lat:.6f}", f"{lon:.6f}", row[col["OFFENSE_CATEGORY_ID"]]


def chicago_rows(path):
    """(iso timestamp, lat, lon, category) of a City of Chicago crimes CSV (the portal's column names)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            try:
                lat, lon = float(row["Latitude"]), float(row["Longitude"])
                when = dt.datetime.strptime(row["Date"], "%m/%d/%Y %I:%M:%S %p")
            except (KeyError, ValueError):
                continue
            yield when.isoformat(), f"{lat:.6f}", f"{lon:.6f}", row["Primary Type"]


def write_csv(path, rows) -> int:
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "lat", "lon", "category"])
        for r in rows:
            w.writerow(r)
            n += 1
    return n


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == "demo":
        n = write_csv(argv[1], demo_rows())
    elif len(argv) >= 3 and argv[0] == "denver":
        n = write_csv(argv[1], denver_rows(argv[2:]))
    elif len(argv) == 3 and argv[0] == "chicago":
        n = write_csv(argv[1], chicago_rows(argv[2]))
    else:
        raise SystemExit(__doc__)
    print(f"{n} events -> {argv[1]}")


if __name__ == "__main__":
    main()
