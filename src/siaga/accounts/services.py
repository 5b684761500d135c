"""Every write to accounts: create users with a role and scope, manage TOTP devices."""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from siaga.core.errors import Forbidden, Invalid
from siaga.core.events import Event, publish
from siaga.core.roles import STAFF_ROLES, Role

from .models import User

KELURAHAN_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")


def _snapshot(u: User) -> dict:
    return {
        "username": u.username,
        "role": u.role,
        "polda": u.polda_id,
        "polres": u.polres_id,
        "polsek": u.polsek_id,
        "kelurahan_code": u.kelurahan_code,
        "is_active": u.is_active,
    }


def _check_scope(role: str, polda, polres, polsek, kelurahan_code: str) -> None:
    """Scopes nest: a Polsek belongs to the Polres, the Polres to the Polda."""
    if polsek is not None and polres is not None and polsek.polres_id != polres.pk:
        raise Invalid(_("The Polsek does not belong to the Polres."), field="polsek")
    if polres is not None and polda is not None and polres.polda_id != polda.pk:
        raise Invalid(_("The Polres does not belong to the Polda."), field="polres")
    if kelurahan_code and not KELURAHAN_CODE.fullmatch(kelurahan_code):
        raise Invalid(_("A kelurahan code looks like 32.75.01.1001."), field="kelurahan_code")
    if kelurahan_code and polsek is None:
        raise Invalid(_("A kelurahan scope needs its Polsek."), field="kelurahan_code")
    if role in STAFF_ROLES and role != Role.ADMIN and not (polda or polres or polsek):
        raise Invalid(_("Staff need a jurisdiction (Polda, Polres or Polsek)."), field="polres")


@transaction.atomic
def create_user(
    username: str,
    password: str,
    role: str,
    *,
    polda=None,
    polres=None,
    polsek=None,
    kelurahan_code: str = "",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    require_2fa: bool = False,
    validate: bool = True,
) -> User:
    if role not in Role.values:
        raise Invalid(_("Unknown role %(role)s.") % {"role": repr(role)}, field="role")
    if User.objects.filter(username=username).exists():
        raise Invalid(
            _("The username %(username)s is taken.") % {"username": repr(username)}, field="username"
        )
    # fill the nesting upward so records can be matched at any level
    if polsek is not None and polres is None:
        polres = polsek.polres
    if polres is not None and polda is None:
        polda = polres.polda
    _check_scope(role, polda, polres, polsek, kelurahan_code)
    user = User(
        username=username,
        role=role,
        polda=polda,
        polres=polres,
        polsek=polsek,
        kelurahan_code=kelurahan_code,
        first_name=first_name,
        last_name=last_name,
        email=email,
        require_2fa=require_2fa,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as e:
            raise Invalid(" ".join(e.messages), field="password") from e
    user.set_password(password)
    user.save()
    publish(
        Event(
            "accounts.user.created", "accounts.user", user.pk, polres_id=user.polres_id, after=_snapshot(user)
        )
    )
    return user


@transaction.atomic
def change_password(user: User, new_password: str, repeat: str) -> User:
    """Set a new password the validators accept. The caller has checked the current one (the log-in
    view's lockout applies to that check). Other sessions of the user end: their stored hash no longer
    matches; the caller keeps its own session with update_session_auth_hash."""
    if new_password != repeat:
        raise Invalid(_("The two new passwords differ."), field="new_password2")
    try:
        validate_password(new_password, user)
    except ValidationError as e:
        raise Invalid(" ".join(e.messages), field="new_password1") from e
    user.set_password(new_password)
    user.save(update_fields=["password"])
    publish(Event("accounts.user.password_changed", "accounts.user", user.pk, polres_id=user.polres_id))
    return user


@transaction.atomic
def pending_totp(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device to enrol (created on first use)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Siaga", confirmed=False)
    return device


@transaction.atomic
def set_active(user: User, active: bool) -> User:
    """Deactivate (or reactivate) an account; an inactive user can neither log in nor read anything."""
    before = _snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    verb = "activated" if active else "deactivated"
    publish(
        Event(
            f"accounts.user.{verb}",
            "accounts.user",
            user.pk,
            polres_id=user.polres_id,
            before=before,
            after=_snapshot(user),
        )
    )
    return user


@transaction.atomic
def confirm_totp(user: User, device: TOTPDevice, token: str) -> bool:
    if device.user_id != user.pk:
        raise Forbidden(_("That device belongs to another user."))
    if not token.strip().isdigit() or not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    publish(Event("accounts.user.2fa_enabled", "accounts.user", user.pk, polres_id=user.polres_id))
    return True


def match_totp(user: User, token: str) -> TOTPDevice | None:
    token = token.strip()
    if not token.isdigit():
        return None
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            return device
    return None
