"""Siaga's ASGI application with the two fan-out fixes proposed by benchmarks/live_updates.py, so that the
benchmark can measure them beside `siaga run` (served the same way: uvicorn, one process, in-memory layer):

1. `EventConsumer.dispatch` without Channels' per-message `aclose_old_connections()`: Channels'
   AsyncConsumer.dispatch runs `sync_to_async(close_old_connections)()` before every handler, i.e. one
   hop to the single thread-sensitive worker thread per message per socket: 200 sequential thread
   round trips for one event to 200 clients. `siaga_event` touches no database, so it can skip it.
2. The in-memory channel layer cleaning expired messages at most once a second: InMemoryChannelLayer
   walks every channel's queue in `_clean_expired()` on every send and receive, so a group_send to N
   sockets costs O(N²).

Only for the benchmark: the real fixes belong in siaga/core/consumers.py and the CHANNEL_LAYERS setting.
"""

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")

from django.core.asgi import get_asgi_application

django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.layers import InMemoryChannelLayer, channel_layers  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from siaga.core.consumers import EventConsumer  # noqa: E402


class FastEventConsumer(EventConsumer):
    async def dispatch(self, message):
        if message.get("type") == "siaga.event":  # no database here: no close_old_connections hop
            await self.siaga_event(message)
            return
        await super().dispatch(message)


class SparseCleanLayer(InMemoryChannelLayer):
    """Expired-message cleanup at most once a second instead of on every send and receive."""

    _last_clean = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_clean >= 1.0:
            self._last_clean = now
            super()._clean_expired()


if settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer"):
    channel_layers.set("default", SparseCleanLayer(**settings.CHANNEL_LAYERS["default"].get("CONFIG", {})))

application = ProtocolTypeRouter(
    {
        "http": django_asgi,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/events/", FastEventConsumer.as_asgi())]))
        ),
    }
)
