"""Problem-oriented case files (SARA: Scanning, Analysis, Response, Assessment).

A case file concerns one area, links problems and incidents, and moves through the four stages in order
(one step forward, or one step back with a reason), each move kept as a history row. Entering a stage
needs the text of the stage before it. Entering Response stamps the start of the response, from which the
impact measure compares incidents of the linked categories in the area N weeks before with N weeks after.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.cad.categories import BY_CODE
from siaga.cad.models import Incident
from siaga.core.errors import Invalid, check_version
from siaga.core.events import Event, publish
from siaga.core.permissions import can, restrict, role_allows, visible_one

from . import places, profile_areas
from .models import CaseFile, CaseStage, CaseStageChange, Problem

RESOURCE = "mapping.casefile"
ORDER = list(CaseStage.values)
MAX_WEEKS = 52
MAX_LINKS = 200


def snapshot(c: CaseFile) -> dict[str, Any]:
    return {
        "title": c.title,
        "area": f"{c.area_level}:{c.area_key}",
        "stage": c.stage,
        "categories": c.categories,
        "impact_weeks": c.impact_weeks,
        "owner": c.owner_id,
        "response_started_at": c.response_started_at.isoformat() if c.response_started_at else None,
        "version": c.version,
    }


# --- cleaning -----------------------------------------------------------------------------------------


def _text(value: Any, field: str, lo: int, hi: int) -> str:
    out = places.text(value, field, lo, hi)
    if "\x00" in out:  # PostgreSQL refuses NUL in text; say so instead of failing with a 500
        raise Invalid(_("Text may not contain control characters."), field=field)
    return out


def _ids(values: Any, field: str) -> set[int]:
    if values in (None, ""):
        return set()
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    if not isinstance(values, (list, tuple, set)):
        raise Invalid(_("Give a list."), field=field)
    if len(values) > MAX_LINKS:
        raise Invalid(_("At most %(n)d entries.") % {"n": MAX_LINKS}, field=field)
    try:
        return {int(v) for v in values}
    except (TypeError, ValueError) as e:
        raise Invalid(_("Not a valid choice."), field=field) from e


def _categories(values: Any) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    if not isinstance(values, (list, tuple)):
        raise Invalid(_("Give a list."), field="categories")
    out = sorted({str(v) for v in values})
    if any(v not in BY_CODE for v in out):
        raise Invalid(_("Not a valid incident category."), field="categories")
    return out


def _weeks(value: Any) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError) as e:
        raise Invalid(_("The number of weeks must be a whole number."), field="impact_weeks") from e
    if not 1 <= n <= MAX_WEEKS:
        raise Invalid(_("Between 1 and %(n)d weeks.") % {"n": MAX_WEEKS}, field="impact_weeks")
    return n


def _linked(actor, model, ids: set[int], polres_id: int, field: str) -> list:
    """The records the actor may see, all of this Polres; else Invalid and nothing is linked."""
    if not ids:
        return []
    found = list(restrict(model.objects.filter(pk__in=ids, polres_id=polres_id), actor, "view"))
    if len(found) != len(ids):
        raise Invalid(_("Some linked records are unknown or outside your area."), field=field)
    return found


def _owner(actor, owner, cf: CaseFile):
    if owner in (None, ""):
        return cf.owner or actor
    from siaga.accounts.models import User

    try:
        user = User.objects.filter(pk=int(getattr(owner, "pk", owner)), is_active=True).first()
    except (TypeError, ValueError):
        user = None
    if user is None or not role_allows(user, RESOURCE, "change") or not can(user, "change", cf):
        raise Invalid(_("The owner must be able to work on this case file."), field="owner")
    return user


# --- writes -------------------------------------------------------------------------------------------


def create(
    actor,
    *,
    title: str,
    area_level: str,
    area_key: str,
    scanning: str = "",
    categories: Any = None,
    problem_ids: Any = None,
    incident_ids: Any = None,
    impact_weeks: Any = 8,
    owner=None,
    at: dt.datetime | None = None,
) -> CaseFile:
    """Open a case file at Scanning; bad input or an area outside the actor's raises and stores nothing."""
    places.may(actor, RESOURCE)
    title = _text(title, "title", 3, 200)
    scanning = _text(scanning, "scanning", 0, 8000)
    cats = _categories(categories)
    weeks = _weeks(impact_weeks)
    prob_ids, inc_ids = _ids(problem_ids, "problem_ids"), _ids(incident_ids, "incident_ids")
    area = profile_areas.resolve(area_level, area_key)
    now = at or timezone.now()
    with transaction.atomic():
        cf = CaseFile.objects.create(
            title=title,
            area_level=area.level,
            area_key=area.key,
            area_name=area.name[:160],
            scanning=scanning,
            impact_weeks=weeks,
            created_by=actor,
            owner=actor,
            created_at=now,
            updated_at=now,
            **area.placement(),
        )
        places.check_inside(actor, cf)
        cf.owner = _owner(actor, owner, cf)
        cf.problems.set(_linked(actor, Problem, prob_ids, cf.polres_id, "problem_ids"))
        incidents = _linked(actor, Incident, inc_ids, cf.polres_id, "incident_ids")
        cf.incidents.set(incidents)
        cf.categories = cats or sorted({i.category for i in incidents})
        cf.save(update_fields=["owner", "categories"])
        CaseStageChange.objects.create(case_file=cf, by=actor, at=now, old="", new=cf.stage)
        publish(Event("mapping.casefile.created", RESOURCE, cf.pk, cf.polres_id, after=snapshot(cf)))
    return cf


def get(user, pk: Any, action: str = "view") -> CaseFile:
    return visible_one(CaseFile.objects.all(), user, pk, action)


EDITABLE = ("title", "scanning", "analysis", "response", "assessment")


def update(
    actor,
    pk: Any,
    *,
    version: Any = None,
    categories: Any = None,
    problem_ids: Any = None,
    incident_ids: Any = None,
    impact_weeks: Any = None,
    owner=None,
    at: dt.datetime | None = None,
    **texts: Any,
) -> CaseFile:
    """Change the texts, links, categories, weeks or owner; the stage moves only through `advance`."""
    places.may(actor, RESOURCE)
    unknown = set(texts) - set(EDITABLE)
    if unknown:
        raise Invalid(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    new: dict[str, Any] = {}
    for name, value in texts.items():
        if value is not None:
            new[name] = _text(value, name, *((3, 200) if name == "title" else (0, 8000)))
    if categories is not None:
        new["categories"] = _categories(categories)
    if impact_weeks not in (None, ""):
        new["impact_weeks"] = _weeks(impact_weeks)
    prob_ids = None if problem_ids is None else _ids(problem_ids, "problem_ids")
    inc_ids = None if incident_ids is None else _ids(incident_ids, "incident_ids")
    if not new and prob_ids is None and inc_ids is None and owner in (None, ""):
        raise Invalid(_("Nothing to change."))
    with transaction.atomic():
        cf = get(actor, pk, "change")
        cf = CaseFile.objects.select_for_update().get(pk=cf.pk)
        check_version(cf.version, version, _("Someone else changed this case file; reload it."))
        before = snapshot(cf)
        for name, value in new.items():
            setattr(cf, name, value)
        cf.owner = _owner(actor, owner, cf)
        if prob_ids is not None:
            cf.problems.set(_linked(actor, Problem, prob_ids, cf.polres_id, "problem_ids"))
        if inc_ids is not None:
            cf.incidents.set(_linked(actor, Incident, inc_ids, cf.polres_id, "incident_ids"))
        cf.updated_at = at or timezone.now()
        cf.version += 1
        cf.save()
        publish(
            Event(
                "mapping.casefile.changed", RESOURCE, cf.pk, cf.polres_id, before=before, after=snapshot(cf)
            )
        )
    return cf


def advance(
    actor, pk: Any, *, stage: str, note: str = "", version: Any = None, at: dt.datetime | None = None
) -> CaseFile:
    """Move one SARA step forward (the previous stage's text written), or one back with a reason."""
    places.may(actor, RESOURCE)
    stage = places.choice(stage, CaseStage, "stage")
    note = _text(note, "note", 0, 2000)
    now = at or timezone.now()
    with transaction.atomic():
        cf = get(actor, pk, "change")
        cf = CaseFile.objects.select_for_update().get(pk=cf.pk)
        check_version(cf.version, version, _("Someone else changed this case file; reload it."))
        step = ORDER.index(stage) - ORDER.index(cf.stage)
        if step == 0:
            raise Invalid(_("The case file is already at this stage."), field="stage")
        if abs(step) > 1:
            raise Invalid(_("Stages go in order: scanning, analysis, response, assessment."), field="stage")
        if step == 1 and not getattr(cf, cf.stage).strip():
            raise Invalid(_("Write the %(stage)s first.") % {"stage": cf.get_stage_display()}, field=cf.stage)
        if step == -1 and not note:
            raise Invalid(_("Say why the case file goes back a stage."), field="note")
        before = snapshot(cf)
        old = cf.stage
        cf.stage = stage
        if stage == CaseStage.RESPONSE and step == 1:
            cf.response_started_at = now
        cf.updated_at = now
        cf.version += 1
        cf.save()
        CaseStageChange.objects.create(case_file=cf, by=actor, at=now, old=old, new=stage, note=note)
        publish(
            Event(
                "mapping.casefile.stage",
                RESOURCE,
                cf.pk,
                cf.polres_id,
                before=before,
                after=snapshot(cf),
                data={"note": note},
            )
        )
    return cf


# --- reads --------------------------------------------------------------------------------------------


def register(user, *, stage: str = "", kelurahan_code: str = ""):
    qs = restrict(CaseFile.objects.all(), user, "view").select_related("owner", "polsek")
    if stage:
        qs = qs.filter(stage=stage)
    return qs.filter(kelurahan_code=kelurahan_code) if kelurahan_code else qs


def detail(user, pk: Any) -> tuple[CaseFile, list, list, list]:
    """The case file, its stage history and the linked problems and incidents the user may see."""
    cf = get(user, pk)
    history = list(restrict(cf.stage_changes.all(), user, "view").select_related("by"))
    probs = list(restrict(cf.problems.all(), user, "view"))
    incs = list(restrict(cf.incidents.all(), user, "view").order_by("-received_at"))
    return cf, history, probs, incs


# --- impact -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateTest:
    rate_ratio: float | None  # after rate / before rate; None when the before count is 0
    ci_low: float | None
    ci_high: float | None
    p_value: float  # two-sided exact test of equal rates (binomial, conditioned on the total)


def rate_test(before: int, after: int, t_before: float, t_after: float) -> RateTest:
    """Compare two Poisson counts over exposures t_before and t_after (any unit, both > 0).

    Under equal rates, after ~ Binomial(before + after, t_after / (t_before + t_after)); the exact
    (Clopper-Pearson) interval of that proportion p maps to the rate ratio (p / (1 - p)) · t_before / t_after.
    """
    from scipy.stats import binomtest

    if before < 0 or after < 0 or t_before <= 0 or t_after <= 0:
        raise ValueError("counts must be >= 0 and exposures > 0")
    n = before + after
    if n == 0:
        return RateTest(None, None, None, 1.0)
    share = t_after / (t_before + t_after)
    result = binomtest(after, n, share)
    ci = result.proportion_ci(confidence_level=0.95, method="exact")
    scale = t_before / t_after

    def ratio(p: float) -> float | None:
        return None if p >= 1 else (p / (1 - p)) * scale

    rr = (after / t_after) / (before / t_before) if before else None
    return RateTest(rr, ratio(ci.low), ratio(ci.high), min(1.0, float(result.pvalue)))


@dataclass(frozen=True)
class Impact:
    status: str  # "not_started" | "too_early" | "measured"
    weeks: int
    categories: list[str]
    start: dt.datetime | None = None
    before_from: dt.datetime | None = None
    after_to: dt.datetime | None = None
    before: int = 0
    after: int = 0
    before_days: float = 0.0
    after_days: float = 0.0
    test: RateTest | None = None

    @property
    def change_pct(self) -> float | None:
        rr = self.test.rate_ratio if self.test else None
        return None if rr is None else round(100 * (rr - 1), 1)


def impact(user, cf: CaseFile, now: dt.datetime | None = None) -> Impact:
    """Incidents of the case file's categories in its area, N weeks before the response began vs after
    (the after window is cut at now while it is still running; rates are per day)."""
    now = now or timezone.now()
    cats = list(cf.categories)
    start = cf.response_started_at
    if start is None:
        return Impact("not_started", cf.impact_weeks, cats)
    span = dt.timedelta(weeks=cf.impact_weeks)
    before_from, after_to = start - span, min(start + span, now)
    if after_to <= start:
        return Impact("too_early", cf.impact_weeks, cats, start, before_from, after_to)
    area = profile_areas.resolve(cf.area_level, cf.area_key)
    qs = restrict(Incident.objects.all(), user, "view").filter(
        area.incidents(), polres_id=cf.polres_id, duplicate_of__isnull=True
    )
    if cats:
        qs = qs.filter(category__in=cats)
    before = qs.filter(received_at__gte=before_from, received_at__lt=start).count()
    after = qs.filter(received_at__gte=start, received_at__lt=after_to).count()
    days_before = span.total_seconds() / 86400
    days_after = (after_to - start).total_seconds() / 86400
    return Impact(
        "measured",
        cf.impact_weeks,
        cats,
        start,
        before_from,
        after_to,
        before,
        after,
        round(days_before, 2),
        round(days_after, 2),
        rate_test(before, after, days_before, days_after),
    )


def finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, 3)


def incident_ids(user, numbers: str) -> list[int]:
    """The ids of incidents given by number (as typed on a form); Invalid names the unknown ones."""
    wanted = [n for n in str(numbers or "").replace(",", " ").split() if n]
    if len(wanted) > MAX_LINKS:
        raise Invalid(_("At most %(n)d entries.") % {"n": MAX_LINKS}, field="incident_numbers")
    found = dict(
        restrict(Incident.objects.filter(number__in=wanted), user, "view").values_list("number", "pk")
    )
    missing = [n for n in wanted if n not in found]
    if missing:
        raise Invalid(
            _("Unknown incident numbers (or outside your area): %(n)s") % {"n": ", ".join(missing[:10])},
            field="incident_numbers",
        )
    return sorted(set(found.values()))


def can_change(user, cf: CaseFile) -> bool:
    return can(user, "change", cf)
