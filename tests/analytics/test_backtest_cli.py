"""`siaga analytics backtest`: the stable JSON shape, windows, bad rows, exit codes, the database source."""

import datetime as dt
import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from siaga.analytics import backtest
from siaga.analytics.grid import Projection

from .synth import csv_text, hawkes

COV = ["1", "2", "5", "10", "20"]


@pytest.fixture(scope="module")
def csv_body():
    rng = np.random.default_rng(5)
    proj = Projection(32616)  # Chicago: any city works
    x0, y0 = (float(v) for v in proj.forward(-87.63, 41.88))
    centres = [(x0 + a, y0 + b) for a, b in rng.uniform(-2500, 2500, (8, 2))]
    box = (x0 - 3000, y0 - 3000, x0 + 3000, y0 + 3000)
    x, y, t, _ = hawkes(
        rng, mu_per_day=3, days=120, theta=0.3, omega=0.3, sigma=100, centres=centres, spread=250, box=box
    )
    cats = np.where(rng.random(x.size) < 0.5, "theft", "burglary")
    return csv_text(proj, x, y, t, cats, dt.date(2025, 1, 1))


def _run(tmp_path, body, *args):
    f = tmp_path / "events.csv"
    f.write_text(body)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "analytics", "backtest", "--csv", str(f), "--bootstrap", "200", *args, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def test_json_shape(tmp_path, csv_body):
    out, err = _run(tmp_path, csv_body, "--format", "json", "--test-from", "2025-03-03")
    res = json.loads(out.strip().splitlines()[-1])
    assert set(res) == {"methods", "forecasts", "events_tested", "cell_m"}
    assert res["cell_m"] == 150 and res["forecasts"] == 8  # 3 Mar .. 1 May (exclusive), whole weeks
    assert set(res["methods"]) == {"long_term_counts", "recent_kde", "prospective_hotspot", "sepp", "blend"}
    for name, m in res["methods"].items():
        for metric in ("hit_rate", "pai", "pei"):
            assert list(m[metric]) == COV
            assert all(v is None or v >= 0 for v in m[metric].values())
        hr = [m["hit_rate"][c] for c in COV]
        assert hr == sorted(hr) and hr[-1] <= 1
        v = m["vs_long_term_counts_5"]
        assert v["ci_low"] <= v["diff"] <= v["ci_high"]
        if name == "long_term_counts":
            assert v == {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    assert 0 < res["events_tested"] < csv_body.count("\n")
    assert err == ""


def test_daily_horizon_cell_size_and_table(tmp_path, csv_body):
    out, _ = _run(
        tmp_path,
        csv_body,
        "--horizon",
        "day",
        "--cell",
        "300",
        "--test-from",
        "2025-04-01",
        "--test-to",
        "2025-04-11",
        "--methods",
        "recent_kde",
        "--format",
        "json",
    )
    res = json.loads(out.strip().splitlines()[-1])
    assert res["forecasts"] == 10 and res["cell_m"] == 300
    assert set(res["methods"]) == {"long_term_counts", "recent_kde"}  # the baseline is always there
    plot = tmp_path / "hit.svg"
    table, _ = _run(tmp_path, csv_body, "--test-from", "2025-04-01", "--format", "table", "--plot", str(plot))
    assert "long_term_counts" in table and "sepp" in table and "EPSG:32616" in table
    from lxml import etree

    svg = etree.parse(str(plot)).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}polyline")) == 5
    assert {t.text for t in svg.findall(f"{ns}text")} >= {"long_term_counts", "blend", "20%"}


def test_rows_outside_the_windows_are_ignored(tmp_path, csv_body):
    args = (
        "--train-from",
        "2025-01-15",
        "--test-from",
        "2025-03-03",
        "--test-to",
        "2025-04-01",
        "--format",
        "json",
    )
    a, _ = _run(tmp_path, csv_body, *args)
    extra = "2024-12-31T23:59:59,41.0,-87.0,theft\n2025-04-01T00:00:00,42.5,-88.0,theft\n"
    b, _ = _run(tmp_path, csv_body + extra, *args)
    assert json.loads(a.splitlines()[-1]) == json.loads(b.splitlines()[-1])
    c, _ = _run(tmp_path, csv_body, "--train-from", "2025-01-01", *args[2:])
    assert json.loads(c.splitlines()[-1]) != json.loads(a.splitlines()[-1])


def test_timestamps_with_or_without_zone():
    assert backtest.parse_time("2025-03-01T10:00:00+07:00") == dt.datetime(2025, 3, 1, 10)
    assert backtest.parse_time("2025-03-01T10:00:00Z") == dt.datetime(2025, 3, 1, 10)
    assert backtest.parse_time("2025-03-01 10:00") == dt.datetime(2025, 3, 1, 10)
    assert backtest.parse_time("2025-03-01") == dt.datetime(2025, 3, 1)


def test_bad_rows_are_reported_with_line_numbers(tmp_path, csv_body):
    lines = csv_body.splitlines()
    lines.insert(3, "yesterday,41.9,-87.6,theft")  # line 4
    lines.insert(5, "2025-01-02T10:00:00,north,-87.6,theft")  # line 6
    lines.insert(7, "2025-01-02T10:00:00,95,-87.6,theft")  # line 8
    lines.insert(9, "2025-01-02T10:00:00")  # line 10
    body = "\n".join(lines) + "\n"
    out, err = _run(tmp_path, body, "--format", "json")
    assert "line 4: timestamp 'yesterday'" in err
    assert "line 6: lat/lon 'north'" in err
    assert "line 8: lat/lon 95.0, -87.6 out of range" in err
    assert "line 10: expected at least 4 fields" in err
    assert "4 bad row(s) skipped" in err
    assert json.loads(out.splitlines()[-1])["forecasts"] > 0
    with pytest.raises(CommandError) as e:
        _run(tmp_path, body, "--strict")
    assert e.value.returncode == 3


@pytest.mark.parametrize(
    "body,args,message",
    [
        ("when,lat,lon,category\n2025-01-01,1,1,x\n", (), "missing column(s): timestamp"),
        ("timestamp,lat,lon,category\n", (), "no usable events"),
        ("timestamp,lat,lon,category\nnope,1,1,x\n", (), "no usable events"),
        ("", (), "empty file"),
        (None, ("--test-from", "2025-01-01", "--test-to", "2025-01-05"), "shorter than one horizon"),
        (None, ("--test-from", "2026-01-01", "--test-to", "2025-01-05"), "train-from <= test-from < test-to"),
        (None, ("--cell", "1"), "--cell must be between"),
        (None, ("--methods", "crystal_ball"), "unknown method(s): crystal_ball"),
    ],
)
def test_unusable_input_exits_2_with_a_message(tmp_path, csv_body, body, args, message):
    with pytest.raises(CommandError) as e:
        _run(tmp_path, csv_body if body is None else body, *args)
    assert message in str(e.value)
    assert e.value.returncode == 2


def test_missing_file_exits_2(tmp_path):
    with pytest.raises(CommandError) as e:
        call_command("analytics", "backtest", "--csv", str(tmp_path / "nope.csv"), stdout=io.StringIO())
    assert "cannot read" in str(e.value) and e.value.returncode == 2


@pytest.mark.django_db
def test_database_source_with_and_without_synthetic_incidents(polres):
    from siaga.cad.models import Incident

    rng = np.random.default_rng(8)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = []
    for n in range(240):
        at = start + dt.timedelta(hours=float(rng.uniform(0, 24 * 60)))
        rows.append(
            Incident(
                polres=polres,
                number=f"A/{n}",
                category="curanmor" if n % 2 else "curas",
                received_at=at,
                created_at=at,
                lat=-6.25 + rng.normal(0, 0.01),
                lon=107.0 + rng.normal(0, 0.01),
                synthetic=n % 3 == 0,
            )
        )
    Incident.objects.bulk_create(rows)
    Incident.objects.create(
        polres=polres, number="A/x", category="curas", received_at=start, created_at=start
    )

    def run(*extra):
        out = io.StringIO()
        call_command(
            "analytics",
            "backtest",
            "--database",
            "--test-from",
            "2025-02-01",
            "--methods",
            "recent_kde",
            "--bootstrap",
            "100",
            "--format",
            "json",
            *extra,
            stdout=out,
            stderr=io.StringIO(),
        )
        return json.loads(out.getvalue().splitlines()[-1])

    every, real = run(), run("--no-synthetic")
    assert every["forecasts"] == real["forecasts"] == 4
    assert every["events_tested"] > real["events_tested"] > 0
    raw = backtest.read_database(include_synthetic=False)
    assert len(raw.when) == 160  # the one without a place is left out


@pytest.mark.django_db
def test_empty_database_exits_2():
    with pytest.raises(CommandError) as e:
        call_command("analytics", "backtest", "--database", stdout=io.StringIO())
    assert "no usable events" in str(e.value) and e.value.returncode == 2
