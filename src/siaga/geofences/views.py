"""Staff pages of the geofences app under /geofence/: the map and list of the Polres's fences with a form
to draw one (click vertices on the map or paste GeoJSON), and one page per fence with its rules and who
is inside. Thin: forms call the services, reads go through the selectors."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from siaga.cad.models import UnitKind
from siaga.core.errors import Invalid, ServiceError
from siaga.core.permissions import role_allows
from siaga.territory.models import Polres, Polsek

from . import selectors, services
from .models import RESOURCE, FenceKind, Severity, Trigger

COLOURS = {
    FenceKind.POLSEK_AREA: "#1565c0",
    FenceKind.EVENT_ZONE: "#ef6c00",
    FenceKind.FORBIDDEN_ZONE: "#c62828",
    FenceKind.CUSTOM: "#6a1b9a",
}


def _need(request, action: str = "view") -> None:
    if not role_allows(request.user, RESOURCE, action):
        raise PermissionDenied


def _polres(user) -> Polres | None:
    if user.polres_id:
        return user.polres
    if user.polsek_id:
        return user.polsek.polres
    return None


def _zone(user) -> str:
    p = _polres(user)
    return p.timezone if p else "Asia/Jakarta"


def _local(value: str, tz: str, field: str) -> dt.datetime | None:
    """A datetime-local input (the Polres's wall clock) as an aware datetime; blank is None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=zoneinfo.ZoneInfo(tz))
    except ValueError as e:
        raise Invalid(_("Give a date and time (YYYY-MM-DDTHH:MM)."), field=field) from e


def _local_input(value, tz: str) -> str:
    return value.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M") if value else ""


def _feature(f, url: str | None = None) -> dict:
    return {
        "type": "Feature",
        "geometry": f.geometry,
        "properties": {
            "id": f.pk,
            "name": f.name,
            "kind": f.kind,
            "label": f.get_kind_display(),
            "colour": COLOURS.get(f.kind, "#455a64"),
            "url": url,
        },
    }


def _labels() -> dict:
    return {"open": _("Open")}


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    _need(request)
    may_change = role_allows(request.user, RESOURCE, "change")
    tz = _zone(request.user)
    error, status, form = None, 200, {}
    if request.method == "POST":
        _need(request, "change")
        form = request.POST
        try:
            geometry = form.get("geometry", "")
            if '"FeatureCollection"' in geometry:
                made = services.upload(request.user, geometry, kind=form.get("kind", ""))
                return redirect(reverse("geofences:index") + f"#fence-{made[0].pk}")
            f = services.create_fence(
                request.user,
                name=form.get("name", ""),
                kind=form.get("kind", ""),
                geometry=geometry,
                polsek=form.get("polsek") or None,
                description=form.get("description", ""),
                active_from=_local(form.get("active_from", ""), tz, "active_from"),
                active_until=_local(form.get("active_until", ""), tz, "active_until"),
            )
            return redirect("geofences:detail", pk=f.pk)
        except ServiceError as e:
            error, status = e.message, e.status
    fences = list(selectors.fences(request.user)[:500])
    counts: dict[int, int] = {}
    for gid in selectors.inside(request.user).values_list("geofence_id", flat=True):
        counts[gid] = counts.get(gid, 0) + 1
    rows = [(f, counts.get(f.pk, 0)) for f in fences]
    polres = _polres(request.user)
    geojson = {
        "type": "FeatureCollection",
        "features": [_feature(f, reverse("geofences:detail", args=[f.pk])) for f in fences],
    }
    ctx = {
        "rows": rows,
        "geojson": geojson,
        "labels": _labels(),
        "may_change": may_change,
        "kinds": FenceKind.choices,
        "polsek": Polsek.objects.filter(polres=polres).order_by("name") if polres else [],
        "form": form,
        "error": error,
        "tz": tz,
        "centre": [polres.lat, polres.lon] if polres and polres.lat is not None else None,
    }
    return render(request, "geofences/index.html", ctx, status=status)


def _rule_data(form) -> dict:
    return {
        "trigger": form.get("trigger", ""),
        "dwell_minutes": form.get("dwell_minutes") or 0,
        "quiet_minutes": form.get("quiet_minutes") or 0,
        "severity": form.get("severity", Severity.WARNING),
        "unit_kinds": form.getlist("unit_kinds"),
        "device_kinds": form.get("device_kinds", ""),
        "units": form.get("units", ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk: int):
    _need(request)
    try:
        f = services.get(request.user, pk)
    except ServiceError as e:
        return render(request, "geofences/missing.html", {"error": e.message}, status=e.status)
    tz = f.polres.timezone
    error, status, form = None, 200, {}
    if request.method == "POST":
        _need(request, "change")
        form = request.POST
        action = form.get("action", "")
        try:
            if action == "add_rule":
                services.add_rule(request.user, f.pk, **_rule_data(form))
            elif action == "remove_rule":
                services.remove_rule(request.user, form.get("rule"))
            elif action == "deactivate":
                services.deactivate_fence(request.user, f.pk)
                return redirect("geofences:index")
            elif action == "update":
                services.update_fence(
                    request.user,
                    f.pk,
                    name=form.get("name"),
                    description=form.get("description", ""),
                    geometry=form.get("geometry") or None,
                    active_from=_local(form.get("active_from", ""), tz, "active_from"),
                    active_until=_local(form.get("active_until", ""), tz, "active_until"),
                    version=form.get("version"),
                )
            else:
                raise Invalid(_("Unknown action."))
            return redirect("geofences:detail", pk=f.pk)
        except ServiceError as e:
            error, status = e.message, e.status
            f = services.get(request.user, pk)
    ctx = {
        "f": f,
        "rules": list(selectors.rules(request.user, f)),
        "inside": list(selectors.inside(request.user, fence=f)[:500]),
        "geojson": {"type": "FeatureCollection", "features": [_feature(f)]},
        "labels": _labels(),
        "may_change": role_allows(request.user, RESOURCE, "change") and f.active,
        "triggers": Trigger.choices,
        "severities": Severity.choices,
        "unit_kinds": UnitKind.choices,
        "active_from": _local_input(f.active_from, tz),
        "active_until": _local_input(f.active_until, tz),
        "form": form,
        "error": error,
        "tz": tz,
    }
    return render(request, "geofences/detail.html", ctx, status=status)
