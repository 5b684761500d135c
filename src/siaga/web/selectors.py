from datetime import timedelta

from django.utils import timezone

from siaga.cad.models import Call, Incident, Unit
from siaga.core.permissions import role_allows
from siaga.territory.models import Region, Rt


def home_summary(user) -> dict:
    """Headline figures for the dashboard, each counted through the read gate."""
    since = timezone.now() - timedelta(days=7)
    out: dict = {}
    if role_allows(user, "territory.region", "view"):
        out["kelurahan"] = Region.objects.restrict(user).filter(level=4).count()
        out["rt"] = Rt.objects.restrict(user).count()
    if role_allows(user, "cad.incident", "view"):
        out["incidents_7d"] = Incident.objects.restrict(user).filter(received_at__gte=since).count()
    if role_allows(user, "cad.call", "view"):
        calls = Call.objects.restrict(user).filter(received_at__gte=since)
        out["calls_7d"] = calls.count()
        out["pranks_7d"] = calls.filter(disposition="prank").count()
    if role_allows(user, "cad.unit", "view"):
        out["units"] = Unit.objects.restrict(user).count()
    return out
