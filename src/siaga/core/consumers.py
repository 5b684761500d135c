from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .realtime import ALL_GROUP, polres_group


class EventConsumer(AsyncJsonWebsocketConsumer):
    """Streams domain events of the user's Polres (or of all, for installation/Polda-wide staff).

    Finer filtering (Polsek, kelurahan) happens in the page: each event names its object, and the
    page refetches through the restricted API, so the read gate stays the one in restrict().
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not getattr(user, "is_staff_role", False):
            await self.close(code=4403)
            return
        self.groups_joined = [polres_group(user.polres_id) if user.polres_id else ALL_GROUP]
        for g in self.groups_joined:
            await self.channel_layer.group_add(g, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for g in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(g, self.channel_name)

    async def siaga_event(self, message):
        await self.send_json({k: v for k, v in message.items() if k != "type"})
