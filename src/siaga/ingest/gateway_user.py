"""The Polres's device-gateway service account: the actor under which device panics enter the
operations room (an operator scoped to the Polres, with a password nobody knows)."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from siaga.core.context import acting

GATEWAY_USERNAME = "siaga.gateway"


def gateway_user(polres):
    from siaga.accounts.models import User
    from siaga.accounts.services import create_user

    name = f"{GATEWAY_USERNAME}.{polres.code.lower()}"[:150]
    user = User.objects.filter(username=name).first()
    if user is not None:
        return user
    try:
        with acting(None, "gateway-setup"), transaction.atomic():
            return create_user(
                name,
                secrets.token_urlsafe(32),
                "operator",
                polres=polres,
                first_name="Device",
                last_name="gateway",
                validate=False,
            )
    except IntegrityError:  # another worker made it first
        return User.objects.get(username=name)
