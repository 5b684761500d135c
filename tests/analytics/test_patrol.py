"""Patrol plans: generation from the forecast inside the area, K from units × minutes, allocation, RT names,
publish (audited, supersedes), dosage from unit tracks, the command."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from siaga.accounts.services import create_user
from siaga.analytics import patrol
from siaga.analytics.models import PatrolPlan, PatrolPlanItem
from siaga.cad.models import Incident, Unit, UnitPosition
from siaga.core.context import acting
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry

from ..cad.conftest import INSIDE

UTC = dt.UTC
DAY = dt.date(2026, 11, 2)
# pagi 07-15 WIB = 00-08 UTC on DAY
PAGI_START = dt.datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
HOT = INSIDE[0]  # most incidents happen here
WARM = INSIDE[2]


def _incidents(polres, polsek, where, n, *, hour_utc=2, days=60, start=0):
    rows = []
    for i in range(n):
        at = PAGI_START - dt.timedelta(days=1 + (i % days)) + dt.timedelta(hours=hour_utc - 0)
        rows.append(
            Incident(
                polres=polres,
                polsek=polsek,
                number=f"BKS/P/{start + i}",
                category="curat",
                received_at=at,
                created_at=at,
                lon=where[0] + (i % 3) * 1e-4,
                lat=where[1],
            )
        )
    Incident.objects.bulk_create(rows)


@pytest.fixture
def area(world):
    polres, polsek, other = world
    _incidents(polres, polsek, HOT, 40)
    _incidents(polres, polsek, WARM, 15, start=100)
    _incidents(polres, polsek, INSIDE[1], 10, hour_utc=17, start=200)  # at midnight WIB: malam
    units = [
        Unit.objects.create(
            polres=polres,
            polsek=polsek,
            callsign="BKT-R4-01",
            kind="r4",
            capabilities=["patrol"],
            lon=HOT[0],
            lat=HOT[1],
        ),
        Unit.objects.create(
            polres=polres,
            polsek=polsek,
            callsign="BKT-R2-01",
            kind="r2",
            capabilities=["patrol"],
            lon=WARM[0],
            lat=WARM[1],
        ),
        Unit.objects.create(polres=polres, polsek=polsek, callsign="BKT-OFF", kind="r4", status="off_duty"),
        Unit.objects.create(
            polres=polres, polsek=polsek, callsign="BKT-LTS", kind="r2", capabilities=["lantas"]
        ),
        Unit.objects.create(polres=other, callsign="KAB-R4-01", kind="r4"),
    ]
    with acting(None, "test-patrol"):
        users = {
            name: create_user(name, "Sandi-Rahasia-123", role, validate=False, polres=polres)
            for name, role in [
                ("kabag", "kabag_ops"),
                ("analyst", "analyst"),
                ("dispatcher", "dispatcher"),
                ("patrol", "patrol"),
                ("humas", "humas"),
                ("commander", "commander"),
            ]
        }
        users["other"] = create_user("other", "Sandi-Rahasia-123", "kabag_ops", validate=False, polres=other)
    return SimpleNamespace(polres=polres, polsek=polsek, other=other, units=units, u=users)


def _plan(area, **kw):
    kw.setdefault("method", "long_term_counts")
    return patrol.generate(area.u["kabag"], area.polres, DAY, "pagi", now=PAGI_START, **kw)


def test_shift_windows_follow_the_polres_shifts_and_wrap_midnight(world):
    polres = world[0]
    s = patrol.shift_window(polres, DAY, "pagi")
    assert (s.starts_at, s.ends_at, s.start_hour) == (PAGI_START, PAGI_START + dt.timedelta(hours=8), 7)
    m = patrol.shift_window(polres, "2026-11-02", "malam")
    assert m.starts_at == dt.datetime(2026, 11, 2, 16, tzinfo=UTC) and m.hours == 8
    c = patrol.shift_window(polres, DAY, "20:00-02:30")
    assert c.hours == 6.5
    for bad in ("sore", "25:00-01:00", ""):
        with pytest.raises(Invalid):
            patrol.shift_window(polres, DAY, bad)
    with pytest.raises(Invalid):
        patrol.shift_window(polres, "2-11-2026", "pagi")


def test_generate_picks_the_hot_cells_inside_the_area_with_k_from_units_and_minutes(area):
    plan = _plan(area, patrol_minutes=45, visit_minutes=15)
    items = list(plan.items.all())
    # two on-duty patrol units (off duty, Lantas and the other Polres's unit left out) × 3 visits
    assert plan.summary["units"] == 2 and plan.summary["visits_per_unit"] == 3
    assert len(items) == plan.summary["cells"] <= 6
    assert plan.status == "draft" and plan.shift == "pagi" and plan.date == DAY
    top = items[0]
    assert abs(top.lon - HOT[0]) < 0.003 and abs(top.lat - HOT[1]) < 0.003
    assert [i.rank for i in items] == list(range(1, len(items) + 1))
    assert all(a.intensity >= b.intensity for a, b in itertools.pairwise(items))
    assert top.rt_key.startswith("32.75.01.") and top.area_name.startswith("RT ")
    assert top.why["method"] == "long_term_counts" and 0 < top.why["shift_share"] <= 1
    assert top.polygon["type"] == "Polygon" and len(top.polygon["coordinates"][0]) == 5
    per_unit = {}
    for i in items:
        assert i.unit is not None and i.planned_minutes == 15 and len(i.windows) == 1
        per_unit[i.unit.callsign] = per_unit.get(i.unit.callsign, 0) + 1
        a, b = (dt.datetime.fromisoformat(v) for v in i.windows[0])
        assert plan.starts_at <= a < b <= plan.ends_at and (b - a) == dt.timedelta(minutes=15)
    assert max(per_unit.values()) <= 3
    assert items[0].unit.callsign == "BKT-R4-01"  # the car parked at the hot spot takes it
    assert plan.summary["planned_minutes"] == 15 * len(items)
    assert 0 < plan.summary["share_of_expected"] <= 1


def test_the_shift_hours_weigh_the_cells(area):
    pagi = _plan(area)
    malam = patrol.generate(
        area.u["kabag"], area.polres, DAY, "malam", now=PAGI_START, method="long_term_counts"
    )
    night_spot = INSIDE[1]

    def rank_of(plan):
        for i in plan.items.all():
            if abs(i.lon - night_spot[0]) < 0.002 and abs(i.lat - night_spot[1]) < 0.002:
                return i.rank
        return 10**6

    assert rank_of(malam) < rank_of(pagi)
    assert malam.items.first().why["shift_share"] != pagi.items.first().why["shift_share"]


def test_polsek_plan_stays_inside_the_polsek(area):
    plan = _plan(area, polsek=area.polsek)
    assert plan.polsek == area.polsek
    assert all(i.kelurahan_code.startswith("32.75.01.") for i in plan.items.all())


def test_explicit_units_and_no_units(area):
    plan = _plan(area, unit_ids=[area.units[0].pk], patrol_minutes=30)
    assert {i.unit_id for i in plan.items.all()} == {area.units[0].pk} and plan.items.count() == 2
    with pytest.raises(Invalid):
        _plan(area, unit_ids=[area.units[-1].pk])  # another Polres's unit
    Unit.objects.filter(polres=area.polres).update(status="off_duty")
    with pytest.raises(Invalid):
        _plan(area)
    assert PatrolPlan.objects.count() == 1


@pytest.mark.parametrize(
    "kw",
    [
        {"method": "crystal_ball"},
        {"visit_minutes": 0},
        {"visit_minutes": "x"},
        {"patrol_minutes": 10_000},
        {"cell_m": 5},
        {"max_cells": 0},
        {"colour": "red"},
        {"visit_minutes": 7.5},
    ],
)
def test_bad_parameters_are_refused_and_nothing_stored(area, kw):
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid):
        _plan(area, **kw)
    assert not PatrolPlan.objects.exists() and AuditEntry.objects.count() == before


def test_roles_and_areas(area):
    for name in ("patrol", "humas", "commander"):
        with pytest.raises(Forbidden):
            patrol.generate(area.u[name], area.polres, DAY, "pagi", method="long_term_counts")
    with pytest.raises(Forbidden):  # another Polres's Kabag Ops
        patrol.generate(
            area.u["other"], area.polres, DAY, "pagi", method="long_term_counts", unit_ids=[area.units[0].pk]
        )
    assert not PatrolPlan.objects.exists()
    plan = _plan(area)
    with pytest.raises(NotFound):
        patrol.get(area.u["other"], plan.pk)
    with pytest.raises(Forbidden):
        patrol.publish_plan(area.u["patrol"], plan.pk)


def test_generate_and_publish_are_audited_and_publish_supersedes(area):
    first = _plan(area)
    assert AuditEntry.objects.filter(action="analytics.patrolplan.generated").count() == 1
    patrol.publish_plan(area.u["dispatcher"], first.pk)
    with pytest.raises(Conflict):
        patrol.publish_plan(area.u["dispatcher"], first.pk)
    second = _plan(area)
    patrol.publish_plan(area.u["analyst"], second.pk)
    first.refresh_from_db()
    assert first.status == "superseded"
    assert PatrolPlan.objects.get(pk=second.pk).status == "published"
    assert AuditEntry.objects.filter(action="analytics.patrolplan.published").count() == 2


def _track(unit, points, start, every_s=60):
    UnitPosition.objects.bulk_create(
        [
            UnitPosition(
                unit=unit,
                polres=unit.polres,
                lon=lon,
                lat=lat,
                at=start + dt.timedelta(seconds=i * every_s),
                source="osmand",
            )
            for i, (lon, lat) in enumerate(points)
        ]
    )


def test_dosage_from_tracks(area):
    plan = _plan(area, patrol_minutes=45)
    patrol.publish_plan(area.u["kabag"], plan.pk)
    top = plan.items.first()
    car = area.units[0]
    # 20 fixes a minute apart standing in the top cell: 19 minutes; then away, and a fix after the shift
    _track(car, [(top.lon, top.lat)] * 20 + [(106.90, -6.30)] * 5, PAGI_START + dt.timedelta(hours=1))
    _track(car, [(top.lon, top.lat)], PAGI_START + dt.timedelta(hours=9))
    res = patrol.record_dosage(area.u["kabag"], plan.pk, now=PAGI_START + dt.timedelta(hours=10))
    row = res["items"][0]
    assert row["minutes"] == pytest.approx(19.5)  # 19 inside, plus half the minute crossing out
    assert row["visits"] == 1 and row["by_unit"] == {car.callsign: pytest.approx(19.5)}
    assert res["cells_visited"] == 1 and res["delivered_minutes"] == pytest.approx(19.5)
    assert res["planned_minutes"] == 15 * plan.items.count()
    top.refresh_from_db()
    assert top.dosage_minutes == pytest.approx(19.5) and top.visits == 1
    plan.refresh_from_db()
    assert plan.dosage["cells_visited"] == 1 and plan.dosage_at is not None
    assert AuditEntry.objects.filter(action="analytics.patrolplan.dosage").count() == 1


def test_dosage_needs_a_published_plan(area):
    plan = _plan(area)
    with pytest.raises(Conflict):
        patrol.record_dosage(area.u["kabag"], plan.pk)


def test_unit_plan_is_the_running_shift(area):
    plan = _plan(area)
    car = area.units[0]
    assert patrol.unit_plan(area.u["patrol"], car, at=PAGI_START + dt.timedelta(hours=1)) == (None, [])
    patrol.publish_plan(area.u["kabag"], plan.pk)
    got, items = patrol.unit_plan(area.u["patrol"], car, at=PAGI_START + dt.timedelta(hours=1))
    assert got.pk == plan.pk and items and all(i.unit_id == car.pk for i in items)
    assert patrol.unit_plan(area.u["patrol"], car, at=PAGI_START + dt.timedelta(hours=20)) == (None, [])
    assert patrol.unit_plan(area.u["other"], car, at=PAGI_START + dt.timedelta(hours=1)) == (None, [])


def test_command(area, capsys):
    call_command(
        "analytics",
        "patrol",
        "--polres",
        "BKS",
        "--date",
        "2026-11-02",
        "--shift",
        "pagi",
        "--method",
        "long_term_counts",
        "--publish",
    )
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["status"] == "published" and out["cells"] > 0
    assert PatrolPlan.objects.get(pk=out["id"]).status == "published"
    for bad in (["--shift", "sore"], ["--polres", "NOPE"], ["--date", "kemarin"]):
        args = {"--polres": "BKS", "--date": "2026-11-02", "--shift": "pagi"}
        args[bad[0]] = bad[1]
        with pytest.raises(CommandError):
            call_command("analytics", "patrol", *[x for kv in args.items() for x in kv])
    assert PatrolPlanItem.objects.filter(plan_id=out["id"]).count() == out["cells"]
    call_command("analytics", "patrol", "--dosage", str(out["id"]))
    assert json.loads(capsys.readouterr().out.strip())["cells"] == out["cells"]
    with pytest.raises(CommandError):
        call_command("analytics", "patrol", "--dosage", "999999")


def test_items_ranked_by_intensity_numbers_are_finite(area):
    plan = _plan(area, method="blend")
    vals = np.array([i.intensity for i in plan.items.all()])
    assert np.isfinite(vals).all() and (vals > 0).all()


def test_demo_builds_published_plans_with_tracks_and_dosage(area):
    from siaga.analytics import patrol_demo

    now = PAGI_START + dt.timedelta(hours=3)  # 10:00 WIB, pagi running
    plans = patrol_demo.build(area.polres, now, seed=1, method="long_term_counts")
    assert [p.shift for p in plans] == ["malam", "pagi", "siang", "malam"]  # last night's, then today's
    assert all(p.status == "published" for p in plans)
    finished, running = plans[0], plans[1]
    assert finished.ends_at <= now and running.starts_at <= now < running.ends_at
    assert UnitPosition.objects.filter(at__lte=now).exists()
    assert not UnitPosition.objects.filter(at__gt=now).exists()
    assert finished.dosage["delivered_minutes"] > 0 and finished.dosage_at == now
    assert running.dosage["cells_visited"] >= 0 and plans[2].dosage == {}
