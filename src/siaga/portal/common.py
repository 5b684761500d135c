"""Shared by every portal capability (SOS, reports, SP2HP, and part B's letters, alerts, …):
the portal's service account, idempotency keys, tracking codes, keyed hashes, rate limits, and which
Polres a public submission belongs to.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from siaga.core.context import acting
from siaga.core.errors import Forbidden, Invalid, NotFound, ServiceError

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LEN = 10  # 50 bits: unguessable at the lookup rate limits
# lookups by a secret code (tracking codes, private codes, SOS and escort keys): unknown codes or wrong
# private codes per client address per window, across every public lookup, before the address waits
LOOKUP_MISSES = (20, 900)
PORTAL_USERNAME = "siaga.portal"


class TooMany(ServiceError):
    status = 429
    code = "rate_limited"


def check_key(key: Any, field: str = "key") -> str:
    """A client-generated idempotency key: 16-64 letters, digits, '-' or '_' (a UUID fits)."""
    key = str(key or "").strip()
    if not KEY_RE.match(key):
        raise Invalid(
            _("The submission key must be 16 to 64 letters, digits, '-' or '_'."),
            code="idempotency_key",
            field=field,
        )
    return key


def new_tracking_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(CODE_LEN))


def insert_with_tracking_code(obj, key: str):
    """Insert a new public submission under a fresh tracking code. Returns (row, created): when a retry
    with the same idempotency key raced this one and won, its row, so the citizen sees one submission."""
    from django.db import IntegrityError, transaction

    model = type(obj)
    for _attempt in range(10):  # 10^-12-ish odds of a clash each; the unique index is the real guard
        obj.tracking_code = new_tracking_code()
        if not model.objects.filter(tracking_code=obj.tracking_code).exists():
            break
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        winner = model.objects.filter(key=key).first()
        if winner is None:
            raise
        return winner, False
    return obj, True


def normalise_code(text: str) -> str:
    """Accept what people type: lower case, spaces and dashes, I/L for 1 and O for 0."""
    s = re.sub(r"[\s\-]", "", str(text or "")).upper()
    return s.translate(str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"}))[:40]


def keyed_hash(value: str) -> str:
    """A keyed hash of an identifier (device id, IP address) so the raw value is never stored."""
    if not value:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), str(value).encode(), hashlib.sha256).hexdigest()


def hit(bucket: str, ident: str, limit: int, window_s: int) -> bool:
    """Count one hit of `ident` in `bucket`; True while within `limit` hits per `window_s` seconds.

    Fixed windows in the Django cache (locmem per process by default, Redis at scale)."""
    if not ident:
        return True
    key = _limit_key(bucket, ident)
    cache.add(key, 0, timeout=window_s)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_s)
        n = 1
    return n <= limit


def spent(bucket: str, ident: str, limit: int) -> bool:
    """Has `ident` used up its `limit` in `bucket` (without counting this look)?"""
    if not ident:
        return False
    return (cache.get(_limit_key(bucket, ident)) or 0) >= limit


def _limit_key(bucket: str, ident: str) -> str:
    return f"portal:rl:{bucket}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"


def limit_stored(bucket: str, ident: str, limit: int, window_s: int) -> None:
    """For a submission: refuse it when `ident` has used up `limit` in `bucket`, and count it only once it
    is stored (after commit). A retry after a refusal that stored nothing (the server busy, bad input)
    then never uses up the limit: counted up front, a citizen retrying one report through a few 503s was
    locked out for an hour with nothing filed. Call inside the storing transaction."""
    if spent(bucket, ident, limit):
        raise too_many()
    transaction.on_commit(lambda: hit(bucket, ident, limit, window_s))


def limit_or_raise(bucket: str, ident: str, limit: int, window_s: int) -> None:
    if not hit(bucket, ident, limit, window_s):
        raise too_many()


def too_many() -> TooMany:
    return TooMany(_("Too many attempts. Please wait a few minutes and try again."))


@contextmanager
def misses_limited(client: str, limit: tuple[int, int] | None = None) -> Iterator[None]:
    """Guard a lookup by a secret code: a NotFound or Forbidden raised inside counts one miss for the
    client's address (keyed hash); once it has `limit` misses in the window (default LOOKUP_MISSES),
    every lookup from it is refused (429), even of a code that exists. A found code costs nothing, so
    people following their own submissions are never slowed. No client (a CLI, a job): no limit."""
    n, window_s = limit or LOOKUP_MISSES
    ident = keyed_hash(client)
    if spent("lookup-miss", ident, n):
        raise too_many()
    try:
        yield
    except (NotFound, Forbidden):
        hit("lookup-miss", ident, n, window_s)
        raise


def note_miss(client: str) -> None:
    """Count one miss outside `misses_limited` (a wrong private code that only changes what is shown)."""
    n, window_s = LOOKUP_MISSES
    hit("lookup-miss", keyed_hash(client), n, window_s)


def client_ip(request) -> str:
    """The client's address (the last proxy-appended X-Forwarded-For entry when behind proxies)."""
    count = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if count:
        parts = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(parts) >= count:
            return parts[-count]
    return request.META.get("REMOTE_ADDR", "")


def portal_user(polres):
    """The Polres's portal service account (an operator scoped to the Polres, password unknown to all):
    the actor under which public submissions enter the operations room."""
    from siaga.accounts.models import User
    from siaga.accounts.services import create_user

    name = f"{PORTAL_USERNAME}.{polres.code.lower()}"[:150]
    user = User.objects.filter(username=name).first()
    if user is None:
        with acting(None, "portal-setup"):
            user = create_user(
                name,
                secrets.token_urlsafe(32),
                "operator",
                polres=polres,
                first_name="Portal",
                last_name="publik",
                validate=False,
            )
    return user


def polres_for_point(lat: float | None, lon: float | None):
    """(polres, location or None): the Polres whose area holds the point, else the nearest Polres
    office, else the first Polres. None only when the installation has no Polres at all."""
    from siaga.territory import lookup
    from siaga.territory.models import Polres

    from .stations import haversine_m

    loc = None
    if lat is not None and lon is not None:
        loc = lookup.locate(lon, lat)
        if loc is not None:
            p = None
            if loc.polres_id:
                p = Polres.objects.filter(pk=loc.polres_id).first()
            if p is None:
                p = Polres.objects.filter(region_id=loc.kabkota_code).first()
            if p is not None:
                return p, loc
        placed = [p for p in Polres.objects.order_by("pk") if p.lat is not None and p.lon is not None]
        if placed:
            return min(placed, key=lambda p: haversine_m(lat, lon, p.lat, p.lon)), None
    return Polres.objects.order_by("pk").first(), None
