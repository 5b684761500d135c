"""Reads the operations-room pages need beyond the JSON API: who may open which page, the Polres's
targets, the officer's own units, and the lists (categories, transitions) the page scripts use.

Everything a user can trigger goes through the one read gate (restrict / role_allows).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from siaga.core.permissions import restrict, role_allows

from .categories import CATEGORIES
from .dispatching import UNIT_NEXT
from .incidents import ALLOWED
from .intake import config
from .models import Unit, UnitKind, UnitStatus


def may_open_ops(user) -> bool:
    """The operations room (read-only for roles that may not change incidents)."""
    return role_allows(user, "cad.incident", "view")


def may_take_calls(user) -> bool:
    return role_allows(user, "cad.call", "change")


def may_see_calls(user) -> bool:
    return role_allows(user, "cad.call", "view")


def may_change_incidents(user) -> bool:
    return role_allows(user, "cad.incident", "change")


def may_dispatch(user) -> bool:
    return role_allows(user, "cad.unit", "change") and role_allows(user, "cad.incident", "change")


def may_see_report(user) -> bool:
    return role_allows(user, "cad.incident", "view") and getattr(user, "role", None) != "patrol"


def targets(user) -> dict[str, int]:
    """Answer / dispatch / on-scene targets in seconds (the Polres's OpsConfig, else the defaults)."""
    cfg = config(user.polres_id)
    return {
        "answer_s": cfg.target_answer_s,
        "dispatch_s": cfg.target_dispatch_s,
        "on_scene_s": cfg.target_on_scene_s,
    }


def categories() -> list[dict[str, Any]]:
    """Polri categories for the type-ahead: code, label, group and default priority."""
    return [
        {"code": c.code, "label": str(c.label), "group": c.group, "priority": c.default_priority}
        for c in CATEGORIES
    ]


def transitions() -> dict[str, list[str]]:
    """Incident status → statuses a transition may reach (dispatched only by dispatching a unit)."""
    return {k: sorted(v) for k, v in ALLOWED.items()}


def unit_next() -> dict[str, list[str]]:
    return {k: sorted(v) for k, v in UNIT_NEXT.items()}


def unit_kinds() -> dict[str, str]:
    return {k: str(v) for k, v in UnitKind.choices}


def unit_statuses() -> dict[str, str]:
    return {k: str(v) for k, v in UnitStatus.choices}


def crew_units(user) -> QuerySet:
    """Units whose crew includes the user's personnel record (the patrol officer's own units)."""
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return (
        restrict(Unit.objects.all(), user, "view")
        .filter(crew__user_id=user.pk)
        .distinct()
        .order_by("callsign")
    )


def chooser_units(user) -> QuerySet:
    """Units a dispatcher (cad.unit change) may act for from the officer view."""
    return restrict(Unit.objects.all(), user, "change").order_by("callsign")


def officer_units(user) -> list[Unit]:
    """The units the officer view offers: the user's own, else (dispatchers) every unit they may change."""
    own = list(crew_units(user))
    if own:
        return own
    if role_allows(user, "cad.unit", "change"):
        return list(chooser_units(user)[:500])
    return []


def place_names(user) -> dict[str, dict[str, str]]:
    """Kelurahan and kecamatan names (by code) and Polsek names (by id) in the user's Polres, for the
    boards: the incident API carries codes only."""
    from siaga.territory.models import Level, Polsek, Region

    regions = Region.objects.restrict(user).filter(level__in=[Level.KECAMATAN, Level.KELURAHAN])
    polres = getattr(user, "polres", None)
    if polres is not None:
        regions = regions.filter(code__startswith=f"{polres.region_id}.")
    else:
        regions = regions.none() if getattr(user, "role", None) != "admin" else regions[:2000]
    names = {"kelurahan": {}, "kecamatan": {}, "polsek": {}}
    for code, name, level in regions.values_list("code", "name", "level"):
        names["kelurahan" if level == Level.KELURAHAN else "kecamatan"][code] = name
    polsek = restrict(Polsek.objects.all(), user, "view")
    if polres is not None:
        polsek = polsek.filter(polres=polres)
    names["polsek"] = {str(pk): name for pk, name in polsek.values_list("pk", "name")[:500]}
    return names
