"""JSON API of the permits app, mounted at /api/permits/.

Public endpoints (`auth=None`): create a request (idempotency key in the body or the Idempotency-Key
header), its status by tracking code, the requester's correction and cancellation (tracking code + private
code), open SKCK slots, and letter verification. Staff endpoints use the session like the rest of /api/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Router, Schema, Status
from pydantic import Field

from siaga.portal.common import client_ip

from . import selectors, slots, submit, workflow
from .common import by_code, by_code_and_secret
from .letters import verification
from .models import Request

router = Router(tags=["permits"])


class Error(Schema):
    detail: str
    code: str


class Refusal(Error):
    reasons: list[dict[str, str]] = []


ERRORS = {400: Refusal, 403: Error, 404: Error, 409: Error, 429: Error}


class RequestIn(Schema):
    kind: Literal["sktlk", "skck", "keramaian", "unjuk_rasa"]
    key: str = Field(
        "", description="client-generated idempotency key (16-64 chars); or the Idempotency-Key header"
    )
    fields: dict[str, Any] = Field(
        description="name, nik, email, phone and the kind's fields (see docs/permits.md); "
        "SKTLK: office, items [{kind, identifier}], lost_on, lost_place, chronology; "
        "SKCK: slot, dob, purpose, purpose_note; keramaian: title, organiser, place, lat, lon, starts_at, "
        "ends_at, scale, participants, political, description; unjuk_rasa: purpose, place, route, lat, lon, "
        "starts_at, ends_at, form, coordinator, organisation, props, participants, indoor, scale"
    )


class Created(Schema):
    tracking_code: str
    secret: str = Field(description="the requester's private code: needed to correct, cancel or download")
    status: str
    status_url: str


def _refusal(e: submit.Refused) -> dict[str, Any]:
    return {
        "detail": e.message,
        "code": e.code,
        "reasons": [{"rule": b.rule, "message": b.message, "field": b.field} for b in e.breaches],
    }


@router.post(
    "/requests", auth=None, response={201: Created, 200: Created, **ERRORS}, summary="Submit a request"
)
def create(request, body: RequestIn):
    key = body.key or request.headers.get("Idempotency-Key", "")
    try:
        s = submit.submit(kind=body.kind, key=key, fields=body.fields, ip=client_ip(request))
    except submit.Refused as e:
        return Status(400, _refusal(e))
    r = s.request
    return Status(
        201 if s.created else 200,
        {
            "tracking_code": r.tracking_code,
            "secret": s.secret,
            "status": r.status,
            "status_url": f"/layanan/status/{r.tracking_code}/",
        },
    )


@router.get("/status/{code}", auth=None, response={200: dict, **ERRORS}, summary="Public status by code")
def status(request, code: str):
    return selectors.public_view(by_code(code, client=client_ip(request)))


class OwnerIn(Schema):
    secret: str


class FixIn(OwnerIn):
    fields: dict[str, Any]


@router.post(
    "/requests/{code}/resubmit", auth=None, response={200: dict, **ERRORS}, summary="Send a correction"
)
def resubmit(request, code: str, body: FixIn):
    try:
        r = submit.resubmit(code, body.secret, body.fields, client=client_ip(request))
    except submit.Refused as e:
        return Status(400, _refusal(e))
    return selectors.public_view(r, owner=True)


@router.post(
    "/requests/{code}/cancel", auth=None, response={200: dict, **ERRORS}, summary="Cancel (frees a slot)"
)
def cancel(request, code: str, body: OwnerIn):
    return selectors.public_view(submit.cancel(code, body.secret, client=client_ip(request)), owner=True)


@router.post("/requests/{code}/mine", auth=None, response={200: dict, **ERRORS}, summary="The owner's view")
def mine(request, code: str, body: OwnerIn):
    return selectors.public_view(by_code_and_secret(code, body.secret, client_ip(request)), owner=True)


class SlotOut(Schema):
    id: int
    polres_id: int
    polsek_id: int | None
    office: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    free: int


def _slot(s) -> dict[str, Any]:
    return {
        "id": s.pk,
        "polres_id": s.polres_id,
        "polsek_id": s.polsek_id,
        "office": s.polsek.name if s.polsek_id else s.polres.name,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "capacity": s.capacity,
        "free": s.free,
    }


@router.get("/slots", auth=None, response=list[SlotOut], summary="Open SKCK appointment slots")
def open_slots(request):
    return [_slot(s) for s in slots.open_slots()]


@router.get("/verify/{code}", auth=None, response={200: dict, **ERRORS}, summary="Verify a letter")
def verify(request, code: str):
    return verification(code, client=client_ip(request))


# --- staff -----------------------------------------------------------------------------------------------


@router.get("/staff/requests", response=list[dict], summary="Requests in the user's scope and unit")
def staff_requests(request, kind: str | None = None, status: str | None = None):
    return [selectors.staff_row(r) for r in selectors.staff_queue(request.user, kind or None, status or None)]


@router.get("/staff/requests/{pk}", response={200: dict, **ERRORS}, summary="One request")
def staff_request(request, pk: int):
    r = selectors.staff_request(request.user, pk)
    return {**selectors.staff_row(r), "nik": r.nik, "email": r.email, "phone": r.phone, "details": r.details}


class ActIn(Schema):
    note: str = ""
    message: str = ""
    reason: str = ""
    signer_name: str = ""
    version: int | None = None


ACTIONS = {
    "review": lambda u, pk, b: workflow.review(u, pk, note=b.note, version=b.version),
    "fix": lambda u, pk, b: workflow.ask_fix(u, pk, message=b.message, version=b.version),
    "approve": lambda u, pk, b: workflow.approve(
        u, pk, note=b.note, signer_name=b.signer_name, version=b.version
    ),
    "reject": lambda u, pk, b: workflow.reject(u, pk, reason=b.reason, version=b.version),
    "revoke": lambda u, pk, b: workflow.revoke(u, pk, reason=b.reason, version=b.version),
}


@router.post("/staff/requests/{pk}/{action}", response={200: dict, **ERRORS}, summary="A workflow step")
def staff_act(request, pk: int, action: Literal["review", "fix", "approve", "reject", "revoke"], body: ActIn):
    try:
        r: Request = ACTIONS[action](request.user, pk, body)
    except submit.Refused as e:
        return Status(400, _refusal(e))
    return selectors.staff_row(r)


@router.get("/staff/slots", response=list[SlotOut], summary="SKCK slots in the user's scope")
def staff_slots(request):
    return [_slot(s) for s in slots.staff_slots(request.user)]


class ScheduleIn(Schema):
    polsek_id: int | None = None
    date_from: dt.date
    date_to: dt.date
    times: list[str]
    minutes: int = 60
    capacity: int = 10


@router.post("/staff/slots", response={201: list[SlotOut], **ERRORS}, summary="Publish a schedule of slots")
def staff_schedule(request, body: ScheduleIn):
    polres, polsek = slots.service_point(request.user, body.polsek_id)
    made = slots.create_schedule(
        request.user,
        polres=polres,
        polsek=polsek,
        date_from=body.date_from,
        date_to=body.date_to,
        times=body.times,
        minutes=body.minutes,
        capacity=body.capacity,
    )
    return Status(201, [_slot(s) for s in made])
