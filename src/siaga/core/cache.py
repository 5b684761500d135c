"""The scaled mode's cache: Redis, with a process-local stand-in while Redis cannot be reached.

Django's RedisCache raises on every call when Redis is down, and Siaga reads the cache on ordinary
requests (the 2FA device stamp on every signed-in page, the portal rate limits, the public statistics),
so a Redis outage would turn into a site-wide error. Nothing Siaga keeps in the cache is the only copy
of anything: a miss costs a recomputation, a rate-limit count restarted per process is still a limit,
and the 2FA memo is rechecked within a minute anyway. So on a Redis error this backend answers from a
LocMemCache of its own process, and tries Redis again `RETRY_SECONDS` later (default 5): recovery needs
no restart. Each outage is logged once and counted (`stats()`).

Settings: CACHES = {"default": {"BACKEND": "siaga.core.cache.FailoverRedisCache", "LOCATION": url,
"RETRY_SECONDS": 5, "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_lock = threading.Lock()
_counts = {"outages": 0, "fallback_calls": 0}


def stats() -> dict[str, int]:
    """This process's counts: Redis outages seen by the cache, and calls answered locally meanwhile."""
    with _lock:
        return dict(_counts)


def _count(name: str) -> None:
    with _lock:
        _counts[name] += 1


class FailoverRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.retry_s = float(params.get("RETRY_SECONDS", 5))
        self._local = LocMemCache(f"siaga-failover-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self._down_until = 0.0  # monotonic time before which Redis is not asked

    @property
    def redis_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _try(self, name: str, *args, **kwargs):
        if not self.redis_down:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except RedisError as e:
                if self._down_until == 0.0:
                    _count("outages")
                    log.warning("Redis cache unreachable (%s): using a process-local cache meanwhile", e)
                self._down_until = time.monotonic() + self.retry_s
            else:
                if self._down_until:
                    self._down_until = 0.0
                    log.warning("Redis cache reachable again")
                return result
        _count("fallback_calls")
        return getattr(self._local, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._try("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._try("delete", key, version)

    def get_many(self, keys, version=None):
        return self._try("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._try("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._try("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._try("delete_many", keys, version)

    def clear(self):
        self._local.clear()
        return self._try("clear")
