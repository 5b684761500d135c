"""CCTV analytics events: the kinds cameras report and how the room names them."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from .alerts import Title

EVENTS = ("fire", "smoke", "crowd", "fight", "weapon", "intrusion", "loitering", "accident", "vandalism")
LABELS = {
    "fire": gettext_noop("Fire"),
    "smoke": gettext_noop("Smoke"),
    "crowd": gettext_noop("Crowd"),
    "fight": gettext_noop("Fight"),
    "weapon": gettext_noop("Weapon"),
    "intrusion": gettext_noop("Intrusion"),
    "loitering": gettext_noop("Loitering"),
    "accident": gettext_noop("Traffic accident"),
    "vandalism": gettext_noop("Vandalism"),
}


def title_of(event: str, camera: str) -> Title:
    """ "Fire: CCTV Pasar": stored in the installation's language, shown in each reader's (alerts.Title);
    unknown events by their code."""
    label = {"msgid": LABELS[event]} if event in LABELS else event
    return Title(gettext_noop("%(event)s: %(camera)s"), {"event": label, "camera": camera})
