"""Siaga's ASGI application with embedded mode's channel layer (`siaga.core.layers.EmbeddedChannelLayer`)
in place of Channels' InMemoryChannelLayer, for benchmarks/live_updates.py while the settings still name
Channels' layer: served the same way (uvicorn, one process), the same application otherwise.

Once CHANNEL_LAYERS names the embedded layer, `siaga run` is this variant and the benchmark skips it.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")

from channels.layers import channel_layers
from django.conf import settings

from siaga.asgi import application  # noqa: F401  (sets Django up)
from siaga.core.layers import EmbeddedChannelLayer

LAYER = settings.CHANNEL_LAYERS["default"]
if LAYER["BACKEND"] == "channels.layers.InMemoryChannelLayer":
    channel_layers.set("default", EmbeddedChannelLayer(**LAYER.get("CONFIG", {})))
