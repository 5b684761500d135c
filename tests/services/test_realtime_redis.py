"""The realtime tests again, on the Redis channel layer (what several processes share at scale)."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from siaga.accounts import services as accounts
from tests.core.world import build_tree
from tests.core.ws import cookie_for, open_socket

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-passphrase-9"


@pytest.fixture
def redis_layer(need_redis, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [need_redis], "prefix": f"siaga-test-{uuid.uuid4().hex[:8]}"},
        }
    }
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    yield layer
    async_to_sync(layer.flush)()


def test_redis_layer_delivers_after_commit_and_not_on_rollback(redis_layer):
    tree = build_tree()
    commander = accounts.create_user("commander_a", PASSWORD, "commander", polres=tree.a)
    patrol_b = accounts.create_user("patrol_b", PASSWORD, "patrol", polres=tree.b)

    def committed():
        accounts.create_user("newcomer", PASSWORD, "patrol", polres=tree.a)

    def rolled_back():
        with pytest.raises(ValueError), transaction.atomic():
            accounts.create_user("ghost", PASSWORD, "patrol", polres=tree.a)
            raise ValueError

    cookie_a, cookie_b = cookie_for(commander), cookie_for(patrol_b)

    async def scenario():
        a, ok_a, _ = await open_socket(cookie_a)
        b, ok_b, _ = await open_socket(cookie_b)
        assert ok_a and ok_b
        try:
            await database_sync_to_async(rolled_back)()
            assert await a.receive_nothing(timeout=0.5)
            await database_sync_to_async(committed)()
            msg = await a.receive_json_from(timeout=5)
            assert msg["name"] == "accounts.user.created" and msg["polres_id"] == tree.a.pk
            assert await a.receive_nothing(timeout=0.3)
            assert await b.receive_nothing(timeout=0.3)
        finally:
            await a.disconnect()
            await b.disconnect()

    async_to_sync(scenario)()


def test_redis_layer_refuses_anonymous_sockets(redis_layer):
    async def attempt():
        comm, connected, code = await open_socket(None)
        await comm.disconnect()
        return connected, code

    assert async_to_sync(attempt)() == (False, 4403)
