"""Portal pages (thin): the public site (Bahasa Indonesia first, mobile-first, works without script,
installable as a PWA) and the SPKT back office. Every write goes through the services; every error
they raise becomes a clear 4xx page in the user's language."""

from __future__ import annotations

import json
import uuid
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from siaga.cad.categories import BY_CODE
from siaga.core.errors import NotFound, ServiceError
from siaga.core.permissions import role_allows

from . import reports, selectors, sos, sp2hp, stations
from .common import client_ip, normalise_code
from .forms import report_kwargs
from .models import ReportKind, ReportStatus, Severity, Sp2hpCode
from .nav import PUBLIC_NAV


def _nav(request) -> list[dict]:
    out = []
    for name, label, css in PUBLIC_NAV:
        url = reverse(name)
        out.append({"url": url, "label": label, "css": css, "active": request.path.startswith(url)})
    return out


PRIMARY_NAV = 4  # SOS, report, track, stations stay in sight on a phone; the rest fold under "more"


def page(request, template: str, ctx: dict | None = None, status: int = 200):
    """Render a public page with the public navigation."""
    nav = _nav(request)
    more = nav[PRIMARY_NAV:]
    return render(
        request,
        template,
        {
            "public_nav": nav[:PRIMARY_NAV],
            "public_nav_more": more,
            "public_nav_more_open": any(i["active"] for i in more),
            **(ctx or {}),
        },
        status=status,
    )


def _polres():
    from siaga.territory.models import Polres

    return Polres.objects.order_by("pk").first()


@lru_cache(maxsize=8)
def _outline(region_id: str, version: tuple) -> str:
    """The Polres's kecamatan outlines, simplified, as GeoJSON for the public maps (drawn as vectors)."""
    import shapely
    from shapely.geometry import mapping, shape

    from siaga.territory.models import Level, Region

    feats = []
    for _code, name, geom in Region.objects.filter(
        level=Level.KECAMATAN, code__startswith=f"{region_id}.", geometry__isnull=False
    ).values_list("code", "name", "geometry"):
        g = shapely.simplify(shape(geom), 0.0004, preserve_topology=True)
        feats.append({"type": "Feature", "properties": {"name": name}, "geometry": mapping(g)})
    return json.dumps({"type": "FeatureCollection", "features": feats})


def _map_config() -> dict:
    from siaga.territory.lookup import current_version

    p = _polres()
    outline = "{}"
    center = [-6.24, 107.0]
    if p is not None:
        outline = _outline(p.region_id, current_version())
        if p.lat is not None:
            center = [p.lat, p.lon]
    return {
        "center": center,
        "outline": json.loads(outline) if outline != "{}" else None,
        "tiles": settings.SIAGA_TILE_URL,
        "stations": stations.all_stations(),
    }


def _labels() -> dict[str, str]:
    return {
        "queued": _("No connection: your report is saved on this phone and will be sent automatically."),
        "sending": _("Sending…"),
        "sent": _("Sent. Tracking code:"),
        "sent_queued": _("A report saved while offline was sent. Tracking code:"),
        "error": _("Could not send:"),
        "locating": _("Finding your position…"),
        "no_position": _("Position not available: the SOS is sent without it. Call 110 as well."),
        "sos_sent": _("SOS received by the operations room. Help is being arranged."),
        "sos_queued": _("No connection: call 110 now. The SOS will be sent as soon as you are online."),
        "sos_failed": _("The SOS could not be sent: call 110 now."),
        "sharing": _("Sharing your position every 10 seconds while this page is open."),
        "escort_running": _("Escort countdown: SOS in"),
        "escort_cancelled": _("Escort cancelled."),
        "escort_fired": _("Time is up: SOS raised."),
        "nearby": _("Open reports near this place (within 50 m). Is yours one of them?"),
        "distance": _("m away"),
        "pin_set": _("Place marked on the map."),
        "call": _("Call"),
        "here": _("You are here"),
        "km": _("km"),
        "m": _("m"),
    }


def _config(request, **extra) -> dict:
    return {
        "api": "/api/portal",
        "labels": _labels(),
        "lang": getattr(request, "LANGUAGE_CODE", "id"),
        **extra,
    }


# --- public pages ---------------------------------------------------------------------------------


@require_GET
def home(request):
    from siaga.info.banner import alert_banner  # public alerts in force, most severe first

    return page(request, "portal/home.html", {"config": _config(request), **alert_banner(request)})


@require_http_methods(["GET", "POST"])
def sos_page(request):
    """One-tap SOS. Without script the button is a form post (no position, still a P1 incident)."""
    ctx = {"key": uuid.uuid4().hex, "escort_minutes": [5, 10, 15, 20, 30, 45, 60]}
    status = 200
    if request.method == "POST":
        try:
            s = sos.raise_sos(
                key=request.POST.get("key"),
                lat=request.POST.get("lat") or None,
                lon=request.POST.get("lon") or None,
                phone=request.POST.get("phone", ""),
                device=request.POST.get("device", ""),
                ip=client_ip(request),
            )
            ctx["raised"] = s
        except ServiceError as e:
            ctx["error"], status = e.message, e.status
    ctx["config"] = _config(request, map=_map_config(), key=ctx["key"])
    return page(request, "portal/sos.html", ctx, status)


def _report_ctx(request, **extra) -> dict:
    cats = [(c, str(BY_CODE[c].label), BY_CODE[c].group) for c in reports.PUBLIC_CATEGORIES]
    return {
        "categories": cats,
        "kinds": ReportKind.choices,
        "key": uuid.uuid4().hex,
        "config": _config(request, map=_map_config()),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def report_page(request):
    if request.method == "POST":
        try:
            kwargs = report_kwargs(request.POST, request.FILES)
            r = reports.submit_report(**kwargs, ip=client_ip(request))
        except ServiceError as e:
            ctx = _report_ctx(request, error=e.message, error_field=e.field, form=request.POST)
            ctx["key"] = request.POST.get("key") or ctx["key"]
            return page(request, "portal/report.html", ctx, e.status)
        return redirect(reverse("portal:track_code", args=[r.tracking_code]) + "?baru=1")
    return page(request, "portal/report.html", _report_ctx(request))


@require_GET
def track(request):
    code = request.GET.get("kode", "").strip()
    if code:
        return redirect("portal:track_code", code=normalise_code(code) or "-")
    return page(request, "portal/track.html", {})


@require_http_methods(["GET", "POST"])
def track_code(request, code: str):
    try:
        report = reports.by_code(code, client=client_ip(request))
    except ServiceError as e:
        return page(request, "portal/track.html", {"error": e.message, "code": code}, e.status)
    ctx = {"r": reports.public_view(report), "new": request.GET.get("baru") == "1"}
    status = 200
    if request.method == "POST":
        try:
            ctx["sp2hp"] = sp2hp.lookup(
                report.tracking_code,
                request.POST.get("name", ""),
                request.POST.get("dob", ""),
                client=client_ip(request),
            )
        except ServiceError as e:
            ctx["lookup_error"], status = e.message, e.status
    return page(request, "portal/track_code.html", ctx, status)


@require_GET
def stations_page(request):
    return page(
        request,
        "portal/stations.html",
        {"stations": stations.all_stations(), "config": _config(request, map=_map_config())},
    )


@require_GET
def offline(request):
    return page(request, "portal/offline.html", {})


@require_GET
@never_cache
def service_worker(request):
    """The service worker, served from / so that its scope covers the whole public site."""
    path = finders.find("portal/sw.js")
    with open(path, encoding="utf-8") as f:
        body = f.read()
    resp = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    resp["Service-Worker-Allowed"] = "/"
    return resp


@require_GET
def manifest(request):
    path = finders.find("portal/manifest.webmanifest")
    with open(path, encoding="utf-8") as f:
        return HttpResponse(f.read(), content_type="application/manifest+json")


# --- SPKT back office -----------------------------------------------------------------------------


def _staff(request, action: str = "view") -> None:
    if not role_allows(request.user, "portal.report", action):
        raise PermissionDenied


@login_required
def staff_queue(request):
    _staff(request)
    status = request.GET.get("status", ReportStatus.NEW)
    if status not in ReportStatus.values:
        status = ReportStatus.NEW
    rows = selectors.report_queue(request.user, status)
    counts = selectors.queue_counts(request.user)
    tabs = [(v, label, counts.get(v, 0)) for v, label in ReportStatus.choices]
    return render(
        request,
        "portal/staff/queue.html",
        {"rows": rows, "status": status, "tabs": tabs, "label": selectors.category_label},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_report(request, pk: int):
    _staff(request)
    error, status = None, 200
    if request.method == "POST":
        _staff(request, "change")
        action = request.POST.get("action", "")
        p = request.POST
        try:
            if action == "accept_incident":
                reports.accept(
                    request.user, pk, mode="incident", note=p.get("note", ""), version=p.get("version")
                )
            elif action == "accept_case":
                reports.accept(
                    request.user,
                    pk,
                    mode="case",
                    severity=p.get("severity", ""),
                    note=p.get("note", ""),
                    version=p.get("version"),
                )
            elif action == "investigate":
                reports.start_investigation(
                    request.user,
                    pk,
                    severity=p.get("severity", ""),
                    note=p.get("note", ""),
                    version=p.get("version"),
                )
            elif action == "reject":
                reports.reject(request.user, pk, reason=p.get("reason", ""), version=p.get("version"))
            elif action == "close":
                reports.close(request.user, pk, note=p.get("note", ""), version=p.get("version"))
            elif action == "note":
                reports.add_note(request.user, pk, note=p.get("note", ""), public=p.get("public") == "1")
            elif action == "sp2hp":
                sp2hp.issue_notice(
                    request.user,
                    pk,
                    code=p.get("code", ""),
                    text=p.get("text", ""),
                    severity=p.get("severity", ""),
                )
            else:
                raise PermissionDenied
            return redirect("portal:staff_report", pk=pk)
        except ServiceError as e:
            error, status = e.message, e.status
    try:
        r = selectors.report_for(request.user, pk)
    except ServiceError as e:
        return render(request, "portal/staff/error.html", {"error": e.message}, status=e.status)
    issued = list(r.notices.values_list("issued_at", flat=True))
    deadline = None
    if r.status == ReportStatus.INVESTIGATING:
        deadline = sp2hp.next_due(r.created_at, r.severity or "sedang", issued)
    return render(
        request,
        "portal/staff/report.html",
        {
            "r": r,
            "who": selectors.reporter_identity(request.user, r),
            "category": selectors.category_label(r.category),
            "events": r.events.all(),
            "notices": r.notices.all(),
            "photos": r.photos.all(),
            "severities": Severity.choices,
            "codes": Sp2hpCode.choices,
            "deadline": deadline,
            "deadline_state": sp2hp.due_state(deadline, timezone.now()) if deadline else "",
            "may_change": role_allows(request.user, "portal.report", "change"),
            "error": error,
        },
        status=status,
    )


@login_required
def staff_sp2hp(request):
    _staff(request)
    everything = request.GET.get("semua") == "1"
    return render(
        request,
        "portal/staff/sp2hp.html",
        {
            "rows": sp2hp.due_list(request.user, include_ok=everything),
            "all": everything,
        },
    )


@login_required
def staff_photo(request, pk: int, photo_id: int):
    """A report photo, for staff who may see the report (never a public URL)."""
    from django.http import FileResponse, Http404

    _staff(request)
    try:
        r = selectors.report_for(request.user, pk)
    except NotFound as e:  # another Polres's report: as absent as a wrong id
        raise Http404 from e
    ph = r.photos.filter(pk=photo_id).first()
    if ph is None:
        raise Http404
    return FileResponse(ph.file.open("rb"), content_type=ph.content_type)


@login_required
@require_http_methods(["GET", "POST"])
def staff_sos(request):
    """Recent SOS with their doubt reasons; operators record a prank disposition after the fact."""
    if not role_allows(request.user, "portal.sos", "view"):
        raise PermissionDenied
    error, status = None, 200
    if request.method == "POST":
        try:
            sos.mark_prank(
                request.user, int(request.POST.get("sos", 0) or 0), request.POST.get("prank") == "1"
            )
            return redirect("portal:staff_sos")
        except (ServiceError, ValueError) as e:
            error, status = getattr(e, "message", str(e)), getattr(e, "status", 400)
    return render(
        request,
        "portal/staff/sos.html",
        {
            "rows": selectors.sos_list(request.user),
            "may_change": role_allows(request.user, "portal.sos", "change"),
            "error": error,
        },
        status=status,
    )
