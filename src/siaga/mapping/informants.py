"""Informants (Intelkam only; UU 14/2008 Pasal 17(a) exempts their identity from public information,
UU 27/2022 makes it personal data). The identity (name, NIK, phone, address, handler notes) is stored
only as a Fernet token under the installation's field key (crypto.py); the code name is in clear.

Reading an identity is a write: every view publishes "mapping.informant.viewed" inside a transaction,
so the audit trail holds who looked at whom and when. Lists show code names only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from cryptography.fernet import Fernet
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.context import acting, request_id
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import restrict
from siaga.core.roles import Role

from . import crypto, places
from .models import Informant
from .potentials import phone

RESOURCE = "mapping.informant"
CODE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{1,39}$")
IDENTITY_FIELDS = ("name", "nik", "phone", "address", "handler_notes")


def _identity(name, nik, phone_number, address, handler_notes) -> dict[str, str]:
    nik = str(nik or "").strip()
    if nik and not re.fullmatch(r"\d{16}", nik):
        raise Invalid(_("A NIK has 16 digits."), field="nik")
    return {
        "name": places.text(name, "name", 2, 120),
        "nik": nik,
        "phone": phone(phone_number),
        "address": places.text(address, "address", 0, 300),
        "handler_notes": places.text(handler_notes, "handler_notes", 0, 4000),
    }


def create(
    actor,
    *,
    code_name: str,
    name: str,
    nik: str = "",
    phone_number: str = "",
    address: str = "",
    handler_notes: str = "",
    kelurahan_code: str = "",
    at: dt.datetime | None = None,
) -> Informant:
    places.may(actor, RESOURCE)
    code_name = " ".join(str(code_name or "").split())
    if not CODE_NAME.match(code_name):
        raise Invalid(_("A code name is 2–40 letters, digits, spaces, - or _."), field="code_name")
    identity = _identity(name, nik, phone_number, address, handler_notes)
    if code_name.lower() in identity["name"].lower() or identity["name"].lower() in code_name.lower():
        raise Invalid(_("The code name must not reveal the name."), field="code_name")
    place = places.resolve(kelurahan_code=kelurahan_code, polres=places.home_polres(actor), required=False)
    place = {k: place[k] for k in ("polres", "polsek", "kelurahan_code")}
    now = at or timezone.now()
    with transaction.atomic():
        if Informant.objects.filter(polres=place["polres"], code_name__iexact=code_name).exists():
            raise Conflict(_("This code name is taken."), field="code_name")
        i = Informant.objects.create(
            code_name=code_name,
            identity=crypto.seal(identity),
            handler=actor,
            created_at=now,
            updated_at=now,
            **place,
        )
        places.check_inside(actor, i)
        # the identity never enters the audit trail
        publish(
            Event(
                "mapping.informant.created",
                RESOURCE,
                i.pk,
                i.polres_id,
                after={"code_name": i.code_name, "kelurahan_code": i.kelurahan_code},
            )
        )
    return i


def register(user):
    """Code names only: listing does not read identities."""
    return restrict(Informant.objects.all(), user, "view").only(
        "pk", "code_name", "polres", "polsek", "kelurahan_code", "active", "created_at", "handler"
    )


def reveal(user, pk: Any, *, purpose: str = "") -> dict[str, Any]:
    """The identity of one informant, for an Intelkam user in scope; the view is audited."""
    # The administrator passes the read gate everywhere, but an identity is for the handlers alone.
    if getattr(user, "role", None) != Role.INTELKAM or not user.is_active:
        raise Forbidden(_("Only Intelkam may see an informant's identity."))
    purpose = places.text(purpose, "purpose", 0, 200)
    # the audit row names the viewer even when called outside a request (CLI, tasks)
    with acting(user, request_id()), transaction.atomic():
        i = (
            restrict(Informant.objects.all(), user, "view").filter(pk=pk).first()
            if str(pk).isdigit()
            else None
        )
        if i is None:
            raise NotFound(_("Not found."))
        identity = crypto.unseal(i.identity)
        publish(
            Event(
                "mapping.informant.viewed",
                RESOURCE,
                i.pk,
                i.polres_id,
                after={"code_name": i.code_name},
                data={"purpose": purpose},
            )
        )
    return {"id": i.pk, "code_name": i.code_name, "kelurahan_code": i.kelurahan_code, **identity}


def update_identity(actor, pk: Any, **fields) -> Informant:
    places.may(actor, RESOURCE)
    unknown = set(fields) - set(IDENTITY_FIELDS)
    if unknown:
        raise Invalid(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic():
        i = (
            restrict(Informant.objects.select_for_update(), actor, "change").filter(pk=pk).first()
            if str(pk).isdigit()
            else None
        )
        if i is None:
            raise NotFound(_("Not found."))
        current = crypto.unseal(i.identity)
        current.update(fields)
        i.identity = crypto.seal(
            _identity(
                current["name"],
                current["nik"],
                current["phone"],
                current["address"],
                current["handler_notes"],
            )
        )
        i.updated_at = timezone.now()
        i.save(update_fields=["identity", "updated_at"])
        publish(
            Event(
                "mapping.informant.changed",
                RESOURCE,
                i.pk,
                i.polres_id,
                after={"code_name": i.code_name},
                data={"fields": sorted(fields)},
            )
        )
    return i


def rotate_key(new_key: str, old_keys: list[str] | None = None) -> int:
    """Re-encrypt every informant's identity under `new_key` (the old keys still read). Run it, then set
    SIAGA_FIELD_KEY (or the field_key file) to the new key. Returns the number of rows rewritten."""
    try:
        Fernet(new_key.encode())
    except (ValueError, TypeError) as e:
        raise Invalid(_("Not a Fernet key (32 url-safe base64 bytes)."), field="key") from e
    multi = crypto.rotate(new_key, old_keys)
    n = 0
    with transaction.atomic():
        for i in Informant.objects.select_for_update().only("pk", "identity", "polres_id"):
            i.identity = multi.rotate(i.identity.encode()).decode()
            i.save(update_fields=["identity"])
            n += 1
        publish(Event("mapping.informant.rotated", RESOURCE, "", None, data={"rows": n}))
    return n
