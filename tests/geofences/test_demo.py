"""Polsek areas as fences (over real Bekasi polygons), the `siaga geofence` command and the demo builder."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from django.core.management import CommandError, call_command

from siaga.accounts.services import create_user
from siaga.core import audit
from siaga.core.context import acting
from siaga.geofences import demo, engine, polygons
from siaga.geofences.models import Geofence, GeofenceRule
from siaga.territory.models import Region
from tests.cad.conftest import INSIDE, OUTSIDE, bekasi_kelurahan, world  # noqa: F401  (fixtures)


def test_import_polsek_makes_one_area_fence_per_polsek(world, capsys):  # noqa: F811
    polres, polsek, _other = world
    call_command("geofence", "import-polsek", "--polres", polres.code)
    f = Geofence.objects.get()
    assert (f.kind, f.polsek, f.name, f.polres) == ("polsek_area", polsek, polsek.name, polres)
    assert 3 <= f.vertices <= polygons.MAX_VERTICES
    kec = Region.objects.get(code="32.75.01")
    assert f.area_m2 == pytest.approx(kec.area_m2, rel=0.02)
    shape = shapely.geometry.shape(f.geometry)
    assert all(shape.contains(shapely.Point(*p)) for p in INSIDE) and not shape.contains(
        shapely.Point(*OUTSIDE)
    )
    call_command("geofence", "import-polsek", "--polres", polres.code)  # again: redrawn, not duplicated
    assert Geofence.objects.count() == 1 and Geofence.objects.get().version == 2
    assert "1 redrawn" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("geofence", "import-polsek", "--polres", "NOPE")
    assert audit.verify().ok


def test_demo_builds_zones_with_rules(world):  # noqa: F811
    polres = world[0]
    with acting(None, "test-demo"):
        create_user("kabagops", "Sandi-Rahasia-123", "kabag_ops", validate=False, polres=polres)
    now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    counts = demo.build(polres, now)
    kinds = sorted(Geofence.objects.values_list("kind", flat=True))
    assert kinds == ["event_zone", "forbidden_zone", "polsek_area"] and counts == {"geofences": 3}
    event = Geofence.objects.get(kind="event_zone")
    assert event.active_from < now + dt.timedelta(hours=1) < event.active_until
    assert GeofenceRule.objects.filter(geofence__kind="forbidden_zone").count() == 2
    assert len(engine.index(polres.pk).fences) == 3


def test_sweep_command(world, capsys):  # noqa: F811
    call_command("geofence", "sweep")
    assert "dwell alerts: 0" in capsys.readouterr().out
