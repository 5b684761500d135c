import asyncio
import contextlib
import logging
import os

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.models import Device
from redis.exceptions import RedisError

from .realtime import groups_for

log = logging.getLogger(__name__)
# A shared (Redis) layer forgets group members when Redis restarts empty, and after its group_expiry
# (a day): each socket adds itself again this often, so live delivery resumes by itself.
GROUP_REFRESH_S = float(os.environ.get("SIAGA_WS_GROUP_REFRESH_S", "20"))
_layer_errors = {"closed": 0}


def layer_errors() -> dict[str, int]:
    """Sockets of this process closed because the channel layer could not be reached."""
    return dict(_layer_errors)


def _transport_error(e: BaseException) -> bool:
    """The channel layer could not be reached (not: the client went away, an OSError of the server's)."""
    return isinstance(e, RedisError | ConnectionRefusedError | ConnectionResetError | asyncio.TimeoutError)


def second_factor_ok(user, session) -> bool:
    """The WebSocket twin of SecondFactorMiddleware: a user who has (or must have) a TOTP device
    is let in only with a session verified by one of their own confirmed devices."""
    if not (user.require_2fa or user_has_device(user, confirmed=True)):
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    with transaction.atomic():  # for_verify locks the device row (select_for_update)
        device = Device.from_persistent_id(persistent_id, for_verify=True)
    return device is not None and device.user_id == user.pk and device.confirmed


class EventConsumer(AsyncJsonWebsocketConsumer):
    """Streams domain events of the user's Polres (its Polda's, or all for an unscoped admin).

    Finer filtering (Polsek, kelurahan) happens in the page: each event names its object, and the
    page refetches through the restricted API, so the read gate stays the one in restrict().
    """

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except Exception as e:
            if not _transport_error(e):
                raise
            # the layer is unreachable (Redis down): close instead of crashing, so the page falls back to
            # polling and reconnects with backoff (static/siaga/ops.js `connection`)
            _layer_errors["closed"] += 1
            log.warning("live socket closed, channel layer unreachable: %s: %s", type(e).__name__, e)
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": 1011})
        finally:
            if (task := getattr(self, "_refresher", None)) is not None:
                task.cancel()

    async def connect(self):
        user = self.scope.get("user")
        if (
            user is None
            or not user.is_authenticated
            or not user.is_active
            or not getattr(user, "is_staff_role", False)
            or not await database_sync_to_async(second_factor_ok)(user, self.scope.get("session"))
        ):
            await self.close(code=4403)
            return
        self.groups_joined = groups_for(user)
        for g in self.groups_joined:
            await self.channel_layer.group_add(g, self.channel_name)
        await self.accept()
        if GROUP_REFRESH_S > 0 and not isinstance(self.channel_layer, InMemoryChannelLayer):
            self._refresher = asyncio.get_running_loop().create_task(self._refresh_groups())

    async def _refresh_groups(self):
        try:
            while True:
                await asyncio.sleep(GROUP_REFRESH_S)
                for g in self.groups_joined:
                    await self.channel_layer.group_add(g, self.channel_name)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if not _transport_error(e):
                raise
            _layer_errors["closed"] += 1
            log.warning("live socket closed, channel layer unreachable: %s: %s", type(e).__name__, e)
            with contextlib.suppress(Exception):
                await self.close(code=1011)

    async def disconnect(self, code):
        if (task := getattr(self, "_refresher", None)) is not None:
            task.cancel()
        for g in getattr(self, "groups_joined", []):
            with contextlib.suppress(Exception):  # a layer that is down forgets the member anyway
                await self.channel_layer.group_discard(g, self.channel_name)

    async def siaga_event(self, message):
        text = message.get("text")  # encoded once per event by realtime.message
        if text is None:  # a message from an older sender on a shared (Redis) layer
            text = await self.encode_json({k: v for k, v in message.items() if k != "type"})
        await self.send(text_data=text)

    async def dispatch(self, message):
        # An event push touches no database, so skip Channels' close_old_connections hop to a worker
        # thread before it: with 200 sockets that hop, made once per socket per event, was about half
        # of the fan-out cost (benchmarks/live_updates).
        if message.get("type") == "siaga.event":
            await self.siaga_event(message)
            return
        await super().dispatch(message)
