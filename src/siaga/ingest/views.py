"""Staff page /ingest/: the devices of the user's scope with when each was last seen, its counters,
the rejected messages per reason over the last week, and the latest device alerts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from siaga.core.permissions import role_allows

from . import selectors
from .alerts import title_for


@login_required
@require_GET
def devices_page(request):
    if not role_allows(request.user, "ingest.device", "view"):
        raise PermissionDenied
    alerts = []
    if role_allows(request.user, "ingest.devicealert", "view"):
        alerts = list(selectors.alerts(request.user, "all")[:20])
        for a in alerts:
            a.shown_title = title_for(a)  # in the reader's language
    return render(
        request,
        "ingest/devices.html",
        {
            "devices": list(selectors.devices(request.user)[:1000]),
            "rejections": sorted(selectors.reject_counts(request.user, 7).items()),
            "alerts": alerts,
        },
    )
