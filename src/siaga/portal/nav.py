"""The public site's navigation. Part B appends its own entries (letters, alerts, legal, …)."""

from django.utils.translation import gettext_lazy as _

# (url name, label, css modifier)
PUBLIC_NAV: list[tuple[str, object, str]] = [
    ("portal:sos", _("Emergency (SOS)"), "sos"),
    ("portal:report", _("Make a report"), ""),
    ("portal:track", _("Track a report"), ""),
    ("portal:stations", _("Nearest police station"), ""),
]
