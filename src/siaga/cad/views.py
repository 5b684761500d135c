"""Operations-room pages (thin): the live room, call intake, the officer view and the response-time report.

The pages draw themselves from /api/cad/ (the same read gate as every other read); the views only
decide who may open a page and hand the scripts their configuration and translated strings.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import ServiceError

from . import pages, reports
from .models import IncidentStatus, Priority

API = "/api/cad"


def _polres_zone(user) -> str:
    polres = getattr(user, "polres", None)
    return getattr(polres, "timezone", None) or "Asia/Jakarta"


def _common_labels() -> dict[str, str]:
    """Strings the page scripts show (Bahasa Indonesia by default, through gettext like the templates)."""
    s = {k: str(v) for k, v in IncidentStatus.choices}
    return {
        **{f"status_{k}": v for k, v in s.items()},
        **{f"unit_{k}": v for k, v in pages.unit_statuses().items()},
        **{f"kind_{k}": v for k, v in pages.unit_kinds().items()},
        "unit_cleared": _("Cleared"),
        "live": _("Live"),
        "polling": _("Polling (socket closed)"),
        "offline": _("Offline"),
        "loading": _("Loading…"),
        "error": _("Could not load the data."),
        "saved": _("Saved."),
        "none": _("None"),
        "p1_alert": _("New P1 incident"),
        "panic_alert": _("OFFICER PANIC"),
        "new_incident": _("New incident"),
        "updated": _("Updated"),
        "dispatched_to": _("dispatched to"),
        "no_units": _("No available unit with a position."),
        "ringing": _("ringing"),
        "answered": _("answered"),
        "overdue": _("overdue"),
        "escalated": _("escalated to"),
        "no_calls": _("No calls waiting."),
        "no_incidents": _("No open incidents."),
        "since_received": _("since received"),
        "since_dispatched": _("since dispatched"),
        "on_scene_for": _("on scene for"),
        "mute": _("Mute"),
        "unmute": _("Sound on"),
        "close": _("Close"),
    }


def _ops_config(request) -> dict:
    user = request.user
    return {
        "api": API,
        "areas_url": reverse("api:territory_areas"),
        "search_url": reverse("api:territory_search"),
        "lookup_url": reverse("api:territory_lookup"),
        "ws_path": "/ws/events/",
        "poll_ms": 5000,
        "targets": pages.targets(user),
        "categories": pages.categories(),
        "transitions": pages.transitions(),
        "unit_next": pages.unit_next(),
        "zone": _polres_zone(user),
        "region": getattr(getattr(user, "polres", None), "region_id", "") or "",
        "names": pages.place_names(user),
        "perms": {
            "calls": pages.may_see_calls(user),
            "take_calls": pages.may_take_calls(user),
            "change": pages.may_change_incidents(user),
            "dispatch": pages.may_dispatch(user),
        },
        "urls": {
            "room": reverse("cad:room"),
            "intake": reverse("cad:intake"),
            "report": reverse("cad:report"),
        },
    }


def _bbox(user) -> str:
    from siaga.territory.models import Region

    polres = getattr(user, "polres", None)
    root = None
    if polres is not None:
        root = Region.objects.restrict(user).filter(code=polres.region_id).first()
    if root is None or root.min_lon is None:
        return ""
    return f"{root.min_lon},{root.min_lat},{root.max_lon},{root.max_lat}"


@login_required
def room(request):
    """The live operations room: map, incident board, unit board, call queue, incident detail."""
    if not pages.may_open_ops(request.user):
        raise PermissionDenied
    labels = {
        **_common_labels(),
        "timeline": _("Timeline"),
        "received": _("Received"),
        "answered_at": _("Answered"),
        "created": _("Created"),
        "dispatched": _("Dispatched"),
        "en_route": _("En route"),
        "on_scene": _("On scene"),
        "cleared": _("Cleared"),
        "closed": _("Closed"),
        "reopened": _("Reopened"),
        "notes": _("Notes"),
        "add_note": _("Add note"),
        "note_placeholder": _("Write a note…"),
        "calls": _("Linked calls"),
        "persons": _("Persons"),
        "vehicles": _("Vehicles"),
        "units": _("Units"),
        "recommendations": _("Recommended units"),
        "dispatch": _("Dispatch"),
        "dispatch_top": _("Dispatch the top recommendation (d)"),
        "actions": _("Actions"),
        "move_to": _("Set status:"),
        "reopen": _("Reopen"),
        "reopen_reason": _("Reason for reopening"),
        "police_report": _("Create Laporan Polisi"),
        "model_a": _("Model A (found by an officer)"),
        "model_b": _("Model B (reported by the public)"),
        "eido": _("EIDO document (JSON)"),
        "address": _("Address"),
        "place": _("Place"),
        "description": _("Description"),
        "open_detail": _("Open"),
        "panic": _("Panic"),
        "lp_created": _("Laporan Polisi created:"),
        "reports": _("Laporan Polisi"),
        "no_recommendation": _("No recommendation (no available unit)."),
        "priority": _("Priority"),
        "category": _("Category"),
        "status": _("Status"),
        "version_conflict": _("Someone else changed it meanwhile: reloaded."),
    }
    return render(
        request,
        "cad/room.html",
        {"config": _ops_config(request), "labels": labels, "bbox": _bbox(request.user)},
    )


@login_required
def intake(request):
    """Keyboard-first call intake: answer, caller history, place, category, priority, disposition."""
    if not pages.may_take_calls(request.user):
        raise PermissionDenied
    labels = {
        **_common_labels(),
        "no_call": _("No call in progress. Press F2 or a to answer the oldest ringing call."),
        "answered_call": _("Call answered"),
        "caller": _("Caller"),
        "unknown_number": _("unknown number"),
        "history_total": _("earlier calls"),
        "history_pranks": _("earlier pranks"),
        "repeat_caller": _("Repeat caller"),
        "prankster": _("Known prank caller"),
        "open_incidents": _("open incidents from this number"),
        "first_call": _("First call from this number."),
        "no_hits": _("No matching area. Try “RT 2 RW 5 Margahayu” or a kelurahan name."),
        "place_set": _("Place:"),
        "place_map": _("point on the map"),
        "place_address": _("address text (parsed by the server)"),
        "need_place": _("Choose a place first (search, address or map click)."),
        "need_category": _("Choose a category."),
        "duplicates": _("Possible duplicates nearby — press L to link the call to the first one"),
        "no_duplicates": _("No open incident nearby."),
        "created": _("Incident created"),
        "recs": _("Recommended units — Enter dispatches the first"),
        "recs_readonly": _("Recommended units (the dispatcher dispatches from the operations room)"),
        "dispatched": _("Dispatched"),
        "closed_as": _("Call closed as"),
        "disp_prank": _("prank"),
        "disp_information": _("information given"),
        "disp_referred": _("referred"),
        "disp_linked": _("linked"),
        "disp_incident": _("incident created"),
        "interactions": _("interactions since answer"),
        "m": _("m"),
        "next_call": _("Ready for the next call."),
        "no_ringing": _("No ringing call."),
    }
    return render(
        request,
        "cad/intake.html",
        {
            "config": _ops_config(request),
            "labels": labels,
            "bbox": _bbox(request.user),
            "priorities": Priority.choices,
        },
    )


@login_required
def officer(request):
    """Mobile field view of one unit: assignment, navigation, status buttons, position, note, panic."""
    units = pages.officer_units(request.user)
    if not units:
        raise PermissionDenied(_("You are not in the crew of any unit."))
    chosen = units[0]
    wanted = request.GET.get("unit", "")
    if wanted.isdigit():
        match = [u for u in units if u.pk == int(wanted)]
        if not match:
            raise PermissionDenied
        chosen = match[0]
    labels = {
        **_common_labels(),
        "no_assignment": _("No assignment. Stay available."),
        "assignment": _("Current assignment"),
        "navigate": _("Navigate (map app)"),
        "osm": _("Directions on OpenStreetMap"),
        "share_on": _("Sharing position"),
        "share_off": _("Position not shared"),
        "geo_denied": _("The browser refused the position."),
        "geo_none": _("This browser cannot share its position."),
        "panic_sent": _("PANIC SENT. Help is coming."),
        "hold": _("Hold to send panic…"),
        "note_sent": _("Report sent."),
        "status_set": _("Status set:"),
        "last_fix": _("Last position sent"),
        "dispatched_at": _("dispatched at"),
    }
    cfg = {
        **_ops_config(request),
        "unit_id": chosen.pk,
        "callsign": chosen.callsign,
        "position_every_ms": 15000,
        "panic_hold_ms": 1500,
    }
    from siaga.analytics.patrol_views import officer_patrol

    return render(
        request,
        "cad/officer.html",
        {"config": cfg, "labels": labels, "unit": chosen, "units": units,
         "patrol": officer_patrol(request.user, chosen)},
    )  # fmt: skip


GROUP_CHOICES = ("polsek", "category", "priority", "shift")


def _parse_day(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return default


@login_required
def report(request):
    """Response times per Polsek / category / priority / shift (the same numbers as the API)."""
    user = request.user
    if not pages.may_see_report(user):
        raise PermissionDenied
    zone = zoneinfo.ZoneInfo(_polres_zone(user))
    today = timezone.now().astimezone(zone).date()
    since_day = _parse_day(request.GET.get("since", ""), today - dt.timedelta(days=30))
    until_day = _parse_day(request.GET.get("until", ""), today)
    groups = [g for g in GROUP_CHOICES if g in request.GET.getlist("group")] or (
        ["polsek", "priority"] if "group" not in request.GET else []
    )
    since = dt.datetime.combine(since_day, dt.time(), zone)
    until = dt.datetime.combine(until_day + dt.timedelta(days=1), dt.time(), zone)
    data, error = None, ""
    try:
        data = reports.response_times(user, since, until, tuple(groups))
    except ServiceError as e:
        error = e.message
    from .categories import BY_CODE

    if data:
        for row in data["groups"]:
            if row.get("category"):
                row["category_label"] = (
                    str(BY_CODE[row["category"]].label) if row["category"] in BY_CODE else row["category"]
                )
    return render(
        request,
        "cad/report.html",
        {
            "data": data,
            "error": error,
            "since": since_day.isoformat(),
            "until": until_day.isoformat(),
            "groups": groups,
            "group_choices": [
                ("polsek", _("Polsek")),
                ("category", _("Category")),
                ("priority", _("Priority")),
                ("shift", _("Shift")),
            ],
            "api_url": f"{API}/reports/response-times?since={since.isoformat()}&until={until.isoformat()}"
            f"&group_by={','.join(groups)}",
        },
    )
