"""Pages of the permits app (thin): the public services under /layanan/, the verification page
/verifikasi/<code>/, and the staff back office under /staf/layanan/. Every write goes through a service;
every error a service raises becomes a clear 4xx page in the user's language."""

from __future__ import annotations

import uuid
from collections import OrderedDict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from siaga.core.errors import ServiceError
from siaga.core.permissions import role_allows
from siaga.portal.common import client_ip, normalise_code
from siaga.portal.views import page

from . import letters, selectors, slots, submit, workflow
from .common import (
    PATHS,
    by_code,
    by_code_and_secret,
    is_owner,
    kind_label,
    kinds_for,
    secret_ok,
    status_label,
)
from .forms import fields_from_post, form_values, item_rows
from .letters import ITEM_KINDS
from .models import Kind, Scale, Status
from .submit import SKCK_PURPOSES

KIND_OF_PATH = {v: k for k, v in PATHS.items()}
TEMPLATES = dict.fromkeys(Kind.values, "permits/form.html")


DETAIL_LABELS = {
    "lost_on": gettext_lazy("Date of loss"),
    "lost_place": gettext_lazy("Place of loss"),
    "chronology": gettext_lazy("Chronology"),
    "purpose": gettext_lazy("Purpose"),
    "purpose_note": gettext_lazy("Purpose in your own words"),
    "fee_rp": gettext_lazy("Fee"),
    "title": gettext_lazy("Event"),
    "organiser": gettext_lazy("Organiser"),
    "place": gettext_lazy("Place"),
    "route": gettext_lazy("Route"),
    "participants": gettext_lazy("Participants"),
    "description": gettext_lazy("Description"),
    "form": gettext_lazy("Form of the activity"),
    "coordinator": gettext_lazy("Coordinator"),
    "organisation": gettext_lazy("Organisation"),
    "props": gettext_lazy("Props"),
    "indoor": gettext_lazy("Indoors"),
}


def _details(r) -> list[tuple[str, str]]:
    out = []
    for k, v in r.details.items():
        if k == "items" or v in ("", None):
            continue
        if k == "fee_rp":
            v = selectors.rupiah(v)
        elif isinstance(v, bool):
            v = _("yes") if v else _("no")
        out.append((str(DETAIL_LABELS.get(k, k)), str(v)))
    return out


def _offices():
    from siaga.territory.models import Polres, Polsek

    out = []
    for p in Polres.objects.order_by("pk"):
        out.append((f"polres-{p.pk}", p.name))
        out += [(f"polsek-{s.pk}", s.name) for s in Polsek.objects.filter(polres=p).order_by("name")]
    return out


def _slot_days(selected: str = ""):
    days: OrderedDict = OrderedDict()
    for s in slots.open_slots():
        local = timezone.localtime(s.starts_at)
        days.setdefault(local.date(), []).append(
            {
                "id": str(s.pk),
                "time": local.strftime("%H:%M"),
                "end": timezone.localtime(s.ends_at).strftime("%H:%M"),
                "office": s.polsek.name if s.polsek_id else s.polres.name,
                "free": s.free,
                "checked": str(s.pk) == str(selected),
            }
        )
    return list(days.items())


def _form_ctx(kind: str, values: dict | None = None) -> dict:
    values = values or {}
    ctx = {
        "kind": kind,
        "kind_label": kind_label(kind),
        "form": values,
        "key": values.get("key") or uuid.uuid4().hex,
        "offices": _offices(),
        "scales": Scale.choices,
        "config": {
            "labels": {"locating": _("Finding your position…"), "no_position": _("Position not available.")}
        },
    }
    if kind == Kind.SKTLK:
        ctx["item_kinds"] = list(ITEM_KINDS.items())
        ctx["items"] = item_rows(values)
    if kind == Kind.SKCK:
        ctx["slot_days"] = _slot_days(values.get("slot", ""))
        ctx["purposes"] = SKCK_PURPOSES
        ctx["fee"] = selectors.rupiah(slots.SKCK_FEE_RP)
    return ctx


def _error_ctx(e: ServiceError) -> dict:
    return {
        "error": e.message,
        "error_field": e.field or "",
        "reasons": [b.message for b in getattr(e, "breaches", [])],
    }


# --- public pages -----------------------------------------------------------------------------------------


@require_GET
def index(request):
    services = [
        (reverse("permits:form", args=[PATHS[k]]), kind_label(k), d)
        for k, d in (
            (
                Kind.SKTLK,
                _("Lost KTP, ATM card, STNK…? Request the certificate online; SPKT issues it as a PDF."),
            ),
            (Kind.SKCK, _("Book a time at the Polres or Polsek for your SKCK (fee Rp30,000).")),
            (
                Kind.CROWD,
                _("Concerts, festivals, sport and other crowd events: apply 14 working days ahead."),
            ),
            (Kind.DEMO, _("Notify a demonstration 3 x 24 hours ahead and receive the STTP.")),
        )
    ]
    return page(request, "permits/index.html", {"services": services})


@require_http_methods(["GET", "POST"])
def form(request, service: str):
    kind = KIND_OF_PATH.get(service)
    if kind is None:
        from django.http import Http404

        raise Http404
    if request.method == "POST":
        values = fields_from_post(kind, request.POST)
        try:
            s = submit.submit(kind=kind, key=request.POST.get("key"), fields=values, ip=client_ip(request))
        except ServiceError as e:
            ctx = _form_ctx(kind, {**request.POST.dict(), "key": request.POST.get("key", "")})
            return page(request, TEMPLATES[kind], {**ctx, **_error_ctx(e)}, e.status)
        url = reverse("permits:status", args=[s.request.tracking_code])
        return redirect(f"{url}?{urlencode({'s': s.secret, 'baru': 1})}")
    return page(request, TEMPLATES[kind], _form_ctx(kind))


@require_GET
def status_lookup(request):
    code = request.GET.get("kode", "").strip()
    if code:
        return redirect("permits:status", code=normalise_code(code) or "-")
    return redirect("permits:index")


@require_http_methods(["GET", "POST"])
def status(request, code: str):
    client = client_ip(request)
    try:
        r = by_code(code, client=client)
    except ServiceError as e:
        return page(request, "permits/index.html", {"lookup_error": e.message, "code": code}, e.status)
    secret = (request.POST.get("s") or request.GET.get("s") or "").strip()
    # a wrong private code counts as a lookup miss: here for a GET, in the service for a POST's action
    owner = secret_ok(r, secret) if request.method == "POST" else is_owner(r, secret, client)
    ctx: dict = {"new": request.GET.get("baru") == "1"}
    st = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "open":
                if not owner:
                    by_code_and_secret(r.tracking_code, secret, client)  # raises the clear 403
            elif action == "cancel":
                submit.cancel(r.tracking_code, secret, client=client)
            elif action == "fix":
                fields = fields_from_post(r.kind, request.POST)
                submit.resubmit(r.tracking_code, secret, fields, client=client)
            else:
                raise PermissionDenied
            return redirect(f"{reverse('permits:status', args=[r.tracking_code])}?{urlencode({'s': secret})}")
        except ServiceError as e:
            ctx.update(_error_ctx(e))
            st = e.status
            if action == "fix":
                ctx["fix_form"] = {**request.POST.dict()}
        r = by_code(r.tracking_code)
    view = selectors.public_view(r, owner=owner)
    ctx.update(r=view, owner=owner, secret=secret if owner else "")
    if owner and r.status == Status.NEEDS_FIX:
        values = ctx.get("fix_form") or form_values(r)
        ctx.update(_form_ctx(r.kind, values))  # the kind's fields, prefilled
        ctx["fix_template"] = f"permits/_fields_{r.kind}.html"
    ctx["may_cancel"] = owner and (
        r.status in (Status.SUBMITTED, Status.IN_REVIEW, Status.NEEDS_FIX)
        or (r.kind == Kind.SKCK and r.status == Status.APPROVED)
    )
    return page(request, "permits/status.html", ctx, st)


def _pdf_response(r, request) -> HttpResponse:
    body = letters.pdf(r, request.build_absolute_uri("/"))
    resp = HttpResponse(body, content_type="application/pdf")
    name = r.letter_number.replace("/", "-") or r.tracking_code
    resp["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    resp["Cache-Control"] = "private, no-store"
    return resp


@require_GET
def letter(request, code: str):
    """The requester's PDF: tracking code + private code."""
    try:
        r = by_code_and_secret(code, request.GET.get("s", ""), client_ip(request))
        if r.status not in (Status.APPROVED, Status.REVOKED):
            raise ServiceError(_("This request has no letter."), code="no_letter")
        return _pdf_response(r, request)
    except ServiceError as e:
        return page(
            request, "permits/index.html", {"lookup_error": e.message}, e.status if e.status != 400 else 404
        )


@require_GET
def verify(request, code: str):
    try:
        v = letters.verification(code, client=client_ip(request))
    except ServiceError as e:
        return page(request, "permits/verify.html", {"error": e.message, "code": code}, e.status)
    return page(request, "permits/verify.html", {"v": v, "code": normalise_code(code)})


# --- staff back office --------------------------------------------------------------------------------------


def _staff(request, resource: str = "permits.request", action: str = "view") -> None:
    if not role_allows(request.user, resource, action) or not kinds_for(request.user):
        raise PermissionDenied


@login_required
def staff_queue(request):
    _staff(request)
    kinds = [k for k in Kind.values if k in kinds_for(request.user)]
    kind = request.GET.get("jenis", kinds[0] if kinds else "")
    kind = kind if kind in kinds else kinds[0]
    status_ = request.GET.get("status", Status.SUBMITTED)
    status_ = status_ if status_ in Status.values else Status.SUBMITTED
    counts = selectors.queue_counts(request.user)
    kind_tabs = [
        (
            k,
            kind_label(k),
            sum(n for (kk, s), n in counts.items() if kk == k and s in (Status.SUBMITTED, Status.IN_REVIEW)),
        )
        for k in kinds
    ]
    status_tabs = [(s, status_label(kind, s), counts.get((kind, s), 0)) for s in Status.values]
    return render(
        request,
        "permits/staff/queue.html",
        {
            "rows": selectors.staff_queue(request.user, kind, status_),
            "kind": kind,
            "status": status_,
            "kind_tabs": kind_tabs,
            "status_tabs": status_tabs,
            "may_schedule": role_allows(request.user, "permits.slot", "view"),
        },
    )


STAFF_ACTIONS = {
    "review": lambda u, pk, p: workflow.review(u, pk, note=p.get("note", ""), version=p.get("version")),
    "fix": lambda u, pk, p: workflow.ask_fix(u, pk, message=p.get("message", ""), version=p.get("version")),
    "approve": lambda u, pk, p: workflow.approve(
        u, pk, note=p.get("note", ""), signer_name=p.get("signer_name", ""), version=p.get("version")
    ),
    "reject": lambda u, pk, p: workflow.reject(u, pk, reason=p.get("reason", ""), version=p.get("version")),
    "revoke": lambda u, pk, p: workflow.revoke(u, pk, reason=p.get("reason", ""), version=p.get("version")),
}


@login_required
@require_http_methods(["GET", "POST"])
def staff_request(request, pk: int):
    _staff(request)
    ctx: dict = {}
    st = 200
    if request.method == "POST":
        _staff(request, action="change")
        action = STAFF_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            raise PermissionDenied
        try:
            action(request.user, pk, request.POST)
            return redirect("permits:staff_request", pk=pk)
        except ServiceError as e:
            ctx.update(_error_ctx(e))
            st = e.status
    try:
        r = selectors.staff_request(request.user, pk)
    except ServiceError as e:
        return render(request, "portal/staff/error.html", {"error": e.message}, status=e.status)
    ctx.update(
        r=r,
        kind_label=kind_label(r.kind),
        status_label=status_label(r.kind, r.status),
        events=[(e, status_label(r.kind, e.status)) for e in r.events.select_related("author")],
        items=[(ITEM_KINDS.get(i["kind"], i["kind"]), i["identifier"]) for i in r.details.get("items", [])],
        details=_details(r),
        may_change=role_allows(request.user, "permits.request", "change"),
        open=r.status in (Status.SUBMITTED, Status.IN_REVIEW, Status.NEEDS_FIX),
        may_approve=r.status in (Status.SUBMITTED, Status.IN_REVIEW),
        verify_url=letters.verification_path(r.verify_code) if r.verify_code else "",
    )
    return render(request, "permits/staff/request.html", ctx, status=st)


@login_required
def staff_letter(request, pk: int):
    from django.http import Http404

    _staff(request)
    try:
        r = selectors.staff_request(request.user, pk)
    except ServiceError as e:
        raise Http404 from e
    if not r.issued_at:
        raise Http404
    return _pdf_response(r, request)


@login_required
@require_http_methods(["GET", "POST"])
def staff_slots(request):
    if not role_allows(request.user, "permits.slot", "view"):
        raise PermissionDenied
    ctx: dict = {"form": {}}
    st = 200
    if request.method == "POST":
        p = request.POST
        try:
            polres, polsek = slots.service_point(request.user, p.get("polsek") or None)
            made = slots.create_schedule(
                request.user,
                polres=polres,
                polsek=polsek,
                date_from=p.get("date_from"),
                date_to=p.get("date_to"),
                times=p.get("times", ""),
                minutes=p.get("minutes") or 60,
                capacity=p.get("capacity") or 10,
            )
            return redirect(f"{reverse('permits:staff_slots')}?dibuat={len(made)}")
        except ServiceError as e:
            ctx.update(_error_ctx(e), form=p.dict())
            st = e.status
    from siaga.territory.models import Polsek

    rows = list(slots.staff_slots(request.user))
    ctx.update(
        rows=rows,
        made=int(request.GET.get("dibuat", "0")) if request.GET.get("dibuat", "").isdigit() else None,
        may_change=role_allows(request.user, "permits.slot", "change"),
        polseks=Polsek.objects.filter(polres_id=request.user.polres_id).order_by("name")
        if request.user.polres_id
        else [],
        fee=selectors.rupiah(slots.SKCK_FEE_RP),
    )
    return render(request, "permits/staff/slots.html", ctx, status=st)
