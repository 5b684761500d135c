"""The public site's navigation: one entry per public service."""

from django.utils.translation import gettext_lazy as _

# (url name, label, css modifier)
PUBLIC_NAV: list[tuple[str, object, str]] = [
    ("portal:sos", _("Emergency (SOS)"), "sos"),
    ("portal:report", _("Make a report"), ""),
    ("portal:track", _("Track a report"), ""),
    ("portal:stations", _("Nearest police station"), ""),
    ("permits:index", _("Letters and permits"), ""),
    ("info:alerts", _("Alerts"), ""),
    ("info:index", _("Kamtibmas info"), ""),
    ("legal:index", _("Legal"), ""),
    ("info:stats", _("Statistics"), ""),
]
