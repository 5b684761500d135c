"""The demo Polres carries portal content in every state, so each page shows what it is for."""

from __future__ import annotations

import pytest
from django.test import override_settings

from siaga.territory import lookup


@pytest.mark.django_db(transaction=True)
def test_demo_has_portal_content_in_every_state():
    from siaga.accounts.models import User
    from siaga.cad.models import Incident
    from siaga.core import audit
    from siaga.demo.build import build_demo
    from siaga.portal import sp2hp
    from siaga.portal.models import Escort, Report, ReportStatus, Sos

    lookup.invalidate()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        build_demo(3, days=7, rt_total=1000, console=False)
    try:
        assert set(Report.objects.values_list("status", flat=True)) == set(ReportStatus.values)
        op = User.objects.get(username="operator")
        states = {d.state for d in sp2hp.due_list(op, include_ok=True)}
        assert {"overdue", "due", "ok"} <= states
        assert Sos.objects.count() == 3 and Sos.objects.filter(doubtful=True).count() == 1
        assert all(s.incident_id for s in Sos.objects.all())
        assert Escort.objects.filter(status="active").count() == 1
        portal_incidents = Incident.objects.filter(idempotency_key__startswith="portal-")
        assert portal_incidents.count() >= 6 and not portal_incidents.filter(synthetic=False).exists()
        assert audit.verify().ok
    finally:
        lookup.invalidate()
