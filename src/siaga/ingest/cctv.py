"""CCTV analytics events: the kinds cameras report and how the room names them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import override

EVENTS = ("fire", "smoke", "crowd", "fight", "weapon", "intrusion", "loitering", "accident", "vandalism")


def title_of(event: str, camera: str) -> str:
    """ "Fire: CCTV Pasar" in the operations room's language (Bahasa Indonesia); unknown events by code."""
    with override("id"):
        label = {
            "fire": _("Fire"),
            "smoke": _("Smoke"),
            "crowd": _("Crowd"),
            "fight": _("Fight"),
            "weapon": _("Weapon"),
            "intrusion": _("Intrusion"),
            "loitering": _("Loitering"),
            "accident": _("Traffic accident"),
            "vandalism": _("Vandalism"),
        }.get(event, event)
        return _("%(event)s: %(camera)s") % {"event": label, "camera": camera}
