"""Reads a user can trigger, all through the read gate."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet, Sum
from django.utils import timezone

from siaga.core.permissions import restrict

from .models import AlertStatus, AnprRead, Device, DeviceAlert, RejectCount


def devices(user) -> QuerySet[Device]:
    return (
        restrict(Device.objects.all(), user, "view").select_related("unit", "polres").order_by("name", "pk")
    )


def alerts(user, status: str = "") -> QuerySet[DeviceAlert]:
    """Alerts in the user's scope, newest first; `status` "" means those still to handle (open or
    acknowledged), "all" every one."""
    qs = restrict(DeviceAlert.objects.all(), user, "view").select_related("device", "unit")
    if status == "all":
        pass
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=AlertStatus.CLOSED)
    return qs.order_by("-at", "-pk")


def anpr_reads(user, plate: str = "") -> QuerySet[AnprRead]:
    from .parsers import normalise_plate

    qs = restrict(AnprRead.objects.all(), user, "view")
    if plate:
        qs = qs.filter(plate=normalise_plate(plate) or "-")
    return qs.order_by("-at", "-pk")


def reject_counts(user, days: int = 7) -> dict[str, int]:
    """Rejected messages per reason over the last `days` days (of devices the user's scope holds;
    unknown devices are counted under no Polres and shown to installation admins only)."""
    since = timezone.now().date() - dt.timedelta(days=max(0, days - 1))
    qs = restrict(RejectCount.objects.filter(day__gte=since), user, "view")
    return dict(
        qs.values_list("reason").annotate(total=Sum("n")).order_by("reason").values_list("reason", "total")
    )
