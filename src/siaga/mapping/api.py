"""JSON API of the mapping app, mounted at /api/mapping/ (staff, session authentication).

Reads go through the read gate (a user sees the records of his area); writes through the services,
which raise 4xx on bad input and store nothing. Informant identities are read one at a time through
`/informants/{id}/identity`, which is audited; lists carry code names only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from siaga.core.errors import Forbidden
from siaga.core.permissions import role_allows

from . import informants, partners, potentials, problems, visits
from .models import Broadcast, Informant, Partner, Potential, Problem, Visit

router = Router(tags=["mapping"])


class Error(Schema):
    detail: str
    code: str


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def _gate(request, resource: str) -> None:
    if not role_allows(request.user, resource, "view"):
        raise Forbidden(_("You may not see this register."))


def _place(o) -> dict[str, Any]:
    return {
        "polres": o.polres_id,
        "polsek": o.polsek_id,
        "kelurahan_code": o.kelurahan_code,
        "rt_key": getattr(o, "rt_key", ""),
        "lat": getattr(o, "lat", None),
        "lon": getattr(o, "lon", None),
    }


def _problem(p: Problem) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "kind": p.kind,
        "description": p.description,
        "parties": p.parties,
        "source": p.source,
        "level": p.level,
        "status": p.status,
        "visit": p.visit_id,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "version": p.version,
        **_place(p),
    }


# --- problems -----------------------------------------------------------------------------------------


class PlaceIn(Schema):
    rt_key: str = ""
    kelurahan_code: str = ""
    lat: float | None = None
    lon: float | None = None


class ProblemIn(PlaceIn):
    title: str
    kind: str
    source: str
    level: str = "PG"
    description: str = ""
    parties: list[str] = []
    note: str = ""


class ProblemChangeIn(Schema):
    level: str | None = None
    status: str | None = None
    parties: list[str] | None = None
    note: str = ""
    version: int | None = None


@router.get("/problems", response={200: list[dict], **ERRORS}, summary="The problem register")
def problem_list(request, status: str = "", level: str = "", kelurahan_code: str = ""):
    _gate(request, problems.RESOURCE)
    qs = problems.register(request.user, status=status, level=level, kelurahan_code=kelurahan_code)
    return [_problem(p) for p in qs[:1000]]


@router.post("/problems", response={201: dict, **ERRORS}, summary="Register a problem")
def problem_create(request, body: ProblemIn):
    return Status(201, _problem(problems.create(request.user, **body.dict())))


@router.get("/problems/{pk}", response={200: dict, **ERRORS}, summary="A problem and its history")
def problem_detail(request, pk: int):
    p, changes = problems.history(request.user, pk)
    history = [
        {
            "at": c.at,
            "by": c.by.username if c.by_id else None,
            "field": c.field,
            "old": c.old,
            "new": c.new,
            "note": c.note,
        }
        for c in changes
    ]
    return {**_problem(p), "history": history}


@router.post("/problems/{pk}/change", response={200: dict, **ERRORS}, summary="Change level, status, parties")
def problem_change(request, pk: int, body: ProblemChangeIn):
    return _problem(problems.update(request.user, pk, **body.dict()))


# --- visits -------------------------------------------------------------------------------------------


class NewProblemIn(PlaceIn):
    title: str
    kind: str
    level: str = "PG"
    description: str = ""
    parties: list[str] = []


class VisitIn(Schema):
    date: dt.date
    place: str
    kelurahan_code: str = ""
    people_met: list[str] = []
    topics: list[str] = []
    notes: str = ""
    new_problems: list[NewProblemIn] = []
    link_problems: list[int] = []


def _visit(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "date": v.date,
        "officer": v.officer.username if v.officer_id else None,
        "place": v.place,
        "people_met": v.people_met,
        "topics": v.topics,
        "notes": v.notes,
        "problems": sorted(p.pk for p in v.problems.all()),
        **_place(v),
    }


@router.get("/visits", response={200: list[dict], **ERRORS}, summary="The sambang log")
def visit_list(request, kelurahan_code: str = ""):
    _gate(request, visits.RESOURCE)
    return [_visit(v) for v in visits.register(request.user, kelurahan_code=kelurahan_code)[:1000]]


@router.post("/visits", response={201: dict, **ERRORS}, summary="Log a visit")
def visit_create(request, body: VisitIn):
    data = body.dict()
    data["new_problems"] = [
        {k: v for k, v in spec.items() if v not in (None, "", [])} for spec in data["new_problems"]
    ]
    return Status(201, _visit(visits.log(request.user, **data)))


# --- potentials ---------------------------------------------------------------------------------------


class PotentialIn(PlaceIn):
    kind: str
    category: str
    name: str
    description: str = ""
    contact_phone: str = ""
    contact_email: str = ""


def _potential(p: Potential) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "category": p.category,
        "name": p.name,
        "description": p.description,
        "contact_phone": p.contact_phone,
        "contact_email": p.contact_email,
        **_place(p),
    }


@router.get("/potentials", response={200: list[dict], **ERRORS}, summary="The potentials register")
def potential_list(request, kind: str = "", kelurahan_code: str = ""):
    _gate(request, potentials.RESOURCE)
    qs = potentials.register(request.user, kind=kind, kelurahan_code=kelurahan_code)
    return [_potential(p) for p in qs[:1000]]


@router.post("/potentials", response={201: dict, **ERRORS}, summary="Register a potential")
def potential_create(request, body: PotentialIn):
    return Status(201, _potential(potentials.create(request.user, **body.dict())))


# --- partners -----------------------------------------------------------------------------------------


class PartnerIn(PlaceIn):
    kind: str
    name: str
    organisation: str = ""
    phone: str = ""
    email: str = ""


class BroadcastIn(Schema):
    subject: str
    body: str
    partner_ids: list[int]


def _partner(p: Partner) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "name": p.name,
        "organisation": p.organisation,
        "phone": p.phone,
        "email": p.email,
        "active": p.active,
        **_place(p),
    }


def _broadcast(b: Broadcast) -> dict[str, Any]:
    return {
        "id": b.pk,
        "subject": b.subject,
        "body": b.body,
        "sent_at": b.sent_at,
        "recipients": sorted(p.pk for p in b.recipients.all()),
        "reached": b.reached,
    }


@router.get("/partners", response={200: list[dict], **ERRORS}, summary="The partner registry")
def partner_list(request, kind: str = "", kelurahan_code: str = ""):
    _gate(request, partners.RESOURCE)
    qs = partners.register(request.user, kind=kind, kelurahan_code=kelurahan_code)
    return [_partner(p) for p in qs[:1000]]


@router.post("/partners", response={201: dict, **ERRORS}, summary="Register a partner")
def partner_create(request, body: PartnerIn):
    data = body.dict()
    data["phone_number"], data["email_address"] = data.pop("phone"), data.pop("email")
    return Status(201, _partner(partners.create(request.user, **data)))


@router.get("/broadcasts", response={200: list[dict], **ERRORS}, summary="Broadcasts sent")
def broadcast_list(request):
    _gate(request, partners.RESOURCE)
    return [_broadcast(b) for b in partners.broadcasts(request.user)[:200]]


@router.post("/broadcasts", response={201: dict, **ERRORS}, summary="Send a message to partners")
def broadcast_send(request, body: BroadcastIn):
    return Status(201, _broadcast(partners.broadcast(request.user, **body.dict())))


# --- informants ---------------------------------------------------------------------------------------


class InformantIn(Schema):
    code_name: str
    name: str
    nik: str = ""
    phone: str = ""
    address: str = ""
    handler_notes: str = ""
    kelurahan_code: str = ""


def _informant(i: Informant) -> dict[str, Any]:
    return {"id": i.pk, "code_name": i.code_name, "kelurahan_code": i.kelurahan_code, "active": i.active}


@router.get("/informants", response={200: list[dict], **ERRORS}, summary="Informants (code names only)")
def informant_list(request):
    _gate(request, informants.RESOURCE)
    return [_informant(i) for i in informants.register(request.user)]


@router.post("/informants", response={201: dict, **ERRORS}, summary="Register an informant")
def informant_create(request, body: InformantIn):
    data = body.dict()
    data["phone_number"] = data.pop("phone")
    return Status(201, _informant(informants.create(request.user, **data)))


@router.get("/informants/{pk}/identity", response={200: dict, **ERRORS}, summary="Reveal (audited)")
def informant_identity(request, pk: int, purpose: str = ""):
    return informants.reveal(request.user, pk, purpose=purpose)


router.add_router("", "siaga.mapping.profile_api.router")  # integrated profiles and case files
