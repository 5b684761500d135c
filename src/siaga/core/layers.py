"""The in-memory channel layer of embedded mode (one process, no Redis), made to fan out to hundreds of
sockets.

Channels' InMemoryChannelLayer walks every channel's queue to drop expired messages on every `send`,
`group_send` and `receive` — so one event to N sockets costs O(N²) — starts one task per member on a
`group_send`, and deep-copies the message for each. Here expired messages are dropped at most once per
`clean_interval_s`, a group send puts the message on the members' queues directly, and a message whose
values are all immutable (realtime's pre-encoded events: a type and a JSON text) is copied shallowly.
Semantics otherwise as Channels' layer: per-channel capacity (a full channel misses the message), expiry,
group expiry.

Settings: CHANNEL_LAYERS = {"default": {"BACKEND": "siaga.core.layers.EmbeddedChannelLayer"}}
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

_IMMUTABLE = (str, bytes, int, float, bool, type(None))


def _copy(message: dict) -> dict:
    """What the receiver may not share with the sender: a shallow copy suffices for flat messages."""
    if all(isinstance(v, _IMMUTABLE) for v in message.values()):
        return dict(message)
    return deepcopy(message)


class EmbeddedChannelLayer(InMemoryChannelLayer):
    clean_interval_s = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._cleaned_at < self.clean_interval_s:
            return
        self._cleaned_at = now
        super()._clean_expired()

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, _copy(message)))
        except asyncio.QueueFull as e:
            raise ChannelFull(channel) from e

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _, message = await queue.get()
        finally:
            if queue.empty() and self.channels.get(channel) is queue:
                del self.channels[channel]
        return message

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        members = self.groups.get(group)
        if not members:
            return
        expires = time.time() + self.expiry
        for channel in list(members):
            with contextlib.suppress(asyncio.QueueFull):  # as Channels: a full channel misses it
                self._queue(channel).put_nowait((expires, _copy(message)))
