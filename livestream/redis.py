"""Shared Redis clients (when REDIS_URL is set): one sync pool per process, one async client per event loop.

Both fail fast when Redis is away (a 2 s connect timeout, two quick retries) so that callers can degrade at
once - the room hub tells its sockets to retry, the cache fails open - instead of every caller waiting
seconds on redis-py's default ten retries. ``REDIS_UNAVAILABLE`` is what "Redis is away" raises.
"""

import asyncio
import threading
import weakref

import redis
import redis.asyncio as aioredis
from django.conf import settings
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

REDIS_UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)
CONNECT_TIMEOUT = 2.0
RETRIES = 2


def fast_retry() -> Retry:
    return Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), RETRIES)


def fast_retry_async() -> AsyncRetry:
    return AsyncRetry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), RETRIES)


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
                _sync_client = redis.Redis.from_url(
                    settings.REDIS_URL,
                    decode_responses=True,
                    health_check_interval=30,
                    socket_connect_timeout=CONNECT_TIMEOUT,
                    retry=fast_retry(),
                )
    return _sync_client


def redis_async() -> aioredis.Redis:
    """The async client for the running event loop (redis.asyncio clients are bound to one loop)."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        # socket_timeout None: a pub/sub read blocks for as long as the room is quiet.
        client = aioredis.Redis.from_url(
            settings.REDIS_URL,
            decode_responses=True,
            socket_timeout=None,
            health_check_interval=30,
            socket_connect_timeout=CONNECT_TIMEOUT,
            retry=fast_retry_async(),
        )
        _async_clients[loop] = client
    return client
