"""The portal's JSON API at /api/portal/ (django-ninja).

Public endpoints (`auth=None`) take no cookie, so they need no CSRF token; every write carries the
client's idempotency key. Staff endpoints use the session like the rest of /api/.
Part B mounts its own routers here (letters, alerts, legal, …) with `router.add_router`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field

from . import reports, selectors, sos, sp2hp, stations
from .common import client_ip
from .forms import report_kwargs
from .models import Report

router = Router(tags=["portal"])


class Error(Schema):
    detail: str
    code: str


ERRORS = {400: Error, 403: Error, 404: Error, 409: Error, 429: Error}


# --- SOS ------------------------------------------------------------------------------------------


class SosIn(Schema):
    key: str = Field(description="client-generated idempotency key (16-64 chars), also the SOS's secret")
    lat: float | None = None
    lon: float | None = None
    accuracy: float | None = None
    phone: str = ""
    device: str = Field("", description="a random id the browser keeps (hashed before storing)")


class SosOut(Schema):
    received: bool = True
    incident_created: bool
    doubtful: bool
    nearest: list[dict[str, Any]]
    emergency_number: str = stations.EMERGENCY_NUMBER


def _sos_out(s) -> dict[str, Any]:
    near = []
    if s.reported_lat is not None:
        near = stations.nearest(s.reported_lat, s.reported_lon, limit=2, kind="polsek") or stations.nearest(
            s.reported_lat, s.reported_lon, limit=2
        )
    return {"incident_created": bool(s.incident_id), "doubtful": s.doubtful, "nearest": near}


@router.post("/sos", auth=None, response={201: SosOut, 200: SosOut, **ERRORS}, summary="Raise an SOS")
def raise_sos(request, body: SosIn):
    s, stored = sos.submit_sos(**body.dict(), ip=client_ip(request))
    return Status(201 if stored else 200, _sos_out(s))


class PingIn(Schema):
    lat: float
    lon: float
    accuracy: float | None = None


@router.post("/sos/{key}/location", auth=None, response={200: dict, **ERRORS}, summary="SOS location update")
def sos_location(request, key: str, body: PingIn):
    _s, accepted = sos.ping(key, body.lat, body.lon, body.accuracy, client=client_ip(request))
    return {"accepted": accepted}


class EscortIn(Schema):
    key: str
    minutes: int
    lat: float | None = None
    lon: float | None = None
    accuracy: float | None = None
    phone: str = ""
    device: str = ""


class EscortOut(Schema):
    status: str
    deadline_at: dt.datetime


@router.post("/escort", auth=None, response={201: EscortOut, **ERRORS}, summary="Start an escort countdown")
def start_escort(request, body: EscortIn):
    return Status(201, sos.start_escort(**body.dict(), ip=client_ip(request)))


@router.post("/escort/{key}/cancel", auth=None, response={200: EscortOut, **ERRORS}, summary="Cancel it")
def cancel_escort(request, key: str):
    return sos.cancel_escort(key, client=client_ip(request))


@router.post("/escort/{key}/fire", auth=None, response={200: EscortOut, **ERRORS}, summary="Time is up")
def fire_escort(request, key: str):
    return sos.fire_escort(key, client=client_ip(request))


@router.post("/escort/{key}/location", auth=None, response={200: EscortOut, **ERRORS}, summary="Position")
def escort_location(request, key: str, body: PingIn):
    return sos.escort_ping(key, body.lat, body.lon, body.accuracy, client=client_ip(request))


# --- stations -------------------------------------------------------------------------------------


class NearQuery(Schema):
    lat: float
    lon: float
    limit: int = Field(5, ge=1, le=50)


@router.get("/stations", auth=None, response=list[dict], summary="Police stations, nearest first")
def station_list(request, q: Query[NearQuery]):
    return stations.nearest(q.lat, q.lon, q.limit)


# --- reports --------------------------------------------------------------------------------------


class ReportCreated(Schema):
    tracking_code: str
    status: str
    track_url: str


@router.post(
    "/reports",
    auth=None,
    response={201: ReportCreated, 200: ReportCreated, **ERRORS},
    summary="File a report (multipart form: fields + up to 3 photos)",
    description="Form fields: key (or the Idempotency-Key header), category, kind, description, lat, lon, "
    "address, rw, rt, use_photo_location, without_identity, reporter_name, reporter_phone, reporter_dob, "
    "device; files: photos (JPEG/PNG/WebP, ≤ 5 MB each, ≤ 3).",
)
def create_report(request):
    kwargs = report_kwargs(request.POST, request.FILES, key=request.headers.get("Idempotency-Key", ""))
    existed = bool(kwargs["key"]) and Report.objects.filter(key=str(kwargs["key"]).strip()).exists()
    r = reports.submit_report(**kwargs, ip=client_ip(request))
    return Status(
        200 if existed else 201,
        {"tracking_code": r.tracking_code, "status": r.status, "track_url": f"/lacak/{r.tracking_code}/"},
    )


class NearbyQuery(Schema):
    lat: float
    lon: float
    category: str


@router.get("/reports/nearby", auth=None, response={200: list[dict], **ERRORS}, summary="Open reports ≤ 50 m")
def nearby(request, q: Query[NearbyQuery]):
    return reports.nearby_open(q.lat, q.lon, q.category)


@router.get("/track/{code}", auth=None, response={200: dict, **ERRORS}, summary="Public status timeline")
def track(request, code: str):
    return reports.public_view(reports.by_code(code, client=client_ip(request)))


class LookupIn(Schema):
    number: str
    name: str
    dob: str


@router.post("/sp2hp/lookup", auth=None, response={200: dict, **ERRORS}, summary="The reporter's SP2HP")
def sp2hp_lookup(request, body: LookupIn):
    return sp2hp.lookup(body.number, body.name, body.dob, client=client_ip(request))


# --- staff ----------------------------------------------------------------------------------------


class StaffReport(Schema):
    id: int
    tracking_code: str
    kind: str
    category: str
    status: str
    created_at: dt.datetime
    kelurahan_code: str
    rw: int | None
    rt: int | None
    polsek_id: int | None
    incident_id: int | None
    severity: str
    version: int


@router.get("/staff/reports", response=list[StaffReport], summary="Reports in the user's scope")
def staff_reports(request, status: str | None = None):
    return list(selectors.report_queue(request.user, status or None))


class AcceptIn(Schema):
    mode: str = "incident"
    severity: str = ""
    note: str = ""
    version: int | None = None


@router.post("/staff/reports/{pk}/accept", response={200: StaffReport, **ERRORS}, summary="Accept")
def staff_accept(request, pk: int, body: AcceptIn):
    return reports.accept(request.user, pk, **body.dict())


class RejectIn(Schema):
    reason: str
    version: int | None = None


@router.post("/staff/reports/{pk}/reject", response={200: StaffReport, **ERRORS}, summary="Reject")
def staff_reject(request, pk: int, body: RejectIn):
    return reports.reject(request.user, pk, **body.dict())


class NoteIn(Schema):
    note: str
    public: bool = True


@router.post("/staff/reports/{pk}/notes", response={201: dict, **ERRORS}, summary="Status note")
def staff_note(request, pk: int, body: NoteIn):
    e = reports.add_note(request.user, pk, **body.dict())
    return Status(201, {"id": e.pk})


class NoticeIn(Schema):
    code: str
    text: str
    severity: str = ""


@router.post("/staff/reports/{pk}/sp2hp", response={201: dict, **ERRORS}, summary="Issue an SP2HP notice")
def staff_sp2hp(request, pk: int, body: NoticeIn):
    n = sp2hp.issue_notice(request.user, pk, **body.dict())
    return Status(201, {"id": n.pk, "seq": n.seq, "code": n.code})


class EraseIn(Schema):
    reason: str


@router.post("/staff/reports/{pk}/erase-identity", response={200: StaffReport, **ERRORS}, summary="Erase")
def staff_erase(request, pk: int, body: EraseIn):
    """UU 27/2022: remove the reporter's name, phone and date of birth on their request."""
    return reports.erase_identity(request.user, pk, reason=body.reason)


@router.get("/staff/sp2hp/due", response=list[dict], summary="SP2HP notices due and overdue")
def staff_due(request):
    return [
        {
            "report_id": d.report.pk,
            "tracking_code": d.report.tracking_code,
            "severity": d.report.severity,
            "deadline": d.deadline,
            "state": d.state,
            "issued": d.issued,
        }
        for d in sp2hp.due_list(request.user)
    ]


@router.get("/staff/sos", response=list[dict], summary="Recent SOS with doubt flags")
def staff_sos(request):
    return selectors.sos_list(request.user)


@router.post("/staff/sos/{pk}/prank", response={200: dict, **ERRORS}, summary="Mark an SOS as a prank")
def staff_prank(request, pk: int, prank: bool = True):
    s = sos.mark_prank(request.user, pk, prank)
    return {"id": s.pk, "prank": s.prank}
