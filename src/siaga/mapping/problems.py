"""The problem register: potential-conflict problems located at an RT, a kelurahan or a point, with
parties, source, level (PG / AG / GN), status (open → monitored → resolved, and back when a problem
flares up again) and a history row for every change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Invalid
from siaga.core.events import Event, publish
from siaga.core.permissions import restrict, visible_one

from . import places
from .models import Level, Problem, ProblemChange, ProblemKind, ProblemSource, ProblemStatus

RESOURCE = "mapping.problem"


def snapshot(p: Problem) -> dict[str, Any]:
    return {
        "title": p.title,
        "kind": p.kind,
        "level": p.level,
        "status": p.status,
        "source": p.source,
        "kelurahan_code": p.kelurahan_code,
        "rt_key": p.rt_key,
        "polsek": p.polsek_id,
        "version": p.version,
    }


def create(
    actor,
    *,
    title: str,
    kind: str,
    source: str,
    level: str = Level.PG,
    description: str = "",
    parties: Any = None,
    rt_key: str = "",
    kelurahan_code: str = "",
    lat=None,
    lon=None,
    visit=None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Problem:
    """Register a problem; bad input or a place outside the actor's area raises and stores nothing."""
    places.may(actor, RESOURCE)
    fields = {
        "title": places.text(title, "title", 3, 200),
        "kind": places.choice(kind, ProblemKind, "kind"),
        "source": places.choice(source, ProblemSource, "source"),
        "level": places.choice(level, Level, "level"),
        "description": places.text(description, "description", 0, 4000),
        "parties": places.text_list(parties, "parties"),
    }
    note = places.text(note, "note", 0, 2000)
    place = places.resolve(rt_key=rt_key, kelurahan_code=kelurahan_code, lat=lat, lon=lon)
    now = at or timezone.now()
    with transaction.atomic():
        p = Problem.objects.create(
            **fields, **place, visit=visit, created_by=actor, created_at=now, updated_at=now
        )
        places.check_inside(actor, p)
        ProblemChange.objects.create(problem=p, by=actor, at=now, field="created", new=p.level, note=note)
        publish(Event("mapping.problem.created", RESOURCE, p.pk, p.polres_id, after=snapshot(p)))
    return p


def get(user, pk: Any, action: str = "view") -> Problem:
    return visible_one(Problem.objects.all(), user, pk, action)


def update(
    actor,
    pk: Any,
    *,
    level: str | None = None,
    status: str | None = None,
    parties: Any = None,
    note: str = "",
    version: int | None = None,
    at: dt.datetime | None = None,
) -> Problem:
    """Change a problem's level, status or parties; each changed field becomes a history row."""
    places.may(actor, RESOURCE)
    note = places.text(note, "note", 0, 2000)
    new: dict[str, Any] = {}
    if level is not None:
        new["level"] = places.choice(level, Level, "level")
    if status is not None:
        new["status"] = places.choice(status, ProblemStatus, "status")
    if parties is not None:
        new["parties"] = places.text_list(parties, "parties")
    if not new:
        raise Invalid(_("Nothing to change."))
    now = at or timezone.now()
    with transaction.atomic():
        p = get(actor, pk, "change")
        p = Problem.objects.select_for_update().get(pk=p.pk)
        if version is not None and version != p.version:
            raise Conflict(_("Someone else changed this problem; reload it."))
        if new.get("status") == ProblemStatus.RESOLVED and not note:
            raise Invalid(_("Say how the problem was resolved."), field="note")
        before = snapshot(p)
        changed = []
        for field, value in new.items():
            old = getattr(p, field)
            if old == value:
                continue
            setattr(p, field, value)
            shown = (lambda v: "; ".join(v)) if field == "parties" else str
            changed.append(
                ProblemChange(
                    problem=p,
                    by=actor,
                    at=now,
                    field=field,
                    old=shown(old)[:200],
                    new=shown(value)[:200],
                    note=note,
                )
            )
        if not changed:
            raise Invalid(_("Nothing to change."))
        p.updated_at = now
        p.version += 1
        p.save()
        ProblemChange.objects.bulk_create(changed)
        publish(
            Event(
                "mapping.problem.changed",
                RESOURCE,
                p.pk,
                p.polres_id,
                before=before,
                after=snapshot(p),
                data={"note": note},
            )
        )
    return p


def register(user, *, status: str | None = None, level: str | None = None, kelurahan_code: str = ""):
    qs = restrict(Problem.objects.all(), user, "view").select_related("polsek")
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if kelurahan_code:
        qs = qs.filter(kelurahan_code=kelurahan_code)
    return qs


def history(user, pk: Any):
    p = get(user, pk)
    return p, list(p.changes.select_related("by"))
