"""Partners of community policing (FKPM, Pokdar Kamtibmas, satpam, RT/RW heads, …) with their contacts,
and broadcasts: one message to selected partners, sent by e-mail / SMS channels after commit and kept
with its recipients."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid
from siaga.core.events import Event, publish
from siaga.core.notifications import Notice, notify
from siaga.core.permissions import restrict

from . import places
from .models import Broadcast, Partner, PartnerKind
from .potentials import email, phone

RESOURCE = "mapping.partner"
MAX_RECIPIENTS = 500


def create(
    actor,
    *,
    kind: str,
    name: str,
    organisation: str = "",
    phone_number: str = "",
    email_address: str = "",
    rt_key: str = "",
    kelurahan_code: str = "",
    lat=None,
    lon=None,
    at: dt.datetime | None = None,
) -> Partner:
    places.may(actor, RESOURCE)
    fields = {
        "kind": places.choice(kind, PartnerKind, "kind"),
        "name": places.text(name, "name", 2, 200),
        "organisation": places.text(organisation, "organisation", 0, 200),
        "phone": phone(phone_number),
        "email": email(email_address),
    }
    if not (fields["phone"] or fields["email"]):
        raise Invalid(_("Give a phone number or an e-mail address."), field="phone")
    place = places.resolve(
        rt_key=rt_key,
        kelurahan_code=kelurahan_code,
        lat=lat,
        lon=lon,
        polres=places.home_polres(actor),
        required=False,
    )
    with transaction.atomic():
        p = Partner.objects.create(created_at=at or timezone.now(), **fields, **place)
        places.check_inside(actor, p)
        publish(
            Event(
                "mapping.partner.created",
                RESOURCE,
                p.pk,
                p.polres_id,
                after={"kind": p.kind, "name": p.name, "kelurahan_code": p.kelurahan_code},
            )
        )
    return p


def broadcast(
    actor, *, subject: str, body: str, partner_ids: Any, at: dt.datetime | None = None
) -> Broadcast:
    """Send one message to the selected partners (all inside the actor's area, else nothing is sent)."""
    places.may(actor, RESOURCE)
    subject = places.text(subject, "subject", 3, 200)
    body = places.text(body, "body", 3, 4000)
    if not isinstance(partner_ids, (list, tuple)) or not partner_ids:
        raise Invalid(_("Choose at least one partner."), field="partner_ids")
    if len(partner_ids) > MAX_RECIPIENTS:
        raise Invalid(_("At most %(n)d partners per message.") % {"n": MAX_RECIPIENTS}, field="partner_ids")
    try:
        ids = {int(i) for i in partner_ids}
    except (TypeError, ValueError) as e:
        raise Invalid(_("Not a valid partner."), field="partner_ids") from e
    with transaction.atomic():
        chosen = list(restrict(Partner.objects.filter(pk__in=ids, active=True), actor, "change"))
        if len(chosen) != len(ids):
            raise Invalid(_("Some partners are unknown, inactive or outside your area."), field="partner_ids")
        polres = {p.polres_id for p in chosen}
        if len(polres) != 1:
            raise Invalid(_("One message goes to the partners of one Polres."), field="partner_ids")
        b = Broadcast.objects.create(
            polres_id=polres.pop(), sender=actor, subject=subject, body=body, sent_at=at or timezone.now()
        )
        b.recipients.set(chosen)
        for p in chosen:
            notify(
                Notice(
                    subject,
                    body,
                    email=p.email,
                    phone=p.phone,
                    kind="mapping.partner.broadcast",
                    data={"broadcast": b.pk},
                )
            )
        b.reached = sum(1 for p in chosen if p.email or p.phone)
        b.save(update_fields=["reached"])
        publish(
            Event(
                "mapping.partner.broadcast",
                RESOURCE,
                b.pk,
                b.polres_id,
                after={"subject": subject, "recipients": sorted(p.pk for p in chosen)},
            )
        )
    return b


def register(user, *, kind: str = "", kelurahan_code: str = ""):
    qs = restrict(Partner.objects.all(), user, "view")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.filter(kelurahan_code=kelurahan_code) if kelurahan_code else qs


def broadcasts(user):
    return restrict(Broadcast.objects.all(), user, "view").prefetch_related("recipients")
