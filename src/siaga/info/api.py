"""JSON API of the info app, mounted at /api/info/. Public reads (`auth=None`, published records only);
staff writes through the services (session, POLICY "info.bulletin" / "info.alert")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema, Status

from siaga.core.errors import NotFound

from . import alerts as alert_svc
from . import bulletins as bulletin_svc
from . import selectors, stats

router = Router(tags=["info"])


class Error(Schema):
    detail: str
    code: str


ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}


class BulletinOut(Schema):
    id: int
    slug: str
    kind: str
    category: str
    title: str
    summary: str
    body: str
    area_codes: list[str]
    status: str
    published_at: dt.datetime | None
    version: int


class AlertOut(Schema):
    id: int
    slug: str
    identifier: str
    sender: str
    sent: dt.datetime | None
    status: str
    msg_type: str
    state: str
    references: str
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    effective: dt.datetime | None
    onset: dt.datetime | None
    expires: dt.datetime | None
    area_desc: str
    area_codes: list[str]
    polygons: list[Any]
    circles: list[Any]
    external: bool
    version: int
    cap_url: str = ""


def _alert(a) -> dict:
    out = {k: getattr(a, k) for k in AlertOut.model_fields if k not in ("id", "cap_url")}
    out["id"] = a.pk
    out["cap_url"] = f"/alerts/{a.slug}.cap.xml" if a.sent else ""
    return out


# --- public -----------------------------------------------------------------------------------------


@router.get("/bulletins", auth=None, response=list[BulletinOut], summary="Published bulletins and tips")
def public_bulletins(request, category: str = "", area: str = "", kind: str = ""):
    return bulletin_svc.public_list(category=category, area=area, kind=kind)


@router.get("/bulletins/{slug}", auth=None, response={200: BulletinOut, **ERRORS}, summary="One bulletin")
def public_bulletin(request, slug: str):
    return bulletin_svc.public_get(slug)


@router.get("/alerts", auth=None, response=list[AlertOut], summary="Alerts in force")
def public_alerts(request):
    return [_alert(a) for a in alert_svc.active()]


@router.get("/stats", auth=None, response=dict, summary="Public statistics (small counts suppressed)")
def public_stats(request):
    from siaga.territory.models import Polres

    p = Polres.objects.order_by("pk").first()
    if p is None:
        raise NotFound("no Polres")
    return stats.published(p)


# --- staff ------------------------------------------------------------------------------------------


class BulletinIn(Schema):
    title: str
    body: str
    category: str
    kind: str = "bulletin"
    summary: str = ""
    area_codes: list[str] = []
    publish_now: bool = False


class BulletinEdit(Schema):
    version: int | None = None
    title: str | None = None
    body: str | None = None
    category: str | None = None
    kind: str | None = None
    summary: str | None = None
    area_codes: list[str] | None = None


class VersionIn(Schema):
    version: int | None = None


@router.get("/staff/bulletins", response=list[BulletinOut], summary="Bulletins (staff)")
def staff_bulletins(request, status: str = ""):
    return list(selectors.bulletins(request.user, status))


@router.post("/staff/bulletins", response={201: BulletinOut, **ERRORS}, summary="Write a bulletin")
def staff_create_bulletin(request, body: BulletinIn):
    return Status(201, bulletin_svc.create_bulletin(request.user, **body.dict()))


@router.patch("/staff/bulletins/{pk}", response={200: BulletinOut, **ERRORS}, summary="Edit a bulletin")
def staff_edit_bulletin(request, pk: int, body: BulletinEdit):
    data = body.dict(exclude_none=True)
    version = data.pop("version", None)
    return bulletin_svc.edit_bulletin(request.user, pk, version=version, **data)


@router.post("/staff/bulletins/{pk}/publish", response={200: BulletinOut, **ERRORS}, summary="Publish")
def staff_publish_bulletin(request, pk: int, body: VersionIn):
    return bulletin_svc.publish_bulletin(request.user, pk, version=body.version)


@router.post("/staff/bulletins/{pk}/archive", response={200: BulletinOut, **ERRORS}, summary="Archive")
def staff_archive_bulletin(request, pk: int, body: VersionIn):
    return bulletin_svc.archive_bulletin(request.user, pk, version=body.version)


class AlertIn(Schema):
    status: str = "Actual"
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str = ""
    instruction: str = ""
    sender_name: str = ""
    contact: str = ""
    event_en: str = ""
    headline_en: str = ""
    description_en: str = ""
    instruction_en: str = ""
    effective: dt.datetime | None = None
    onset: dt.datetime | None = None
    expires: dt.datetime
    area_desc: str = ""
    area_codes: list[str] = []
    polygons: list[list[list[float]]] = []
    circles: list[list[float]] = []
    note: str = ""


class AlertChange(Schema):
    version: int | None = None
    categories: list[str] | None = None
    event: str | None = None
    urgency: str | None = None
    severity: str | None = None
    certainty: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    expires: dt.datetime | None = None
    onset: dt.datetime | None = None
    area_desc: str | None = None
    area_codes: list[str] | None = None
    polygons: list[list[list[float]]] | None = None
    circles: list[list[float]] | None = None
    note: str | None = None


class CancelIn(Schema):
    reason: str
    version: int | None = None


@router.get("/staff/alerts", response=list[AlertOut], summary="Alerts (staff)")
def staff_alerts(request, state: str = ""):
    return [_alert(a) for a in selectors.alerts(request.user, state)]


@router.post("/staff/alerts", response={201: AlertOut, **ERRORS}, summary="Draft an alert")
def staff_create_alert(request, body: AlertIn):
    return Status(201, _alert(alert_svc.create_alert(request.user, **body.dict())))


@router.patch("/staff/alerts/{int:pk}", response={200: AlertOut, **ERRORS}, summary="Edit a draft")
def staff_edit_alert(request, pk: int, body: AlertChange):
    data = body.dict(exclude_none=True)
    version = data.pop("version", None)
    return _alert(alert_svc.edit_alert(request.user, pk, version=version, **data))


@router.post("/staff/alerts/{pk}/publish", response={200: AlertOut, **ERRORS}, summary="Publish a draft")
def staff_publish_alert(request, pk: int, body: VersionIn):
    return _alert(alert_svc.publish_alert(request.user, pk, version=body.version))


@router.post("/staff/alerts/{pk}/update", response={201: AlertOut, **ERRORS}, summary="Send an Update")
def staff_update_alert(request, pk: int, body: AlertChange):
    data = body.dict(exclude_none=True)
    version = data.pop("version", None)
    return Status(201, _alert(alert_svc.update_alert(request.user, pk, version=version, **data)))


@router.post("/staff/alerts/{pk}/cancel", response={201: AlertOut, **ERRORS}, summary="Send a Cancel")
def staff_cancel_alert(request, pk: int, body: CancelIn):
    return Status(
        201, _alert(alert_svc.cancel_alert(request.user, pk, reason=body.reason, version=body.version))
    )


@router.post(
    "/staff/alerts/import",
    response={201: AlertOut, 200: AlertOut, **ERRORS},
    summary="Import a CAP 1.2 document (request body: the XML)",
)
def staff_import_alert(request):
    a, created = alert_svc.import_cap(request.body, source="api", actor=request.user)
    return Status(201 if created else 200, _alert(a))
