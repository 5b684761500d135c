from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.models import Device

from .realtime import groups_for


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

    async def disconnect(self, code):
        for g in getattr(self, "groups_joined", []):
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
