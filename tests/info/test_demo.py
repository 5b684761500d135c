"""The info app's demo content: bulletins in several categories and areas, and CAP alerts in every state,
all made through the services (audited), quickly."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siaga.core import audit
from siaga.info import alerts, cap, demo
from siaga.info.models import Alert, AlertState, Bulletin, BulletinStatus

from .conftest import *  # noqa: F403
from .conftest import assert_valid_cap

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_and_valid_documents(client, info):
    now = timezone.now()
    counts = demo.build(info.polres, now, seed=1)
    assert counts["bulletins"] == Bulletin.objects.count() >= 8
    assert set(Bulletin.objects.values_list("status", flat=True)) == set(BulletinStatus.values)
    published = Bulletin.objects.filter(status="published")
    assert len(set(published.values_list("category", flat=True))) >= 5
    assert published.filter(kind="tip").count() >= 3 and published.exclude(area_codes=[]).exists()
    assert set(Alert.objects.filter(external=False).values_list("state", flat=True)) == set(AlertState.values)
    assert set(Alert.objects.values_list("msg_type", flat=True)) == {"Alert", "Update", "Cancel"}
    in_force = list(alerts.active(now))
    assert any(a.status == "Actual" and a.msg_type == "Alert" and not a.external for a in in_force)
    assert any(a.external for a in in_force)
    for a in Alert.objects.filter(external=False, sent__isnull=False):
        assert_valid_cap(cap.cap_xml(a))
    for url in ("/info/", "/peringatan/", "/statistik/", "/alerts/atom.xml"):
        assert client.get(url).status_code == 200
    assert audit.verify().ok
