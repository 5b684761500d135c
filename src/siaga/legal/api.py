"""JSON API of the legal app, mounted at /api/legal/.

Public (no cookie, no CSRF; the write carries an idempotency key): the library, search, the KUHP
mapping, the FAQ, asking a question and reading it by code. Staff (session): the consultation queue
and its transitions, FAQ entries, full-text imports.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from siaga.core.errors import Forbidden
from siaga.core.permissions import role_allows
from siaga.portal.common import client_ip

from . import consultations, library
from .models import Consultation, FaqEntry, Regulation
from .search import search

router = Router(tags=["legal"])


class Error(Schema):
    detail: str
    code: str


ERRORS = {400: Error, 403: Error, 404: Error, 409: Error, 429: Error}


# --- library --------------------------------------------------------------------------------------


class RegulationOut(Schema):
    slug: str
    kind: str
    number: str
    year: int
    title: str
    short_name: str
    status: str
    citation: str
    summary: str
    full_text: bool
    effective: dt.date | None


def _reg(r: Regulation) -> dict[str, Any]:
    return {
        "slug": r.slug,
        "kind": r.kind,
        "number": r.number,
        "year": r.year,
        "title": r.title,
        "short_name": r.short_name,
        "status": r.status,
        "citation": r.citation,
        "summary": r.summary,
        "full_text": r.full_text,
        "effective": r.effective,
    }


@router.get("/regulations", auth=None, response=list[RegulationOut], summary="The regulation library")
def regulations(request, kind: str = ""):
    qs = Regulation.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return [_reg(r) for r in qs]


def _article(a) -> dict[str, Any]:
    return {
        "number": a.number,
        "bab": a.bab,
        "bab_title": a.bab_title,
        "bagian": a.bagian,
        "bagian_title": a.bagian_title,
        "heading": a.heading,
        "text": a.text,
        "is_summary": a.is_summary,
        "ayat": [{"number": n, "text": t} for n, t in a.ayat()],
    }


@router.get("/regulations/{slug}", auth=None, response={200: dict, **ERRORS}, summary="One regulation")
def regulation(request, slug: str):
    r = library.regulation(slug)
    out = _reg(r)
    out["articles"] = [_article(a) for a in r.articles.all()]
    out["relations"] = [
        {"kind": x.kind, "source": x.source.slug, "target": x.target.slug, "effective": x.effective}
        for x in [
            *r.relations_out.select_related("target", "source"),
            *r.relations_in.select_related("source", "target"),
        ]
    ]
    return out


@router.get(
    "/regulations/{slug}/articles/{number}", auth=None, response={200: dict, **ERRORS}, summary="One article"
)
def article(request, slug: str, number: str):
    a = library.article(slug, number)
    out = _article(a)
    out["regulation"] = _reg(a.regulation)
    out["kuhp_mapping"] = [_mapping(m) for m in library.mappings_for(a)]
    return out


class SearchQuery(Schema):
    q: str = Field("", max_length=400)
    kind: str = ""
    limit: int = Field(20, ge=1, le=100)


@router.get("/search", auth=None, response=list[dict], summary="Full-text search over articles")
def search_articles(request, params: Query[SearchQuery]):
    return [
        {
            "regulation": h.slug,
            "citation": h.citation,
            "number": h.number,
            "heading": h.heading,
            "snippet_html": str(h.snippet),
            "score": h.score,
            "is_summary": h.is_summary,
            "url": h.url,
        }
        for h in search(params.q, params.kind or None, params.limit)
    ]


def _mapping(row: dict[str, Any]) -> dict[str, Any]:
    m = row["map"]
    return {
        "old": m.old_number,
        "new": m.new_number,
        "offence": m.offence,
        "note": m.note,
        "source": m.source,
        "verified": m.verified,
        "old_heading": row["old"].heading if row["old"] else "",
        "new_heading": row["new"].heading if row["new"] else "",
    }


@router.get("/kuhp", auth=None, response={200: list[dict], **ERRORS}, summary="KUHP old ↔ new articles")
def kuhp(request, pasal: str = "", baru: str = ""):
    return [_mapping(r) for r in library.kuhp_lookup(old=pasal or None, new=baru or None)]


@router.get("/faq", auth=None, response=list[dict], summary="Published FAQ")
def faq(request, topic: str = ""):
    qs = FaqEntry.objects.filter(published=True)
    if topic:
        qs = qs.filter(topic=topic)
    return [
        {"id": f.id, "topic": f.topic, "question": f.question, "answer": f.answer, "references": f.references}
        for f in qs
    ]


# --- consultations (public) ---------------------------------------------------------------------


class AskIn(Schema):
    key: str = Field("", description="client idempotency key (16-64 chars); or the Idempotency-Key header")
    topic: str
    question: str
    name: str = ""
    email: str = ""
    device: str = ""


class AskOut(Schema):
    tracking_code: str
    status: str
    url: str


@router.post("/consultations", auth=None, response={201: AskOut, 200: AskOut, **ERRORS}, summary="Ask")
def ask(request, body: AskIn):
    data = body.dict()
    data["key"] = data["key"] or request.headers.get("Idempotency-Key", "")
    existed = Consultation.objects.filter(key=str(data["key"]).strip()).exists()
    c = consultations.ask(**data, ip=client_ip(request))
    return Status(
        200 if existed else 201,
        {
            "tracking_code": c.tracking_code,
            "status": c.status,
            "url": f"/hukum/konsultasi/{c.tracking_code}/",
        },
    )


@router.get("/consultations/{code}", auth=None, response={200: dict, **ERRORS}, summary="Read by code")
def consultation(request, code: str):
    return consultations.public_view(consultations.by_code(code, client=client_ip(request)))


# --- staff -----------------------------------------------------------------------------------------


class StaffConsultation(Schema):
    id: int
    tracking_code: str
    topic: str
    status: str
    question: str
    name: str
    email: str
    answer: str
    assigned_to: str | None
    created_at: dt.datetime
    answered_at: dt.datetime | None
    version: int


def _staff(c: Consultation) -> dict[str, Any]:
    return {
        "id": c.id,
        "tracking_code": c.tracking_code,
        "topic": c.topic,
        "status": c.status,
        "question": c.question,
        "name": c.name,
        "email": c.email,
        "answer": c.answer,
        "assigned_to": c.assigned_to.username if c.assigned_to_id else None,
        "created_at": c.created_at,
        "answered_at": c.answered_at,
        "version": c.version,
    }


@router.get("/staff/consultations", response={200: list[StaffConsultation], **ERRORS}, summary="The queue")
def staff_queue(request, status: str = "new"):
    if not role_allows(request.user, "legal.consultation", "view"):
        raise Forbidden(_("You may not see the consultation queue."))
    return [_staff(c) for c in consultations.queue(request.user, status or None)]


class VersionIn(Schema):
    version: int | None = None


class AnswerIn(Schema):
    text: str
    version: int | None = None


class CloseIn(Schema):
    reason: str = ""
    version: int | None = None


class PublishIn(Schema):
    question: str = ""
    answer: str = ""
    topic: str = ""
    references: str = ""


@router.post("/staff/consultations/{pk}/assign", response={200: StaffConsultation, **ERRORS})
def staff_assign(request, pk: int, body: VersionIn):
    return _staff(consultations.assign(request.user, pk, version=body.version))


@router.post("/staff/consultations/{pk}/answer", response={200: StaffConsultation, **ERRORS})
def staff_answer(request, pk: int, body: AnswerIn):
    return _staff(consultations.answer(request.user, pk, text=body.text, version=body.version))


@router.post("/staff/consultations/{pk}/close", response={200: StaffConsultation, **ERRORS})
def staff_close(request, pk: int, body: CloseIn):
    return _staff(consultations.close(request.user, pk, reason=body.reason, version=body.version))


@router.post("/staff/consultations/{pk}/faq", response={201: dict, **ERRORS}, summary="Publish to the FAQ")
def staff_publish(request, pk: int, body: PublishIn):
    f = consultations.publish_to_faq(request.user, pk, **body.dict())
    return Status(201, {"id": f.id, "question": f.question, "answer": f.answer})


class ImportIn(Schema):
    text: str
    kind: str
    number: str
    year: int
    title: str = ""
    short_name: str = ""


@router.post("/staff/import", response={201: dict, **ERRORS}, summary="Import a regulation's full text")
def staff_import(request, body: ImportIn):
    r = library.import_text(request.user, **body.dict())
    return Status(201, {"slug": r.slug, "articles": r.articles.count()})
