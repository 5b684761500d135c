"""The potentials register: what an area has that keeps it safe or that policing must know — natural
resources, people of standing (tokoh masyarakat / agama / adat / pemuda, with contacts), activities
(markets, schools, places of worship, events, industry) and networks — each at a point or an area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid
from siaga.core.events import Event, publish
from siaga.core.permissions import restrict

from . import places
from .models import ACTIVITY_CATEGORIES, PERSON_CATEGORIES, Potential, PotentialCategory, PotentialKind

RESOURCE = "mapping.potential"
ALLOWED = {
    PotentialKind.PERSON: PERSON_CATEGORIES,
    PotentialKind.ACTIVITY: ACTIVITY_CATEGORIES,
    PotentialKind.NATURAL: frozenset({"land", "mineral", "other"}),
    PotentialKind.NETWORK: frozenset({"organisation", "other"}),
}


def email(value: Any, field: str = "email") -> str:
    value = str(value or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError as e:
            raise Invalid(_("The e-mail address is not valid."), field=field) from e
    return value


def phone(value: Any, field: str = "phone") -> str:
    value = " ".join(str(value or "").split())
    if value and (len(value) > 40 or not all(c.isdigit() or c in "+-() " for c in value)):
        raise Invalid(_("The phone number is not valid."), field=field)
    return value


def create(
    actor,
    *,
    kind: str,
    category: str,
    name: str,
    description: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    rt_key: str = "",
    kelurahan_code: str = "",
    lat=None,
    lon=None,
    at: dt.datetime | None = None,
) -> Potential:
    places.may(actor, RESOURCE)
    kind = places.choice(kind, PotentialKind, "kind")
    category = places.choice(category, PotentialCategory, "category")
    if category not in ALLOWED[kind]:
        raise Invalid(_("This category does not belong to this kind."), field="category")
    contact_phone, contact_email = (
        phone(contact_phone, "contact_phone"),
        email(contact_email, "contact_email"),
    )
    if kind != PotentialKind.PERSON and (contact_phone or contact_email):
        raise Invalid(_("Contacts are kept for people only."), field="contact_phone")
    fields = {
        "name": places.text(name, "name", 2, 200),
        "description": places.text(description, "description", 0, 4000),
    }
    place = places.resolve(rt_key=rt_key, kelurahan_code=kelurahan_code, lat=lat, lon=lon)
    with transaction.atomic():
        p = Potential.objects.create(
            kind=kind,
            category=category,
            contact_phone=contact_phone,
            contact_email=contact_email,
            created_by=actor,
            created_at=at or timezone.now(),
            **fields,
            **place,
        )
        places.check_inside(actor, p)
        # contacts stay out of the audit trail
        publish(
            Event(
                "mapping.potential.created",
                RESOURCE,
                p.pk,
                p.polres_id,
                after={
                    "kind": kind,
                    "category": category,
                    "name": p.name,
                    "kelurahan_code": p.kelurahan_code,
                },
            )
        )
    return p


def register(user, *, kind: str = "", kelurahan_code: str = ""):
    qs = restrict(Potential.objects.all(), user, "view")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.filter(kelurahan_code=kelurahan_code) if kelurahan_code else qs
