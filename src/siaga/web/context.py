"""Navigation: one entry per module that exists, shown only to roles that may open it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from siaga.core.permissions import role_allows

# (url name, label, resource the page reads; None = any signed-in user)
MODULES = [
    ("web:home", _("Dashboard"), None),
    ("territory:index", _("Territory"), "territory.region"),
    ("mapping:index", _("Problems and potentials"), "mapping.problem"),
    ("profiles:index", _("Profiles and case files"), "mapping.problem"),
    ("analytics:risk_map", _("Risk map"), "analytics.risksnapshot"),
    ("analytics:hotspot", _("Hotspots"), "analytics.risksnapshot"),
    ("patrol:list", _("Patrol plans"), "analytics.patrolplan"),
    ("core:audit", _("Audit trail"), "core.auditentry"),
    ("cad:room", _("Operations room"), "cad.incident"),
    ("geofences:index", _("Geofences"), "geofences.geofence"),
    ("ingest:devices", _("Devices"), "ingest.device"),
    ("officer:officer", _("Officer"), "cad.unit", {"patrol"}),
    ("portal:staff_queue", _("Public reports"), "portal.report"),
    ("permits:staff_queue", _("Letters and permits"), "permits.request"),
    ("info:staff", _("Bulletins and alerts"), "info.bulletin"),
    ("legal:staff_queue", _("Legal consultations"), "legal.consultation"),
]


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        for name, label, resource, *roles in MODULES:
            if (resource is None or role_allows(user, resource, "view")) and (
                not roles or user.role in roles[0]
            ):
                items.append(
                    {
                        "url": reverse(name),
                        "label": label,
                        "active": request.path.startswith(reverse(name)),
                    }
                )
    return {"nav_items": items}
