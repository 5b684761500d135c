"""With the real ingest.alerts.raise_alert: geofence transitions become DeviceAlert rows for the room,
and unit positions sent through cad (officer view, cad API) reach the engine after their commit."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from siaga.cad import dispatching
from siaga.core.context import acting
from siaga.geofences import engine, services
from siaga.geofences.models import GeofenceState
from siaga.ingest.models import DeviceAlert

from .conftest import CENTRE, minutes, square


def _fence(w, **rule):
    f = services.create_fence(
        w.u("kabag_ops"), name="Zona terlarang", kind="forbidden_zone", geometry=square()
    )
    services.add_rule(w.u("kabag_ops"), f.pk, **(rule or {"trigger": "enter"}))
    return f


def test_an_enter_becomes_one_device_alert(w):
    f = _fence(w, trigger="enter", severity="critical")
    u = w.units["R4-01"]
    fix = (u.pk, None, "", CENTRE[1], CENTRE[0], minutes(0))
    engine.observe(w.tree.a.pk, [fix])
    engine.observe(w.tree.a.pk, [fix])  # the same fix again (a retried batch): nothing new
    a = DeviceAlert.objects.get()
    assert a.kind == "geofence.enter" and a.unit_id == u.pk and a.polres_id == w.tree.a.pk
    assert a.details["geofence_id"] == f.pk and a.details["severity"] == "critical"
    assert "R4-01" in a.title and "Zona terlarang" in a.title


def test_cad_position_updates_reach_the_engine(w, django_capture_on_commit_callbacks):
    _fence(w, trigger="enter")
    u = w.units["R2-01"]
    now = timezone.now().replace(microsecond=0)
    with acting(None, "test-officer"), django_capture_on_commit_callbacks(execute=True):
        dispatching.update_position(u.pk, CENTRE[1] + 0.05, CENTRE[0], now - dt.timedelta(minutes=2))
    with acting(None, "test-officer"), django_capture_on_commit_callbacks(execute=True):
        dispatching.update_position(u.pk, CENTRE[1], CENTRE[0], now - dt.timedelta(minutes=1))
    assert list(DeviceAlert.objects.values_list("kind", "unit_id")) == [("geofence.enter", u.pk)]
    assert GeofenceState.objects.get().inside


def test_gateway_events_are_left_to_the_gateway(w, django_capture_on_commit_callbacks):
    _fence(w, trigger="enter")
    u = w.units["R2-01"]
    with acting(None, "ingest-test"), django_capture_on_commit_callbacks(execute=True):
        dispatching.update_position(u.pk, CENTRE[1], CENTRE[0], timezone.now())
    assert not DeviceAlert.objects.exists()
