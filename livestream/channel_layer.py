"""channels_redis's layer, with a Redis outage handed to consumers as an event instead of an exception.

A consumer's ``channel_layer.receive`` runs beside its socket for the socket's whole life; when Redis goes
away, channels_redis raises there and Channels lets the exception kill the consumer (the client sees 1006 and
the server logs "Exception in ASGI application"). Here the consumer gets ``{"type": "channel_layer.lost"}``
instead and decides what to do (the chat consumer closes 1011 with a retry hint); further receives on that
channel wait quietly until the consumer is gone.
"""

import asyncio
import logging
import time

from channels_redis.core import RedisChannelLayer as BaseRedisChannelLayer

from livestream.redis import REDIS_UNAVAILABLE

logger = logging.getLogger(__name__)

LOST = "channel_layer.lost"


class RedisChannelLayer(BaseRedisChannelLayer):
    _last_logged = 0.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lost: set[str] = set()

    async def receive(self, channel):
        if channel in self._lost:
            try:  # told once; the consumer is closing, and this wait is cancelled when it is gone
                await asyncio.Event().wait()
            finally:
                self._lost.discard(channel)
        try:
            return await super().receive(channel)
        except REDIS_UNAVAILABLE as exc:
            now = time.monotonic()
            if now - RedisChannelLayer._last_logged > 10:
                RedisChannelLayer._last_logged = now
                logger.warning("channel layer: Redis is away (%s); its sockets are told to retry", exc)
            self._lost.add(channel)
            return {"type": LOST}

    async def flush(self):
        self._lost.clear()
        await super().flush()
