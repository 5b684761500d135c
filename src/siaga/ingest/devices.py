"""Device registry: register, rotate a token, set an MQTT password, deactivate; every change audited.

A device authenticates over HTTP with a bearer token: 192-bit random, shown once when made or rotated,
stored as its SHA-256 (a fast hash suffices for a random secret of this length). Over MQTT the broker
authenticates it with a username and password; the password is stored only in Mosquitto's own
"$7$" format (PBKDF2-SHA512), so that the broker's password file can be written from the table.

`user` is the acting staff member (checked against POLICY "ingest.device" change and their scope); None
is the system (the CLI run by whoever runs the installation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import Scope, can, jurisdiction_filter, restrict, role_allows

from .models import Device, DeviceKind

TOKEN_PREFIX = "sdev_"  # noqa: S105 (a marker, not a secret)
REF_RE = re.compile(r"^[A-Za-z0-9._:@/+-]{1,120}$")
MQTT_USER_RE = re.compile(r"^[A-Za-z0-9._@-]{1,120}$")
FIXED_KINDS = frozenset({DeviceKind.CCTV, DeviceKind.ANPR})  # their events need the camera's place
MOSQUITTO_ITERATIONS = 101  # mosquitto_passwd's default for "$7$"


def token_digest(secret: str) -> str:
    return hashlib.sha256(str(secret).encode()).hexdigest()


def token_matches(token_hash: str, secret: str | None) -> bool:
    """Does the presented secret hash to the stored one (constant-time)?"""
    if not secret or not token_hash or not isinstance(secret, str):
        return False
    return hmac.compare_digest(token_hash, token_digest(secret.strip()))


def mosquitto_hash(
    password: str, *, salt: bytes | None = None, iterations: int = MOSQUITTO_ITERATIONS
) -> str:
    """Mosquitto 2's password-file hash: $7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512>."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, dklen=64)
    b64 = base64.b64encode
    return f"$7${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def mosquitto_check(password: str, encoded: str) -> bool:
    try:
        _empty, seven, iterations, salt, _digest = encoded.split("$")
        if seven != "7":
            return False
        expect = mosquitto_hash(password, salt=base64.b64decode(salt), iterations=int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expect, encoded)


def _snapshot(d: Device) -> dict[str, Any]:
    return {
        "name": d.name,
        "kind": d.kind,
        "ref": d.ref,
        "unit_id": d.unit_id,
        "polsek_id": d.polsek_id,
        "lat": d.lat,
        "lon": d.lon,
        "token_prefix": d.token_prefix,  # never the token nor its hash
        "mqtt_username": d.mqtt_username,
        "active": d.active,
    }


def _publish(name: str, d: Device, before: dict | None = None) -> None:
    publish(Event(name, "ingest.device", d.pk, polres_id=d.polres_id, before=before, after=_snapshot(d)))


def _require_change(user, polres) -> None:
    if user is None:
        return
    if not role_allows(user, "ingest.device", "change"):
        raise Forbidden(_("You may not manage devices."))
    from siaga.territory.models import Polres

    q = jurisdiction_filter(user, Scope(polda="polda", polres="pk"))
    if q is not None and not Polres.objects.filter(q, pk=polres.pk).exists():
        raise Forbidden(_("This Polres is outside your jurisdiction."))


def _new_token() -> tuple[str, str, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(24)
    return secret, secret[: len(TOKEN_PREFIX) + 6], token_digest(secret)


def _point(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    if lat in (None, "") and lon in (None, ""):
        return None, None
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as e:
        raise Invalid(_("Latitude and longitude must be numbers."), field="lat") from e
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180) or (
        lat == 0 and lon == 0
    ):
        raise Invalid(_("The device's position is not valid."), field="lat")
    return lat, lon


def register(
    polres,
    *,
    name: str,
    kind: str,
    ref: str,
    unit: Any = None,
    polsek: Any = None,
    lat: Any = None,
    lon: Any = None,
    user=None,
) -> tuple[Device, str]:
    """A new active device: (device, token). The token is not stored and cannot be shown again."""
    from siaga.cad.models import Unit
    from siaga.territory.models import Polsek

    _require_change(user, polres)
    name = str(name or "").strip()
    if not 1 <= len(name) <= 120:
        raise Invalid(_("A device needs a name of 1 to 120 characters."), field="name")
    if kind not in DeviceKind.values:
        raise Invalid(_("Unknown device kind %(k)s.") % {"k": str(kind)[:30]}, field="kind")
    ref = str(ref or "").strip()
    if not REF_RE.match(ref):
        raise Invalid(_("The device id must be 1 to 120 letters, digits or . _ : @ / + -."), field="ref")
    lat, lon = _point(lat, lon)
    if kind in FIXED_KINDS and lat is None:
        raise Invalid(_("A camera needs its position."), field="lat")
    unit_pk = getattr(unit, "pk", unit)
    if unit_pk not in (None, "") and not Unit.objects.filter(pk=unit_pk, polres=polres).exists():
        raise Invalid(_("The unit is not one of this Polres."), field="unit_id")
    polsek_pk = getattr(polsek, "pk", polsek)
    if polsek_pk not in (None, "") and not Polsek.objects.filter(pk=polsek_pk, polres=polres).exists():
        raise Invalid(_("The Polsek is not one of this Polres."), field="polsek_id")
    secret, prefix, digest = _new_token()
    try:
        with transaction.atomic():
            d = Device.objects.create(
                polres=polres,
                polsek_id=polsek_pk or None,
                name=name,
                kind=kind,
                ref=ref,
                unit_id=unit_pk or None,
                lat=lat,
                lon=lon,
                token_prefix=prefix,
                token_hash=digest,
                created_at=timezone.now(),
            )
            _publish("ingest.device.registered", d)
    except IntegrityError as e:
        raise Conflict(_("A device with this id is already registered."), code="duplicate") from e
    return d, secret


def get_device(user, key: Any, action: str = "view") -> Device:
    """A device by pk or ref, through the read gate (None: the system)."""
    qs = Device.objects.all() if user is None else restrict(Device.objects.all(), user, "view")
    key = str(key).strip()
    d = (qs.filter(pk=int(key)) if key.isdigit() else qs.filter(ref=key)).first()
    if d is None:
        raise NotFound(_("Device not found."))
    if user is not None and action == "change" and not can(user, "change", d):
        raise Forbidden(_("You may not manage devices."))
    return d


def _locked(user, key: Any) -> Device:
    d = get_device(user, key, "change")
    return Device.objects.select_for_update().get(pk=d.pk)


@transaction.atomic
def rotate_token(key: Any, *, user=None) -> tuple[Device, str]:
    """A new token for the device; the old one stops working at once."""
    d = _locked(user, key)
    before = _snapshot(d)
    secret, d.token_prefix, d.token_hash = _new_token()
    d.save(update_fields=["token_prefix", "token_hash"])
    _publish("ingest.device.token_rotated", d, before)
    return d, secret


@transaction.atomic
def set_mqtt_password(key: Any, username: str, password: str, *, user=None) -> Device:
    """Give the device MQTT credentials (the broker's password file is written from these hashes)."""
    d = _locked(user, key)
    username = str(username or "").strip()
    if not MQTT_USER_RE.match(username):
        raise Invalid(_("The MQTT username must be 1 to 120 letters, digits or . _ @ -."), field="username")
    if not isinstance(password, str) or not 12 <= len(password) <= 200:
        raise Invalid(_("The MQTT password must be 12 to 200 characters."), field="password")
    if Device.objects.filter(mqtt_username=username).exclude(pk=d.pk).exists():
        raise Conflict(_("This MQTT username is taken."), code="duplicate")
    before = _snapshot(d)
    d.mqtt_username, d.mqtt_password_hash = username, mosquitto_hash(password)
    d.save(update_fields=["mqtt_username", "mqtt_password_hash"])
    _publish("ingest.device.mqtt_password_set", d, before)
    return d


@transaction.atomic
def deactivate(key: Any, *, user=None) -> Device:
    """The device's messages are refused from now on (its history stays)."""
    d = _locked(user, key)
    if not d.active:
        return d
    before = _snapshot(d)
    d.active = False
    d.save(update_fields=["active"])
    _publish("ingest.device.deactivated", d, before)
    return d
