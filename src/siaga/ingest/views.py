"""Staff page /ingest/: the devices of the user's scope with when each was last seen, its counters,
and the rejected messages per reason over the last week."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from siaga.core.permissions import role_allows

from . import selectors


@login_required
@require_GET
def devices_page(request):
    if not role_allows(request.user, "ingest.device", "view"):
        raise PermissionDenied
    return render(
        request,
        "ingest/devices.html",
        {
            "devices": list(selectors.devices(request.user)[:1000]),
            "rejections": sorted(selectors.reject_counts(request.user, 7).items()),
        },
    )
