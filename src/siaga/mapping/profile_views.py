"""Pages of integrated profiles and case files under /wilayah/profil/ (thin: parse, call a profile
reader or the case-file service, render). Service errors come back as the form's errors with their 4xx."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from siaga.core.errors import Forbidden, NotFound, ServiceError
from siaga.core.permissions import restrict, role_allows

from . import casefiles, profiles
from .models import CaseStage, Problem, ProblemStatus
from .profile_api import impact_json
from .profile_forms import CaseFileForm, StageForm


def _read(fn, *args):
    try:
        return fn(*args)
    except Forbidden as e:
        raise PermissionDenied(e.message) from e
    except NotFound as e:
        raise Http404(e.message) from e


@login_required
def index(request):
    may_groups = role_allows(request.user, "mapping.potential", "view")
    may_cases = role_allows(request.user, casefiles.RESOURCE, "view")
    if not (may_groups or may_cases):
        raise PermissionDenied
    return render(
        request,
        "mapping/profile_index.html",
        {"groups": profiles.GROUPS.values() if may_groups else [], "may_cases": may_cases},
    )


@login_required
def area(request, level: str, key: str):
    data = _read(profiles.area_profile, request.user, level, key)
    return render(request, "mapping/profile_area.html", {"p": data, "map_data": _map(data)})


@login_required
def group(request, group: str):
    data = _read(profiles.group_profile, request.user, group)
    return render(request, "mapping/profile_group.html", {"p": data, "map_data": _map(data)})


def _map(data: dict) -> dict:
    return {"outline": data.get("outline"), "features": data["features"]}


# --- case files ---------------------------------------------------------------------------------------


def _gate(request, action: str = "view") -> None:
    if not role_allows(request.user, casefiles.RESOURCE, action):
        raise PermissionDenied


@login_required
def casefile_list(request):
    _gate(request)
    stage = request.GET.get("tahap", "")
    stage = stage if stage in CaseStage.values else ""
    return render(
        request,
        "mapping/casefile_list.html",
        {
            "rows": casefiles.register(request.user, stage=stage)[:500],
            "stages": CaseStage.choices,
            "stage": stage,
            "may_change": role_allows(request.user, casefiles.RESOURCE, "change"),
        },
    )


def _problems(user):
    return restrict(Problem.objects.all(), user, "view").exclude(status=ProblemStatus.RESOLVED)[:300]


def _save(request, form: CaseFileForm, cf=None):
    """Call the service with the form's data; on a ServiceError put it on the form and return None."""
    d = form.cleaned_data
    try:
        inc = casefiles.incident_ids(request.user, d.get("incident_numbers", ""))
        common = {
            "title": d["title"],
            "scanning": d.get("scanning", ""),
            "categories": d.get("categories") or [],
            "problem_ids": d.get("problem_ids") or [],
            "incident_ids": inc,
            "impact_weeks": d.get("impact_weeks"),
        }
        if cf is None:
            return casefiles.create(
                request.user, area_level=d["area_level"], area_key=d["area_key"], **common
            )
        return casefiles.update(
            request.user,
            cf.pk,
            version=d.get("version"),
            analysis=d.get("analysis", ""),
            response=d.get("response", ""),
            assessment=d.get("assessment", ""),
            **common,
        )
    except ServiceError as e:
        form.add_error(e.field if e.field in form.fields else None, e.message)
        form.status = e.status
        return None


@login_required
def casefile_new(request):
    _gate(request, "change")
    initial = {k: request.GET[k] for k in ("area_level", "area_key") if k in request.GET}
    form = CaseFileForm(request.POST or None, initial=initial, problems=_problems(request.user))
    status = 200
    if request.method == "POST":
        cf = _save(request, form) if form.is_valid() else None
        if cf is not None:
            return redirect("profiles:casefile", pk=cf.pk)
        status = getattr(form, "status", 400)
    return render(request, "mapping/casefile_form.html", {"form": form, "cf": None}, status=status)


@login_required
def casefile_edit(request, pk: int):
    _gate(request, "change")
    cf = _read(casefiles.get, request.user, pk, "change")
    initial = {
        "title": cf.title,
        "area_level": cf.area_level,
        "area_key": cf.area_key,
        "categories": cf.categories,
        "problem_ids": [str(i) for i in cf.problems.values_list("pk", flat=True)],
        "incident_numbers": " ".join(cf.incidents.values_list("number", flat=True)),
        "impact_weeks": cf.impact_weeks,
        "scanning": cf.scanning,
        "analysis": cf.analysis,
        "response": cf.response,
        "assessment": cf.assessment,
        "version": cf.version,
    }
    form = CaseFileForm(request.POST or None, initial=initial, problems=_problems(request.user), editing=True)
    status = 200
    if request.method == "POST":
        saved = _save(request, form, cf) if form.is_valid() else None
        if saved is not None:
            return redirect("profiles:casefile", pk=cf.pk)
        status = getattr(form, "status", 400)
    return render(request, "mapping/casefile_form.html", {"form": form, "cf": cf}, status=status)


def _detail(request, pk: int, stage_form: StageForm | None = None, status: int = 200):
    cf, history, probs, incs = _read(casefiles.detail, request.user, pk)
    imp = casefiles.impact(request.user, cf)
    may_change = role_allows(request.user, casefiles.RESOURCE, "change") and casefiles.can_change(
        request.user, cf
    )
    return render(
        request,
        "mapping/casefile_detail.html",
        {
            "cf": cf,
            "history": history,
            "problems": probs,
            "incidents": incs[:100],
            "impact": impact_json(imp),
            "stages": [(v, label, v == cf.stage) for v, label in CaseStage.choices],
            "texts": [(label, getattr(cf, v)) for v, label in CaseStage.choices],
            "may_change": may_change,
            "stage_form": stage_form or StageForm(initial={"version": cf.version}),
        },
        status=status,
    )


@login_required
def casefile_detail(request, pk: int):
    _gate(request)
    return _detail(request, pk)


@login_required
@require_POST
def casefile_stage(request, pk: int):
    _gate(request, "change")
    form = StageForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            casefiles.advance(request.user, pk, stage=d["stage"], note=d["note"], version=d["version"])
            return redirect("profiles:casefile", pk=pk)
        except NotFound as e:
            raise Http404(e.message) from e
        except ServiceError as e:
            form.add_error(None, e.message)
            return _detail(request, pk, form, e.status)
    return _detail(request, pk, form, 400)
