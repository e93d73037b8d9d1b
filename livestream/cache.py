"""The cache over Redis, failing open: an outage costs the rate limits, not the requests.

The cache holds only what may be lost (DRF's throttle histories, chat's flood and slow-mode counters, a
minute's copy of the blocked terms). When Redis is away, Django's RedisCache raises on every call and every
request that checks a limit answers 500. Here each call answers as if the cache were empty and writable
(``get`` the default, ``add`` True: the limit lets the request through), logs once per outage, and for
``SKIP_SECONDS`` after a failure does not try Redis at all, so requests do not each wait on a connect.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from livestream.redis import CONNECT_TIMEOUT, REDIS_UNAVAILABLE, fast_retry

logger = logging.getLogger(__name__)


class FailOpenRedisCache(RedisCache):
    SKIP_SECONDS = 1.0

    def __init__(self, server, params):
        params = dict(params)
        params["OPTIONS"] = {
            "socket_connect_timeout": CONNECT_TIMEOUT,
            "retry": fast_retry(),
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, params)
        self._skip_until = 0.0
        self._away = False

    def _call(self, method, fallback, *args, **kwargs):
        if self._skip_until > time.monotonic():
            return fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except REDIS_UNAVAILABLE as exc:
            self._skip_until = time.monotonic() + self.SKIP_SECONDS
            if not self._away:
                self._away = True
                logger.warning("cache: Redis is away (%s); rate limits are not applied until it is back", exc)
            return fallback
        if self._away:
            self._away = False
            logger.warning("cache: Redis is back; rate limits apply again")
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call("incr", missing, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache's Redis is away).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
