"""JSON API of integrated profiles and case files, mounted under /api/mapping/ (session authentication).

GET /profiles/area/{level}/{key}, GET /profiles/groups/{group}; case files under /casefiles. Reads go
through the read gate, writes through siaga.mapping.casefiles (4xx on bad input, nothing stored)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from siaga.core.errors import Forbidden
from siaga.core.permissions import role_allows

from . import casefiles, profiles
from .models import CaseFile

router = Router(tags=["profiles"])


class Error(Schema):
    detail: str
    code: str


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


@router.get("/profiles/area/{level}/{path:key}", response={200: dict, **ERRORS}, summary="An area profile")
def area_profile(request, level: str, key: str):
    return profiles.area_profile(request.user, level, key)


@router.get("/profiles/groups/{group}", response={200: dict, **ERRORS}, summary="An interest-group profile")
def group_profile(request, group: str):
    return profiles.group_profile(request.user, group)


def impact_json(imp: casefiles.Impact) -> dict[str, Any]:
    t = imp.test
    return {
        "status": imp.status,
        "weeks": imp.weeks,
        "categories": imp.categories,
        "response_started_at": imp.start,
        "before_from": imp.before_from,
        "after_to": imp.after_to,
        "before": imp.before,
        "after": imp.after,
        "before_days": imp.before_days,
        "after_days": imp.after_days,
        "rate_ratio": casefiles.finite(t.rate_ratio) if t else None,
        "ci95": [casefiles.finite(t.ci_low), casefiles.finite(t.ci_high)] if t else None,
        "p_value": round(t.p_value, 4) if t else None,
        "change_pct": imp.change_pct,
    }


def casefile_json(cf: CaseFile) -> dict[str, Any]:
    return {
        "id": cf.pk,
        "title": cf.title,
        "area_level": cf.area_level,
        "area_key": cf.area_key,
        "area_name": cf.area_name,
        "stage": cf.stage,
        "scanning": cf.scanning,
        "analysis": cf.analysis,
        "response": cf.response,
        "assessment": cf.assessment,
        "categories": cf.categories,
        "impact_weeks": cf.impact_weeks,
        "response_started_at": cf.response_started_at,
        "owner": cf.owner.username if cf.owner_id else None,
        "polres": cf.polres_id,
        "polsek": cf.polsek_id,
        "kelurahan_code": cf.kelurahan_code,
        "rt_key": cf.rt_key,
        "created_at": cf.created_at,
        "updated_at": cf.updated_at,
        "version": cf.version,
    }


class CaseFileIn(Schema):
    title: str
    area_level: str
    area_key: str
    scanning: str = ""
    categories: list[str] = []
    problem_ids: list[int] = []
    incident_ids: list[int] = []
    impact_weeks: int = 8
    owner: int | None = None


class CaseFileChangeIn(Schema):
    version: int | None = None
    title: str | None = None
    scanning: str | None = None
    analysis: str | None = None
    response: str | None = None
    assessment: str | None = None
    categories: list[str] | None = None
    problem_ids: list[int] | None = None
    incident_ids: list[int] | None = None
    impact_weeks: int | None = None
    owner: int | None = None


class StageIn(Schema):
    stage: str
    note: str = ""
    version: int | None = None


@router.get("/casefiles", response={200: list[dict], **ERRORS}, summary="Case files (SARA)")
def casefile_list(request, stage: str = "", kelurahan_code: str = ""):
    if not role_allows(request.user, casefiles.RESOURCE, "view"):
        raise Forbidden(_("You may not see this register."))
    qs = casefiles.register(request.user, stage=stage, kelurahan_code=kelurahan_code)
    return [casefile_json(c) for c in qs[:1000]]


@router.post("/casefiles", response={201: dict, **ERRORS}, summary="Open a case file")
def casefile_create(request, body: CaseFileIn):
    return Status(201, casefile_json(casefiles.create(request.user, **body.dict())))


@router.get("/casefiles/{pk}", response={200: dict, **ERRORS}, summary="A case file, its history and impact")
def casefile_detail(request, pk: int):
    cf, history, probs, incs = casefiles.detail(request.user, pk)
    return {
        **casefile_json(cf),
        "problems": [p.pk for p in probs],
        "incidents": [i.pk for i in incs],
        "history": [
            {"at": h.at, "by": h.by.username if h.by_id else None, "old": h.old, "new": h.new, "note": h.note}
            for h in history
        ],
        "impact": impact_json(casefiles.impact(request.user, cf)),
    }


@router.post("/casefiles/{pk}/change", response={200: dict, **ERRORS}, summary="Change a case file")
def casefile_change(request, pk: int, body: CaseFileChangeIn):
    return casefile_json(casefiles.update(request.user, pk, **body.dict()))


@router.post("/casefiles/{pk}/stage", response={200: dict, **ERRORS}, summary="Move to another SARA stage")
def casefile_stage(request, pk: int, body: StageIn):
    return casefile_json(casefiles.advance(request.user, pk, **body.dict()))
