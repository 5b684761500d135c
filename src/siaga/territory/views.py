from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from siaga.core.permissions import role_allows

from . import selectors
from .models import Level, Region


@login_required
def index(request):
    """The territory map: drill down kecamatan → kelurahan → RW → RT (data from /api/territory/)."""
    polres = getattr(request.user, "polres", None)
    root = None
    if polres is not None:
        root = Region.objects.restrict(request.user).filter(code=polres.region_id).first()
    if root is None:
        root = (
            Region.objects.restrict(request.user).filter(level=Level.KABKOTA, geometry__isnull=False).first()
        )
    labels = {
        "kabkota": _("Kab/Kota"),
        "kecamatan": _("Kecamatan"),
        "kelurahan": _("Kelurahan"),
        "rw": _("RW"),
        "rt": _("RT"),
        "code": _("Code"),
        "level": _("Level"),
        "population": _("Population"),
        "households": _("Households"),
        "area": _("Area"),
        "children": _("Contains"),
        "synthetic": _("synthetic"),
        "synthetic_note": _("Generated for the demo: no official RW/RT list exists."),
        "population_synthetic": _("estimated (synthetic)"),
        "no_results": _("No results"),
        "loading": _("Loading…"),
        "error": _("Could not load the map data."),
        "polsek": _("Polsek"),
        "click_hint": _("Click an area on the map to open it."),
        "km2": "km²",
    }
    return render(
        request,
        "territory/index.html",
        {
            "root": root,
            "summary": selectors.summary(request.user),
            "labels": labels,
            # the Tahap I registers as optional layers, for roles that may read them
            "overlays": [
                (key, url, label)
                for key, url, label, resource in (
                    ("problems", "mapping:problem_map", _("Open problems"), "mapping.problem"),
                    ("potentials", "mapping:potential_map", _("Potentials"), "mapping.potential"),
                )
                if role_allows(request.user, resource, "view")
            ],
        },
    )
