"""The demo's devices: registered through the registry, with a history that came through the pipeline
(positions that moved units, a resend, a refused fix, a crowd alert in the room, plate reads)."""

from __future__ import annotations

from collections import Counter

import pytest

from siaga.accounts.models import User
from siaga.cad.models import Unit, UnitPosition
from siaga.ingest import demo as ingest_demo
from siaga.ingest.models import AnprRead, Device, DeviceAlert, DeviceMessage, RejectCount

pytestmark = pytest.mark.django_db


def test_devices_of_every_kind_are_registered(demo):
    kinds = Counter(Device.objects.filter(polres=demo.polres).values_list("kind", flat=True))
    assert kinds == {"phone": 5, "tracker": 3, "panic_button": 3, "cctv": 5, "anpr": 2}
    fixed = Device.objects.filter(kind__in=["cctv", "anpr", "panic_button"])
    assert not fixed.filter(lat=None).exists() and not fixed.exclude(unit=None).exists()
    assert not Device.objects.filter(kind__in=["phone", "tracker"], unit=None).exists()
    # only the digest of each token is kept, and the demo result carries none
    assert not Device.objects.filter(token_hash="").exists() and "sdev_" not in repr(demo)


def test_counters_come_from_messages_through_the_pipeline(demo):
    trackers = Device.objects.filter(kind__in=["phone", "tracker"])
    assert all(d.accepted_count > 0 and d.last_seen is not None for d in trackers)
    assert sum(d.accepted_count for d in trackers) == 5 * 3 + 3 * 4
    assert DeviceMessage.objects.count() == 5 * 3 + 3 * 4 + 1 + 4  # positions, the alert, the reads
    assert sum(Device.objects.values_list("duplicate_count", flat=True)) == 1
    refused = Device.objects.get(ref=ingest_demo.TRACKERS[-1][1])
    assert refused.rejected_count == 1
    assert RejectCount.objects.get(polres_id=demo.polres.pk, reason="null_island").n == 1
    assert UnitPosition.objects.filter(source="owntracks").count() == 15
    assert UnitPosition.objects.filter(source="osmand").count() == 12
    assert AnprRead.objects.count() == 4


def test_each_tracked_unit_stands_at_its_devices_newest_fix(demo):
    for d in Device.objects.filter(kind__in=["phone", "tracker"]).select_related("unit"):
        unit = Unit.objects.get(pk=d.unit_id)
        assert (unit.lat, unit.lon, unit.position_at) == (d.last_lat, d.last_lon, d.last_fix_at)
        assert unit.position_at == demo.now


def test_the_operator_sees_the_devices_page_and_the_crowd_alert(demo, client):
    client.force_login(User.objects.get(username="operator"))
    page = client.get("/ingest/", HTTP_ACCEPT_LANGUAGE="id")
    assert page.status_code == 200
    html = page.content.decode()
    for d in Device.objects.all():
        assert d.name in html and d.ref in html
    assert "null_island" in html
    alerts = client.get("/api/ingest/alerts", HTTP_ACCEPT_LANGUAGE="en").json()
    [crowd] = [a for a in alerts if a["kind"] == "cctv.crowd"]
    assert crowd["title"] == "Crowd: CCTV Stasiun Bekasi" and crowd["status"] == "open"
    assert crowd["details"]["people"] == 140
    stored = DeviceAlert.objects.get(pk=crowd["id"])
    assert stored.title == "Kerumunan: CCTV Stasiun Bekasi"
