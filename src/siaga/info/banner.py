"""The active-alert banner for any public page (the lead includes it on the public home):

from siaga.info.banner import alert_banner
ctx.update(alert_banner(request))            # in the view, or list it as a context processor
{% include "info/_alert_banner.html" %}      # in the template; renders nothing without alerts
"""

from __future__ import annotations

from .common import area_names
from .models import Alert, CapCategory

SEVERITY_CSS = {"Extreme": "sev-extreme", "Severe": "sev-severe", "Moderate": "sev-moderate"}
RANK = {"Extreme": 0, "Severe": 1, "Moderate": 2, "Minor": 3, "Unknown": 4}


def texts(a: Alert) -> dict[str, str]:
    """The message's words in the reader's language: the en-US block when English is on and present."""
    from django.utils.translation import get_language

    en = (get_language() or "id").startswith("en") and bool(a.headline_en or a.description_en)
    if not en:
        return {
            "event": a.event,
            "headline": a.headline,
            "description": a.description,
            "instruction": a.instruction,
        }
    return {
        "event": a.event_en or a.event,
        "headline": a.headline_en or a.headline,
        "description": a.description_en or a.description,
        "instruction": a.instruction_en or a.instruction,
    }


def alert_view(a: Alert) -> dict:
    names = area_names(a.area_codes)
    return {
        "a": a,
        "t": texts(a),
        "css": SEVERITY_CSS.get(a.severity, "sev-minor"),
        "areas": [names.get(c, c) for c in a.area_codes],
        "categories": [CapCategory(c).label if c in CapCategory.values else c for c in a.categories],
    }


def alert_banner(request=None) -> dict:
    """Context for `info/_alert_banner.html`: the alerts in force, most severe first (at most 3)."""
    from .alerts import active

    rows = sorted(active()[:20], key=lambda a: (RANK.get(a.severity, 5), -a.sent.timestamp()))
    return {"info_alerts": [alert_view(a) for a in rows[:3]]}
