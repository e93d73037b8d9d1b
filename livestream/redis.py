"""Shared Redis clients (when REDIS_URL is set): one sync pool per process, one async client per event loop."""

import asyncio
import threading
import weakref

import redis
import redis.asyncio as aioredis
from django.conf import settings

_sync_lock = threading.Lock()
_sync_client: redis.Redis | None = None
_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis]" = weakref.WeakKeyDictionary()


def redis_enabled() -> bool:
    return bool(settings.REDIS_URL)


def redis_sync() -> redis.Redis:
    global _sync_client
    if _sync_client is None:
        with _sync_lock:
            if _sync_client is None:
                _sync_client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True, health_check_interval=30)
    return _sync_client


def redis_async() -> aioredis.Redis:
    """The async client for the running event loop (redis.asyncio clients are bound to one loop)."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        # socket_timeout None: a pub/sub read blocks for as long as the room is quiet.
        client = aioredis.Redis.from_url(
            settings.REDIS_URL, decode_responses=True, socket_timeout=None, health_check_interval=30
        )
        _async_clients[loop] = client
    return client
