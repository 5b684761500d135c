"""The sambang log: a Bhabinkamtibmas records a visit to his kelurahan (where, whom he met, what was
talked about) and the problems raised there, either new ones (registered with source "visit") or
existing ones linked to the visit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import restrict

from . import places, problems
from .models import Problem, ProblemSource, Visit

RESOURCE = "mapping.visit"
PROBLEM_FIELDS = {
    "title",
    "kind",
    "level",
    "description",
    "parties",
    "rt_key",
    "kelurahan_code",
    "lat",
    "lon",
    "note",
}


def log(
    actor,
    *,
    date: Any,
    place: str,
    kelurahan_code: str = "",
    people_met: Any = None,
    topics: Any = None,
    notes: str = "",
    new_problems: list[dict] | None = None,
    link_problems: list[int] | None = None,
    at: dt.datetime | None = None,
) -> Visit:
    places.may(actor, RESOURCE)
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError as e:
            raise Invalid(_("Not a valid date."), field="date") from e
    if not isinstance(date, dt.date):
        raise Invalid(_("Not a valid date."), field="date")
    now = at or timezone.now()
    if date > timezone.localdate(now) + dt.timedelta(days=1):
        raise Invalid(_("A visit cannot be in the future."), field="date")
    kelurahan_code = str(kelurahan_code or actor.kelurahan_code or "")
    fields = {
        "place": places.text(place, "place", 2, 200),
        "people_met": places.text_list(people_met, "people_met"),
        "topics": places.text_list(topics, "topics"),
        "notes": places.text(notes, "notes", 0, 4000),
    }
    where = places.resolve(kelurahan_code=kelurahan_code)
    if not isinstance(new_problems or [], list) or not isinstance(link_problems or [], list):
        raise Invalid(_("Give a list."), field="problems")
    with transaction.atomic():
        v = Visit.objects.create(date=date, officer=actor, created_at=now, **fields, **where)
        places.check_inside(actor, v)
        raised = []
        for spec in new_problems or []:
            if not isinstance(spec, dict) or set(spec) - PROBLEM_FIELDS:
                raise Invalid(_("Not a valid problem."), field="problems")
            spec = (
                {"kelurahan_code": v.kelurahan_code, **spec}
                if not (spec.get("rt_key") or spec.get("lat") is not None)
                else spec
            )
            raised.append(
                problems.create(actor, **{**spec, "source": ProblemSource.VISIT, "visit": v}, at=now)
            )
        linked = []
        for pk in link_problems or []:
            p = (
                restrict(Problem.objects.all(), actor, "view").filter(pk=pk).first()
                if str(pk).isdigit()
                else None
            )
            if p is None:
                raise Invalid(_("No such problem."), field="problems")
            linked.append(p)
        v.problems.add(*raised, *linked)
        publish(
            Event(
                "mapping.visit.logged",
                RESOURCE,
                v.pk,
                v.polres_id,
                after={
                    "date": v.date.isoformat(),
                    "kelurahan_code": v.kelurahan_code,
                    "problems": [p.pk for p in (*raised, *linked)],
                },
            )
        )
    return v


def get(user, pk: Any) -> Visit:
    v = restrict(Visit.objects.all(), user, "view").filter(pk=pk).first() if str(pk).isdigit() else None
    if v is None:
        raise NotFound(_("Not found."))
    return v


def register(user, *, kelurahan_code: str = ""):
    qs = restrict(Visit.objects.all(), user, "view").select_related("officer").prefetch_related("problems")
    return qs.filter(kelurahan_code=kelurahan_code) if kelurahan_code else qs
