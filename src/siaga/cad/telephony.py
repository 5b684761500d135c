"""Tokens of the telephony systems that signal ringing calls (POST /api/cad/calls/ring).

A PBX / call-centre bridge is a machine, not a person: it authenticates with `Authorization: Bearer …`
and a token bound to one Polres, so it can ring calls into that Polres only. Tokens are 256-bit random,
shown once when made and stored as their SHA-256 (a fast hash suffices for a random secret of this
length); revoking one stops it at once. Made and revoked on the command line by whoever runs the
installation: `siaga cad telephony-token create|list|revoke`.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from siaga.core.context import acting
from siaga.core.errors import Invalid, NotFound
from siaga.core.events import Event, publish

from .models import TelephonyToken

PREFIX = "stel_"


def digest(secret: str) -> str:
    return hashlib.sha256(str(secret).encode()).hexdigest()


def create_token(polres, name: str) -> tuple[TelephonyToken, str]:
    """A new token for the Polres: (record, secret). The secret is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise Invalid("A token needs a name of 1 to 60 characters.", field="name")
    secret = PREFIX + secrets.token_urlsafe(32)
    with acting(None, "cli-telephony-token"), transaction.atomic():
        token = TelephonyToken.objects.create(
            polres=polres,
            name=name,
            prefix=secret[: len(PREFIX) + 6],
            digest=digest(secret),
            created_at=timezone.now(),
        )
        publish(
            Event(
                "cad.telephony_token.created",
                "cad.telephony_token",
                token.pk,
                polres_id=polres.pk,
                after={"name": name, "prefix": token.prefix},  # never the token nor its hash
            )
        )
    return token, secret


def revoke(prefix_or_id: str) -> TelephonyToken:
    q = TelephonyToken.objects.filter(revoked_at__isnull=True)
    key = str(prefix_or_id).strip()
    token = (q.filter(pk=int(key)) if key.isdigit() else q.filter(prefix=key)).first()
    if token is None:
        raise NotFound("No such active token.")
    with acting(None, "cli-telephony-token"), transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        publish(
            Event(
                "cad.telephony_token.revoked",
                "cad.telephony_token",
                token.pk,
                polres_id=token.polres_id,
                after={"name": token.name, "prefix": token.prefix},
            )
        )
    return token


def authenticate(secret: str) -> TelephonyToken | None:
    """The active token with this secret, or None."""
    secret = (secret or "").strip()
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = (
        TelephonyToken.objects.select_related("polres")
        .filter(digest=digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            # at most one write a minute per token: a busy PBX must not queue on the writer
            TelephonyToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
