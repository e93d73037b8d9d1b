"""Who has a notification socket open now, so a fan-out sends socket events only to them.

A fan-out to 100,000 followers would otherwise make 100,000 channel-layer group sends (a Redis round trip
each) for the few hundred who have a page open. Each open socket counts itself under its user
(``notifications:online:<user id>``, with a time to live its page's pings renew: a process that dies without
closing its sockets leaves counts that expire within ``ONLINE_TTL``). Without Redis (one process, the
in-memory channel layer) the counts live in this process. Reading a page of 2,000 users is one MGET.
"""

import logging
import threading
from collections.abc import Iterable

from livestream.redis import REDIS_UNAVAILABLE, redis_async, redis_enabled, redis_sync

logger = logging.getLogger(__name__)

ONLINE_TTL = 180  # seconds; the page pings every 60
PREFIX = "notifications:online:"

_local: dict[str, int] = {}
_local_lock = threading.Lock()


def _key(user_id) -> str:
    return f"{PREFIX}{user_id}"


async def socket_opened(user_id) -> None:
    if not redis_enabled():
        with _local_lock:
            _local[str(user_id)] = _local.get(str(user_id), 0) + 1
        return
    try:
        pipe = redis_async().pipeline(transaction=True)
        pipe.incr(_key(user_id))
        pipe.expire(_key(user_id), ONLINE_TTL)
        await pipe.execute()
    except REDIS_UNAVAILABLE as exc:
        logger.warning("notification presence: Redis is away (%s)", exc)


async def socket_alive(user_id) -> None:
    if redis_enabled():
        try:
            await redis_async().expire(_key(user_id), ONLINE_TTL)
        except REDIS_UNAVAILABLE as exc:
            logger.warning("notification presence: Redis is away (%s)", exc)


async def socket_closed(user_id) -> None:
    if not redis_enabled():
        with _local_lock:
            left = _local.get(str(user_id), 0) - 1
            if left > 0:
                _local[str(user_id)] = left
            else:
                _local.pop(str(user_id), None)
        return
    try:
        if await redis_async().decr(_key(user_id)) <= 0:
            await redis_async().delete(_key(user_id))
    except REDIS_UNAVAILABLE as exc:
        logger.warning("notification presence: Redis is away (%s)", exc)


def online_user_ids(user_ids: Iterable) -> set:
    """Which of ``user_ids`` have a notification socket open (one MGET). If Redis cannot say, all of them:
    a send to nobody costs a little; a notification never shown live costs the user."""
    ids = list(user_ids)
    if not ids:
        return set()
    if not redis_enabled():
        with _local_lock:
            return {user_id for user_id in ids if _local.get(str(user_id), 0) > 0}
    try:
        counts = redis_sync().mget([_key(user_id) for user_id in ids])
    except REDIS_UNAVAILABLE as exc:
        logger.warning("notification presence: Redis is away (%s); sending to every user", exc)
        return set(ids)
    return {user_id for user_id, count in zip(ids, counts, strict=True) if count and int(count) > 0}
