"""API keys: shown once, stored as a hash, made and revoked only by an administrator (or the shell),
audited without the key; the `siaga open311 key` command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from siaga.core.errors import Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.open311 import keys
from siaga.open311.models import ApiKey

from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_its_hash(ops):
    k, clear = keys.create_key(ops.u("admin"), name="Aplikasi A", contact="a@a.example", polres=ops.polres)
    assert clear.startswith("s311_") and len(clear) >= 40
    row = ApiKey.objects.values().get(pk=k.pk)
    assert clear not in str(row) and row["key_hash"] == keys.digest(clear)
    assert keys.authenticate(clear) == k
    entry = AuditEntry.objects.get(action="open311.apikey.created")
    assert clear not in str(entry.__dict__) and row["key_hash"] not in str(entry.__dict__)


@pytest.mark.parametrize("who", ["operator", "commander", "kabag", "citizen", "other_disp"])
def test_only_an_admin_manages_keys(ops, who):
    with pytest.raises(Forbidden):
        keys.create_key(ops.u(who), name="X", contact="x@x.example", polres=ops.polres)
    k, _ = keys.create_key(None, name="Y", contact="y@y.example", polres=ops.polres)
    with pytest.raises((Forbidden, NotFound)):
        keys.revoke_key(ops.u(who), k.pk, reason="no")
    assert ApiKey.objects.count() == 1 and ApiKey.objects.get().revoked_at is None


def test_admin_of_another_polres_cannot_make_a_key_here(ops):
    from siaga.accounts.services import create_user
    from siaga.core.context import acting

    with acting(None, "t"):
        other_admin = create_user("admin_b", "Sandi-Rahasia-123", "admin", polres=ops.other, validate=False)
    with pytest.raises(Forbidden):
        keys.create_key(other_admin, name="X", contact="x@x.example", polres=ops.polres)


@pytest.mark.parametrize(
    "over",
    [{"name": ""}, {"name": "x" * 121}, {"contact": ""}, {"rate_per_hour": 0}, {"rate_per_hour": "many"}],
)
def test_bad_key_input_is_refused(ops, over):
    kw = {"name": "App", "contact": "a@a.example", "polres": ops.polres, **over}
    with pytest.raises(Invalid):
        keys.create_key(ops.u("admin"), **kw)
    assert ApiKey.objects.count() == 0


def test_revoked_key_stops_working(ops):
    k, clear = keys.create_key(None, name="App", contact="a@a.example", polres=ops.polres)
    keys.revoke_key(ops.u("admin"), k.pk, reason="bocor")
    with pytest.raises(Forbidden):
        keys.authenticate(clear)
    with pytest.raises(Forbidden):
        keys.authenticate("")
    assert AuditEntry.objects.filter(action="open311.apikey.revoked").count() == 1


def test_command_creates_lists_and_revokes(ops):
    out = io.StringIO()
    call_command(
        "open311", "key", "create", "--name", "Aplikasi CLI", "--contact", "cli@x.example", stdout=out
    )
    lines = out.getvalue().strip().splitlines()
    clear = lines[-1]
    k = ApiKey.objects.get(name="Aplikasi CLI")
    assert keys.authenticate(clear) == k and k.polres == ops.polres
    out = io.StringIO()
    call_command("open311", "key", "list", stdout=out)
    assert "Aplikasi CLI" in out.getvalue() and clear not in out.getvalue() and "active" in out.getvalue()
    call_command("open311", "key", "revoke", str(k.pk), "--reason", "selesai", stdout=io.StringIO())
    k.refresh_from_db()
    assert k.revoked_at is not None and k.revoke_reason == "selesai"
    with pytest.raises(CommandError):
        call_command("open311", "key", "revoke", "9999", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311", "key", "create", "--name", "X", "--contact", "y", "--polres", "NOPE")


def test_keys_are_visible_to_admins_only(ops):
    keys.create_key(None, name="App", contact="a@a.example", polres=ops.polres)
    assert ApiKey.objects.restrict(ops.u("admin")).count() == 1
    for who in ("operator", "commander", "kabag", "analyst", "citizen", "dispatcher"):
        assert ApiKey.objects.restrict(ops.u(who)).count() == 0
