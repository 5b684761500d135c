"""Realtime over Channels (in-memory layer): staff sockets hear events after commit, scoped by command;
anonymous, citizen and not-yet-2FA-verified sockets are refused; a rollback sends nothing."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from siaga.accounts import services as accounts
from tests.core.world import build_tree
from tests.core.ws import cookie_for, open_socket

# sockets authenticate in other threads, and events leave only after a real commit
pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-passphrase-9"


@pytest.fixture
def tree():
    return build_tree()


@pytest.fixture
def people(tree):
    mk = accounts.create_user
    return {
        "commander_a": mk("commander_a", PASSWORD, "commander", polres=tree.a),
        "operator_s1": mk("operator_s1", PASSWORD, "operator", polsek=tree.s1),
        "patrol_b": mk("patrol_b", PASSWORD, "patrol", polres=tree.b),
        "commander_polda": mk("commander_polda", PASSWORD, "commander", polda=tree.polda),
        "citizen": mk("citizen", PASSWORD, "citizen"),
    }


def run(tree, listeners: dict[str, bytes], write) -> dict[str, list[dict]]:
    """Open one socket per listener, run `write` (sync, in a transaction of its own), collect messages."""

    async def scenario():
        socks = {}
        for name, cookie in listeners.items():
            comm, connected, code = await open_socket(cookie)
            assert connected, (name, code)
            socks[name] = comm
        try:
            await database_sync_to_async(write)()
            heard: dict[str, list[dict]] = {}
            for name, comm in socks.items():
                heard[name] = []
                while not await comm.receive_nothing(timeout=0.3):
                    heard[name].append(await comm.receive_json_from())
            return heard
        finally:
            for comm in socks.values():
                await comm.disconnect()

    return async_to_sync(scenario)()


def new_officer(tree, name="newcomer"):
    return lambda: accounts.create_user(name, PASSWORD, "patrol", polres=tree.a)


def test_staff_receive_a_service_event_after_commit_scoped_by_command(tree, people):
    listeners = {
        n: cookie_for(people[n]) for n in ("commander_a", "operator_s1", "patrol_b", "commander_polda")
    }
    heard = run(tree, listeners, new_officer(tree))
    for name in ("commander_a", "operator_s1", "commander_polda"):
        assert [m["name"] for m in heard[name]] == ["accounts.user.created"], name
        msg = heard[name][0]
        assert msg["polres_id"] == tree.a.pk and msg["object_type"] == "accounts.user"
        assert "type" not in msg
    assert heard["patrol_b"] == []  # Polres B hears nothing of Polres A


def test_a_rolled_back_transaction_sends_nothing(tree, people):
    def doomed():
        with transaction.atomic():
            accounts.create_user("ghost", PASSWORD, "patrol", polres=tree.a)
            raise ValueError("rolled back")

    def write():
        with pytest.raises(ValueError):
            doomed()

    heard = run(tree, {"commander_a": cookie_for(people["commander_a"])}, write)
    assert heard["commander_a"] == []


def test_anonymous_and_citizen_sockets_are_refused(people):
    async def attempt(cookie):
        comm, connected, code = await open_socket(cookie)
        await comm.disconnect()
        return connected, code

    assert async_to_sync(attempt)(None) == (False, 4403)
    assert async_to_sync(attempt)(cookie_for(people["citizen"])) == (False, 4403)
    accounts.set_active(people["patrol_b"], False)
    assert async_to_sync(attempt)(cookie_for(people["patrol_b"]))[0] is False


def test_a_socket_needs_the_second_factor_like_the_pages(tree):
    """Bug fixed: the WebSocket did not ask for the TOTP step that pages and the API ask for."""
    guarded = accounts.create_user("guarded", PASSWORD, "commander", polres=tree.a, require_2fa=True)
    client = Client()
    client.force_login(guarded)

    async def attempt(cookie):
        comm, connected, code = await open_socket(cookie)
        await comm.disconnect()
        return connected, code

    assert async_to_sync(attempt)(cookie_for(client=client)) == (False, 4403)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=guarded)
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/accounts/2fa/setup/", {"token": token}).status_code == 302
    assert async_to_sync(attempt)(cookie_for(client=client)) == (True, None)


def _positions(tree, n):
    """A commit publishing n unit-position events of Polres A (as a device-gateway batch does)."""
    from siaga.core.events import Event, publish_many

    def write():
        with transaction.atomic():
            publish_many(
                [
                    Event(
                        "cad.unit.position", "cad.unit", k, polres_id=tree.a.pk, data={"lat": k}, audit=False
                    )
                    for k in range(n)
                ]
            )

    return write


def test_a_commit_with_many_events_reaches_each_socket_as_one_frame_in_order(tree, people):
    from siaga.core import realtime

    listeners = {n: cookie_for(people[n]) for n in ("commander_a", "commander_polda", "patrol_b")}
    n = realtime.COALESCE_AT + 12
    heard = run(tree, listeners, _positions(tree, n))
    for name in ("commander_a", "commander_polda"):
        assert len(heard[name]) == 1 and isinstance(heard[name][0], list), name  # one frame
        assert [e["object_id"] for e in heard[name][0]] == [str(k) for k in range(n)]  # commit order
        assert {e["name"] for e in heard[name][0]} == {"cad.unit.position"}
    assert heard["patrol_b"] == []


def test_a_commit_with_few_events_sends_one_frame_each(tree, people):
    from siaga.core import realtime

    n = realtime.COALESCE_AT
    heard = run(tree, {"commander_a": cookie_for(people["commander_a"])}, _positions(tree, n))
    assert [m["object_id"] for m in heard["commander_a"]] == [str(k) for k in range(n)]
