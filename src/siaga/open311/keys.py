"""API keys of third-party apps: made and revoked by an administrator, shown once, stored as a hash.

A key is needed only to POST a request (GeoReport v2). Each key has its own hourly rate limit.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import restrict
from siaga.portal.common import limit_or_raise, misses_limited

from .models import ApiKey

PREFIX = "s311_"
RATE_WINDOW_S = 3600


def digest(key: str) -> str:
    return hashlib.sha256(str(key).encode()).hexdigest()


def _snapshot(k: ApiKey) -> dict[str, Any]:
    """What the audit trail keeps: never the key, nor its hash."""
    return {
        "name": k.name,
        "prefix": k.prefix,
        "polres_id": k.polres_id,
        "rate_per_hour": k.rate_per_hour,
        "revoked": bool(k.revoked_at),
    }


def _check_admin(user, polres) -> None:
    from siaga.core.roles import Role

    if getattr(user, "role", None) != Role.ADMIN or not getattr(user, "is_active", False):
        raise Forbidden(_("Only an administrator may manage Open311 API keys."))
    if user.polres_id and user.polres_id != polres.pk:
        raise Forbidden(_("Only an administrator may manage Open311 API keys."))
    if user.polda_id and user.polda_id != polres.polda_id:
        raise Forbidden(_("Only an administrator may manage Open311 API keys."))


def create_key(
    user,
    *,
    name: str,
    contact: str,
    polres,
    rate_per_hour: int = 120,
    secret: str | None = None,
    at=None,
) -> tuple[ApiKey, str]:
    """Make a key; returns (record, the key in clear) — the only moment the key is ever seen.

    `secret` lets the demo derive its key from the seed; everyone else gets a random one."""
    if user is not None:  # None: the installation itself (demo builder, management command as system)
        _check_admin(user, polres)
    name = " ".join(str(name or "").split())
    contact = " ".join(str(contact or "").split())
    if not name or len(name) > 120:
        raise Invalid(_("Name the app (1 to 120 characters)."), field="name")
    if not contact or len(contact) > 200:
        raise Invalid(_("Give the app owner's contact (1 to 200 characters)."), field="contact")
    try:
        rate = int(rate_per_hour)
    except (TypeError, ValueError) as e:
        raise Invalid(_("The rate must be a whole number."), field="rate_per_hour") from e
    if not 1 <= rate <= 10_000:
        raise Invalid(_("The rate must be 1 to 10,000 requests per hour."), field="rate_per_hour")
    clear = secret or PREFIX + secrets.token_urlsafe(30)
    with transaction.atomic():
        k = ApiKey.objects.create(
            name=name,
            contact=contact,
            polres=polres,
            prefix=clear[:12],
            key_hash=digest(clear),
            rate_per_hour=rate,
            created_at=at or timezone.now(),
            created_by=getattr(user, "username", "") or "system",
        )
        publish(Event("open311.apikey.created", "open311.apikey", k.pk, polres.pk, after=_snapshot(k)))
    return k, clear


@transaction.atomic
def revoke_key(user, key_id: int, *, reason: str = "", at=None) -> ApiKey:
    qs = ApiKey.objects.filter(pk=key_id)
    if user is not None:
        qs = restrict(qs, user, "change")
    k = qs.select_for_update().first()
    if k is None:
        raise NotFound(_("No such API key."))
    if user is not None:
        _check_admin(user, k.polres)
    if k.revoked_at:
        return k
    before = _snapshot(k)
    k.revoked_at = at or timezone.now()
    k.revoke_reason = " ".join(str(reason or "").split())[:300]
    k.save(update_fields=["revoked_at", "revoke_reason"])
    publish(
        Event(
            "open311.apikey.revoked", "open311.apikey", k.pk, k.polres_id, before=before, after=_snapshot(k)
        )
    )
    return k


def authenticate(clear: Any, client: str = "") -> ApiKey:
    """The live key for `clear`, counted against its hourly limit; Forbidden when missing or unknown (a
    miss against `client`'s lookup limit, so keys cannot be guessed from one address)."""
    clear = str(clear or "").strip()
    with misses_limited(client):
        if not clear:
            raise Forbidden(_("An api_key is required to submit a request."), code="api_key")
        k = ApiKey.objects.filter(key_hash=digest(clear)).select_related("polres").first()
        if k is None or k.revoked_at is not None:
            raise Forbidden(_("The api_key is not valid."), code="api_key")
    limit_or_raise("open311-key", str(k.pk), k.rate_per_hour, RATE_WINDOW_S)
    return k


def mark_used(k: ApiKey, at=None) -> None:
    ApiKey.objects.filter(pk=k.pk).update(last_used_at=at or timezone.now())
