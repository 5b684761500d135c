"""Pages of the legal service (thin): the public library with search, regulation and article pages, the
KUHP mapping lookup, the FAQ, asking a question and reading its answer; the Si Kum queue for staff."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from siaga.core.errors import ServiceError
from siaga.core.permissions import role_allows
from siaga.portal.common import client_ip, normalise_code
from siaga.portal.views import page

from . import consultations, library
from .models import ConsultationStatus, FaqEntry, Kind, KuhpMapping, Regulation, Topic
from .search import search, tokens


@require_GET
def index(request):
    q = request.GET.get("q", "")[:400]
    kind = request.GET.get("jenis", "")
    if kind not in Kind.values:
        kind = ""
    hits = search(q, kind or None, 30) if q else []
    regs = Regulation.objects.all()
    groups: dict[str, list] = {}
    for r in regs:
        groups.setdefault(r.kind, []).append(r)
    return page(
        request,
        "legal/index.html",
        {
            "q": q,
            "kind": kind,
            "kinds": Kind.choices,
            "hits": hits,
            "searched": bool(q),
            "empty_query": bool(q) and not tokens(q),
            "groups": [(k, label, groups[k]) for k, label in Kind.choices if k in groups],
        },
    )


@require_GET
def regulation(request, slug: str):
    try:
        reg = library.regulation(slug)
    except ServiceError as e:
        return page(request, "legal/not_found.html", {"error": e.message}, e.status)
    relations = list(reg.relations_out.select_related("target")) + list(
        reg.relations_in.select_related("source")
    )
    return page(
        request,
        "legal/regulation.html",
        {"reg": reg, "groups": library.structure(reg), "relations": relations},
    )


@require_GET
def article(request, slug: str, number: str):
    try:
        a = library.article(slug, number)
    except ServiceError as e:
        return page(request, "legal/not_found.html", {"error": e.message}, e.status)
    siblings = list(a.regulation.articles.values_list("number", flat=True))
    i = siblings.index(a.number)
    return page(
        request,
        "legal/article.html",
        {
            "a": a,
            "reg": a.regulation,
            "ayat": a.ayat(),
            "mappings": library.mappings_for(a),
            "is_old_kuhp": (a.regulation.kind, a.regulation.number, a.regulation.year) == library.OLD_KUHP,
            "prev": siblings[i - 1] if i > 0 else None,
            "next": siblings[i + 1] if i + 1 < len(siblings) else None,
        },
    )


@require_GET
def kuhp(request):
    pasal = request.GET.get("pasal", "").strip()
    ctx: dict = {"pasal": pasal, "all": KuhpMapping.objects.all()}
    status = 200
    if pasal:
        try:
            ctx["rows"] = library.kuhp_lookup(old=pasal)
            ctx["looked_up"] = library.normalise_pasal(pasal)
        except ServiceError as e:
            ctx["error"], status = e.message, e.status
    old = Regulation.objects.filter(kind=library.OLD_KUHP[0], number=library.OLD_KUHP[1]).first()
    new = Regulation.objects.filter(kind=library.NEW_KUHP[0], number=library.NEW_KUHP[1], year=2023).first()
    ctx.update(old_slug=old.slug if old else "", new_slug=new.slug if new else "")
    return page(request, "legal/kuhp.html", ctx, status)


@require_GET
def faq(request):
    topic = request.GET.get("topik", "")
    qs = FaqEntry.objects.filter(published=True)
    if topic in Topic.values:
        qs = qs.filter(topic=topic)
    else:
        topic = ""
    groups: dict[str, list] = {}
    for f in qs:
        groups.setdefault(f.topic, []).append(f)
    return page(
        request,
        "legal/faq.html",
        {
            "topic": topic,
            "topics": Topic.choices,
            "groups": [(t, label, groups[t]) for t, label in Topic.choices if t in groups],
        },
    )


@require_http_methods(["GET", "POST"])
def consult(request):
    ctx: dict = {"topics": Topic.choices, "key": uuid.uuid4().hex}
    if request.method == "POST":
        p = request.POST
        try:
            c = consultations.ask(
                key=p.get("key"),
                topic=p.get("topic", ""),
                question=p.get("question", ""),
                name=p.get("name", ""),
                email=p.get("email", ""),
                device=p.get("device", ""),
                ip=client_ip(request),
            )
        except ServiceError as e:
            ctx.update(error=e.message, error_field=e.field, form=p, key=p.get("key") or ctx["key"])
            return page(request, "legal/consult.html", ctx, e.status)
        return redirect(reverse("legal:consultation", args=[c.tracking_code]) + "?baru=1")
    code = request.GET.get("kode", "").strip()
    if code:
        return redirect("legal:consultation", code=normalise_code(code) or "-")
    return page(request, "legal/consult.html", ctx)


@require_GET
def consultation(request, code: str):
    try:
        c = consultations.by_code(code, client=client_ip(request))
    except ServiceError as e:
        ctx = {"topics": Topic.choices, "key": uuid.uuid4().hex, "lookup_error": e.message, "code": code}
        return page(request, "legal/consult.html", ctx, e.status)
    return page(
        request,
        "legal/consultation.html",
        {"c": consultations.public_view(c), "new": request.GET.get("baru") == "1"},
    )


# --- Si Kum ------------------------------------------------------------------------------------------


def _staff(request) -> None:
    if not role_allows(request.user, "legal.consultation", "view"):
        raise PermissionDenied


@login_required
def staff_queue(request):
    _staff(request)
    status = request.GET.get("status", ConsultationStatus.NEW)
    if status not in ConsultationStatus.values:
        status = ConsultationStatus.NEW
    n = consultations.counts(request.user)
    return render(
        request,
        "legal/staff/queue.html",
        {
            "rows": consultations.queue(request.user, status),
            "status": status,
            "tabs": [(v, label, n.get(v, 0)) for v, label in ConsultationStatus.choices],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_consultation(request, pk: int):
    _staff(request)
    error, status = None, 200
    if request.method == "POST":
        p, action = request.POST, request.POST.get("action", "")
        try:
            if action == "assign":
                consultations.assign(request.user, pk, version=p.get("version"))
            elif action == "answer":
                consultations.answer(request.user, pk, text=p.get("answer", ""), version=p.get("version"))
            elif action == "close":
                consultations.close(request.user, pk, reason=p.get("reason", ""), version=p.get("version"))
            elif action == "faq":
                consultations.publish_to_faq(
                    request.user,
                    pk,
                    question=p.get("faq_question", ""),
                    answer=p.get("faq_answer", ""),
                    references=p.get("references", ""),
                )
            else:
                raise PermissionDenied
            return redirect("legal:staff_consultation", pk=pk)
        except ServiceError as e:
            error, status = e.message, e.status
    try:
        c = consultations.for_staff(request.user, pk)
    except ServiceError as e:
        return render(request, "legal/staff/error.html", {"error": e.message}, status=e.status)
    faq_entry = FaqEntry.objects.filter(consultation=c).first()
    return render(
        request,
        "legal/staff/consultation.html",
        {
            "c": c,
            "faq": faq_entry,
            "draft_q": consultations.redact(c.question, c.name),
            "draft_a": consultations.redact(c.answer, c.name),
            "may_change": role_allows(request.user, "legal.consultation", "change"),
            "error": error or "",
            "title": _("Consultation %(code)s") % {"code": c.tracking_code},
        },
        status=status,
    )
