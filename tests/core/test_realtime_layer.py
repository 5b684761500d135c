"""Embedded mode's channel layer (siaga.core.layers.EmbeddedChannelLayer) and the once-encoded events:
the layer keeps Channels' semantics (groups, copies, capacity, expiry), and staff sockets on it still hear
exactly the events of their command, each event encoded once however many sockets listen."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.db import transaction

from siaga.accounts import services as accounts
from siaga.core import realtime
from siaga.core.consumers import EventConsumer
from siaga.core.events import Event
from siaga.core.layers import EmbeddedChannelLayer
from tests.core.world import build_tree
from tests.core.ws import cookie_for

from .test_realtime import PASSWORD, new_officer, run

EMBEDDED = {"default": {"BACKEND": "siaga.core.layers.EmbeddedChannelLayer"}}


def layer_run(scenario, **kw):
    return asyncio.run(scenario(EmbeddedChannelLayer(**kw)))


class TestLayer:
    def test_group_send_reaches_each_member_once_and_no_one_else(self):
        async def scenario(layer):
            names = [await layer.new_channel() for _ in range(5)]
            for n in names[:3]:
                await layer.group_add("siaga.polres.1", n)
            await layer.group_add("siaga.polres.2", names[3])
            await layer.group_send("siaga.polres.1", {"type": "siaga.event", "text": "x"})
            got = [await asyncio.wait_for(layer.receive(n), 1) for n in names[:3]]
            assert got == [{"type": "siaga.event", "text": "x"}] * 3
            for n in names[3:]:
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(layer.receive(n), 0.05)
            await layer.group_discard("siaga.polres.1", names[0])
            await layer.group_send("siaga.polres.1", {"type": "siaga.event", "text": "y"})
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(layer.receive(names[0]), 0.05)
            assert (await layer.receive(names[1]))["text"] == "y"

        layer_run(scenario)

    def test_receivers_get_copies_flat_or_nested(self):
        async def scenario(layer):
            a, b = await layer.new_channel(), await layer.new_channel()
            for n in (a, b):
                await layer.group_add("g", n)
            for msg in ({"type": "t", "text": "x"}, {"type": "t", "data": {"n": [1]}}):
                await layer.group_send("g", msg)
                got_a, got_b = await layer.receive(a), await layer.receive(b)
                assert got_a == got_b == msg and got_a is not msg and got_a is not got_b
                got_a["type"] = "changed"
                if "data" in msg:
                    got_a["data"]["n"].append(2)
                    assert msg["data"]["n"] == [1] and got_b["data"]["n"] == [1]
                assert got_b["type"] == msg["type"] == "t"

        layer_run(scenario)

    def test_a_full_channel_misses_group_messages_and_refuses_direct_ones(self):
        async def scenario(layer):
            full, ok = await layer.new_channel(), await layer.new_channel()
            for n in (full, ok):
                await layer.group_add("g", n)
            await layer.send(full, {"type": "t", "k": 0})
            await layer.group_send("g", {"type": "t", "k": 1})  # no error: `full` misses it
            assert (await layer.receive(full))["k"] == 0
            assert (await layer.receive(ok))["k"] == 1
            await layer.send(full, {"type": "t", "k": 2})
            with pytest.raises(ChannelFull):
                await layer.send(full, {"type": "t", "k": 3})

        layer_run(scenario, capacity=1)

    def test_expired_messages_are_dropped_and_their_channel_leaves_its_groups(self):
        async def scenario(layer):
            layer.clean_interval_s = 0
            stale, live = await layer.new_channel(), await layer.new_channel()
            for n in (stale, live):
                await layer.group_add("g", n)
            await layer.group_send("g", {"type": "t", "k": 1})
            assert (await layer.receive(live))["k"] == 1
            await asyncio.sleep(1.1)  # `stale` never read its message: expired
            await layer.group_send("g", {"type": "t", "k": 2})
            assert stale not in layer.groups.get("g", {}) and stale not in layer.channels
            assert (await layer.receive(live))["k"] == 2

        layer_run(scenario, expiry=1)

    def test_cleaning_is_rate_limited(self, monkeypatch):
        calls = []
        monkeypatch.setattr(
            "channels.layers.InMemoryChannelLayer._clean_expired", lambda self: calls.append(1)
        )

        async def scenario(layer):
            layer.clean_interval_s = 60.0  # far longer than the loop, however loaded the machine
            n = await layer.new_channel()
            await layer.group_add("g", n)
            for k in range(50):
                await layer.group_send("g", {"type": "t", "k": k})
                await layer.receive(n)

        layer_run(scenario)
        assert len(calls) == 1  # not 100: one walk of all queues per interval at most


def test_an_event_is_encoded_once_as_its_payload():
    ev = Event("cad.incident.created", "cad.incident", 7, polres_id=3, data={"number": "BKS/1"})
    msg = realtime.message(ev)
    assert set(msg) == {"type", "text"} and msg["type"] == "siaga.event"
    assert json.loads(msg["text"]) == {
        "name": "cad.incident.created",
        "object_type": "cad.incident",
        "object_id": "7",
        "polres_id": 3,
        "data": {"number": "BKS/1"},
    }


@pytest.mark.django_db(transaction=True)
class TestSocketsOnTheEmbeddedLayer:
    @pytest.fixture(autouse=True)
    def embedded(self, settings):
        settings.CHANNEL_LAYERS = EMBEDDED
        assert type(get_channel_layer()) is EmbeddedChannelLayer

    def test_many_sockets_hear_their_commands_events_only_encoded_once(self, monkeypatch):
        tree = build_tree()
        mk = accounts.create_user
        people = {
            **{f"a{k}": mk(f"a{k}", PASSWORD, "commander", polres=tree.a) for k in range(6)},
            **{f"s1_{k}": mk(f"s1_{k}", PASSWORD, "operator", polsek=tree.s1) for k in range(3)},
            **{f"b{k}": mk(f"b{k}", PASSWORD, "patrol", polres=tree.b) for k in range(4)},
            "polda": mk("polda", PASSWORD, "commander", polda=tree.polda),
        }
        listeners = {n: cookie_for(u) for n, u in people.items()}
        encodings = []
        real_message = realtime.message
        monkeypatch.setattr(realtime, "message", lambda ev: encodings.append(ev.name) or real_message(ev))

        async def per_socket(cls, content):
            raise AssertionError("an event must not be encoded per socket")

        monkeypatch.setattr(EventConsumer, "encode_json", classmethod(per_socket))
        heard = run(tree, listeners, new_officer(tree))
        for name, msgs in heard.items():
            if name.startswith("b"):
                assert msgs == [], name  # Polres B hears nothing of Polres A
            else:
                assert [m["name"] for m in msgs] == ["accounts.user.created"], name
                assert msgs[0]["polres_id"] == tree.a.pk and "type" not in msgs[0]
        assert encodings == ["accounts.user.created"]  # one event, 14 sockets: one encoding

    def test_a_rolled_back_transaction_sends_nothing(self):
        tree = build_tree()
        commander = accounts.create_user("commander_a", PASSWORD, "commander", polres=tree.a)

        def write():
            with pytest.raises(ValueError), transaction.atomic():
                accounts.create_user("ghost", PASSWORD, "patrol", polres=tree.a)
                raise ValueError

        assert run(tree, {"c": cookie_for(commander)}, write) == {"c": []}


def test_old_style_messages_still_reach_the_socket():
    """A sender on a shared Redis layer that predates the pre-encoded message."""
    sent = []

    class Probe(EventConsumer):
        async def send(self, text_data=None, bytes_data=None, close=False):
            sent.append(text_data)

    msg = {"type": "siaga.event", "name": "x.y.z", "object_type": "x", "object_id": "1", "polres_id": None}
    async_to_sync(Probe().siaga_event)(msg)
    assert json.loads(sent[0]) == {k: v for k, v in msg.items() if k != "type"}
