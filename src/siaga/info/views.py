"""Info pages (thin): bulletins, the alerts page, the Atom feed and CAP documents, public statistics,
and the Humas back office. Every write goes through the services; their errors become 4xx pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from siaga.core.errors import ServiceError
from siaga.core.permissions import role_allows
from siaga.portal.views import page

from . import alerts as alert_svc
from . import bulletins as bulletin_svc
from . import cap, selectors, stats
from .banner import alert_banner, alert_view
from .common import area_names, default_polres
from .models import (
    Alert,
    AlertState,
    BulletinCategory,
    BulletinKind,
    BulletinStatus,
    CapCategory,
    Certainty,
    MsgType,
    Severity,
    Urgency,
)


def _polres():
    from siaga.territory.models import Polres

    return Polres.objects.order_by("pk").first()


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# --- public: bulletins ----------------------------------------------------------------------------


@require_GET
def index(request):
    category = request.GET.get("kategori", "")
    area = request.GET.get("wilayah", "")
    kind = request.GET.get("jenis", "")
    category = category if category in BulletinCategory.values else ""
    kind = kind if kind in BulletinKind.values else ""
    p = _polres()
    areas = selectors.area_choices(p) if p else []
    known = {c for c, _n, kels in areas for c in [c, *[k for k, _m in kels]]}
    area = area if area in known else ""
    rows = bulletin_svc.public_list(category=category, area=area, kind=kind)
    names = area_names(sorted({c for b in rows for c in b.area_codes}))
    items = [{"b": b, "areas": [names.get(c, c) for c in b.area_codes]} for b in rows]
    return page(
        request,
        "info/index.html",
        {
            "items": items,
            "categories": BulletinCategory.choices,
            "kinds": BulletinKind.choices,
            "areas": areas,
            "category": category,
            "area": area,
            "kind": kind,
            **alert_banner(request),
        },
    )


@require_GET
def bulletin(request, slug: str):
    try:
        b = bulletin_svc.public_get(slug)
    except ServiceError as e:
        return page(request, "info/not_found.html", {"error": e.message}, e.status)
    names = area_names(b.area_codes)
    return page(request, "info/bulletin.html", {"b": b, "areas": [names.get(c, c) for c in b.area_codes]})


# --- public: alerts -------------------------------------------------------------------------------


@require_GET
def alerts_page(request):
    now = timezone.now()
    return page(
        request,
        "info/alerts.html",
        {
            "active": [alert_view(a) for a in alert_svc.active(now)],
            "ended": [alert_view(a) for a in alert_svc.recent_ended(now)],
            "now": now,
        },
    )


@require_GET
def atom(request):
    p = _polres()
    now = timezone.now()
    entries = alert_svc.feed_entries(now)
    updated = max([a.sent for a in entries], default=None) or now
    body = cap.atom_feed(
        entries,
        base_url=_base(request),
        title=_("Public alerts") + (f" · {p.name}" if p else ""),
        author=p.name if p else "Siaga",
        updated=updated,
    )
    resp = HttpResponse(body, content_type="application/atom+xml; charset=utf-8")
    resp["Cache-Control"] = "public, max-age=60"
    return resp


@require_GET
def cap_document(request, slug: str):
    try:
        a = alert_svc.public_document(slug)
    except ServiceError as e:
        raise Http404(e.message) from e
    body = cap.cap_xml(a, web=f"{_base(request)}/peringatan/#{a.slug}")
    resp = HttpResponse(body, content_type=cap.CAP_CONTENT_TYPE)
    resp["Cache-Control"] = "public, max-age=60"
    return resp


# --- public: statistics ---------------------------------------------------------------------------


def _stats_or_404():
    p = _polres()
    if p is None:
        raise Http404
    return stats.published(p)


@require_GET
def stats_page(request):
    return page(request, "info/stats.html", {"s": _stats_or_404(), "threshold": stats.THRESHOLD})


@require_GET
def stats_json(request):
    resp = JsonResponse(_stats_or_404(), json_dumps_params={"ensure_ascii": False})
    resp["Content-Disposition"] = 'inline; filename="statistik.json"'
    return resp


@require_GET
def stats_csv(request):
    out = io.StringIO()
    csv.writer(out).writerows(stats.csv_rows(_stats_or_404()))
    resp = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="statistik.csv"'
    return resp


# --- staff ----------------------------------------------------------------------------------------


def _may(request, resource: str, action: str = "view") -> bool:
    return role_allows(request.user, resource, action)


def _need(request, resource: str, action: str = "view") -> None:
    if not _may(request, resource, action):
        raise PermissionDenied


@login_required
def staff(request):
    if not (_may(request, "info.bulletin") or _may(request, "info.alert")):
        raise PermissionDenied
    now = timezone.now()
    return render(
        request,
        "info/staff/index.html",
        {
            "bulletins": selectors.bulletins(request.user),
            "alerts": selectors.alerts(request.user),
            "may_bulletin": _may(request, "info.bulletin", "change"),
            "may_alert": _may(request, "info.alert", "change"),
            "now": now,
        },
    )


def _bulletin_form(request, b=None) -> dict:
    p = b.polres if b else default_polres(request.user)
    return {
        "categories": BulletinCategory.choices,
        "kinds": BulletinKind.choices,
        "areas": selectors.area_choices(p),
    }


@login_required
@require_http_methods(["GET", "POST"])
def staff_bulletin_new(request):
    _need(request, "info.bulletin", "change")
    error, status, form = None, 200, {}
    if request.method == "POST":
        form = request.POST
        try:
            b = bulletin_svc.create_bulletin(
                request.user,
                title=form.get("title", ""),
                body=form.get("body", ""),
                category=form.get("category", ""),
                kind=form.get("kind", BulletinKind.BULLETIN),
                summary=form.get("summary", ""),
                area_codes=form.getlist("area_codes"),
                publish_now=form.get("action") == "publish",
            )
            return redirect("info:staff_bulletin", pk=b.pk)
        except ServiceError as e:
            error, status = e.message, e.status
    ctx = {**_bulletin_form(request), "form": form, "error": error, "b": None}
    return render(request, "info/staff/bulletin.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def staff_bulletin(request, pk: int):
    _need(request, "info.bulletin")
    error, status = None, 200
    form = None
    if request.method == "POST":
        _need(request, "info.bulletin", "change")
        p = request.POST
        action = p.get("action", "")
        try:
            if action == "save":
                bulletin_svc.edit_bulletin(
                    request.user,
                    pk,
                    version=p.get("version"),
                    title=p.get("title", ""),
                    body=p.get("body", ""),
                    category=p.get("category", ""),
                    kind=p.get("kind", ""),
                    summary=p.get("summary", ""),
                    area_codes=p.getlist("area_codes"),
                )
            elif action == "publish":
                bulletin_svc.publish_bulletin(request.user, pk, version=p.get("version"))
            elif action == "archive":
                bulletin_svc.archive_bulletin(request.user, pk, version=p.get("version"))
            else:
                raise PermissionDenied
            return redirect("info:staff_bulletin", pk=pk)
        except ServiceError as e:
            error, status, form = e.message, e.status, p
    try:
        b = selectors.bulletin_for(request.user, pk)
    except ServiceError as e:
        raise Http404(e.message) from e
    ctx = {
        **_bulletin_form(request, b),
        "b": b,
        "form": form,
        "error": error,
        "may_change": _may(request, "info.bulletin", "change"),
        "can_edit": b.status != BulletinStatus.ARCHIVED,
    }
    return render(request, "info/staff/bulletin.html", ctx, status=status)


def _local_input(value, tz: str) -> str:
    if not value:
        return ""
    return value.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


def _alert_form_ctx(request, a=None, form=None) -> dict:
    p = a.polres if a else default_polres(request.user)
    initial = {}
    if a is not None and form is None:
        initial = {
            **{k: getattr(a, k) for k in alert_svc.INFO_FIELDS if k not in ("polygons", "circles")},
            "status": a.status,
            "note": a.note if a.msg_type != MsgType.CANCEL else "",
            "polygons": "\n".join(cap.polygon_text(r) for r in a.polygons),
            "circles": "\n".join(cap.circle_text(c) for c in a.circles),
            "effective": _local_input(a.effective, p.timezone),
            "onset": _local_input(a.onset, p.timezone),
            "expires": _local_input(a.expires, p.timezone),
        }
    elif a is None and form is None:
        now = timezone.now()
        initial = {
            "status": "Actual",
            "categories": ["Safety"],
            "urgency": "Expected",
            "severity": "Moderate",
            "certainty": "Likely",
            "expires": _local_input(now + dt.timedelta(hours=12), p.timezone),
        }
    values = form if form is not None else initial
    cats = form.getlist("categories") if form is not None else initial.get("categories", [])
    codes = form.getlist("area_codes") if form is not None else initial.get("area_codes", [])
    return {
        "v": values,
        "chosen_categories": cats,
        "chosen_areas": codes,
        "cap_categories": CapCategory.choices,
        "urgencies": Urgency.choices,
        "severities": Severity.choices,
        "certainties": Certainty.choices,
        "statuses": [("Actual", _("Actual")), ("Exercise", _("Exercise")), ("Test", _("Test"))],
        "area_options": selectors.area_choices(p),
        "tz": p.timezone,
    }


def _alert_data(p) -> dict:
    keys = [k for k in alert_svc.EDITABLE if k not in ("categories", "area_codes")]
    data = {k: p.get(k, "") for k in keys}
    data["categories"] = p.getlist("categories")
    data["area_codes"] = p.getlist("area_codes")
    return data


@login_required
@require_http_methods(["GET", "POST"])
def staff_alert_new(request):
    _need(request, "info.alert", "change")
    error, status, form = None, 200, None
    if request.method == "POST":
        form = request.POST
        try:
            a = alert_svc.create_alert(request.user, **_alert_data(form))
            if form.get("action") == "publish":
                alert_svc.publish_alert(request.user, a.pk)
            return redirect("info:staff_alert", pk=a.pk)
        except ServiceError as e:
            error, status = e.message, e.status
    ctx = {**_alert_form_ctx(request, None, form), "a": None, "mode": "new", "error": error}
    return render(request, "info/staff/alert.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def staff_alert(request, pk: int):
    _need(request, "info.alert")
    error, status, form = None, 200, None
    if request.method == "POST":
        _need(request, "info.alert", "change")
        p = request.POST
        action = p.get("action", "")
        try:
            if action == "save":
                alert_svc.edit_alert(request.user, pk, version=p.get("version"), **_alert_data(p))
            elif action == "publish":
                alert_svc.publish_alert(request.user, pk, version=p.get("version"))
            elif action == "update":
                data = _alert_data(p)
                data.pop("status", None)
                new = alert_svc.update_alert(request.user, pk, version=p.get("version"), **data)
                return redirect("info:staff_alert", pk=new.pk)
            elif action == "cancel":
                new = alert_svc.cancel_alert(
                    request.user, pk, reason=p.get("reason", ""), version=p.get("version")
                )
                return redirect("info:staff_alert", pk=new.pk)
            else:
                raise PermissionDenied
            return redirect("info:staff_alert", pk=pk)
        except ServiceError as e:
            error, status, form = e.message, e.status, p
    try:
        a = selectors.alert_for(request.user, pk)
    except ServiceError as e:
        raise Http404(e.message) from e
    now = timezone.now()
    live = (
        a.state == AlertState.PUBLISHED
        and not a.external
        and a.msg_type != MsgType.CANCEL
        and (a.expires is None or a.expires > now)
    )
    mode = "edit" if a.state == AlertState.DRAFT and not a.external else ("update" if live else "view")
    preview = cap.cap_xml(a, web="").decode("utf-8") if not a.external else a.raw_xml
    ctx = {
        **_alert_form_ctx(request, a, form),
        **alert_view(a),
        "mode": mode,
        "live": live,
        "error": error,
        "may_change": _may(request, "info.alert", "change"),
        "preview": preview,
        "chain": list(Alert.objects.filter(pk__in=_chain_ids(a)).order_by("created_at", "pk")),
    }
    return render(request, "info/staff/alert.html", ctx, status=status)


def _chain_ids(a: Alert) -> list[int]:
    ids, cur = [], a
    while cur is not None and len(ids) < 50:
        ids.append(cur.pk)
        cur = cur.previous
    nxt = list(Alert.objects.filter(previous_id=a.pk).values_list("pk", flat=True))
    return ids + nxt
