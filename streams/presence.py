"""Who is watching: live viewer counts across every process, broadcast at most once a second.

With Redis each stream has a sorted set of connection ids scored by when they
expire; every process refreshes its own connections' scores, so a crashed
process's viewers age out instead of being counted for ever. Without Redis
(one process) a set in memory does the same job.

Once a second, per stream whose audience changed, one process (whoever takes
a short Redis lock) reads the count, tells the room (``viewer_count``) and
stores ``current_viewers`` / ``peak_viewers``.
"""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async

from livestream.events import send_event_on_commit
from livestream.redis import redis_async, redis_enabled
from streams.services import stream_viewers_update

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
EXPIRY_SECONDS = 45.0


def _key(stream_id) -> str:
    return f"presence:{stream_id}"


class PresenceTracker:
    """One event loop's share of the presence counts."""

    trackers: dict[asyncio.AbstractEventLoop, "PresenceTracker"] = {}
    _local: dict[str, set[str]] = {}  # without Redis: the whole (single-process) truth

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.connections: dict[str, set[str]] = {}
        self.dirty: set[str] = set()
        self._task: asyncio.Task | None = None

    @classmethod
    def current(cls) -> "PresenceTracker":
        loop = asyncio.get_running_loop()
        tracker = cls.trackers.get(loop)
        if tracker is None:
            for old in [old for old in cls.trackers if old.is_closed()]:
                del cls.trackers[old]
            tracker = cls.trackers[loop] = PresenceTracker(loop)
        return tracker

    async def count(self, stream_id) -> int:
        stream_id = str(stream_id)
        if not redis_enabled():
            return len(self._local.get(stream_id, ()))
        client = redis_async()
        async with client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(_key(stream_id), "-inf", time.time())
            pipe.zcard(_key(stream_id))
            _, count = await pipe.execute()
        return int(count)

    async def join(self, stream_id, connection_id: str) -> None:
        stream_id = str(stream_id)
        self.connections.setdefault(stream_id, set()).add(connection_id)
        if redis_enabled():
            await redis_async().zadd(_key(stream_id), {connection_id: time.time() + EXPIRY_SECONDS})
        else:
            self._local.setdefault(stream_id, set()).add(connection_id)
        self._changed(stream_id)

    async def leave(self, stream_id, connection_id: str) -> None:
        stream_id = str(stream_id)
        local = self.connections.get(stream_id)
        if local is not None:
            local.discard(connection_id)
            if not local:
                del self.connections[stream_id]
        if redis_enabled():
            await redis_async().zrem(_key(stream_id), connection_id)
        else:
            self._local.get(stream_id, set()).discard(connection_id)
        self._changed(stream_id)

    def _changed(self, stream_id: str) -> None:
        self.dirty.add(stream_id)
        if self._task is None or self._task.done():
            self._task = self.loop.create_task(self._run())

    async def _run(self) -> None:
        last_heartbeat = time.monotonic()
        while self.connections or self.dirty:
            await asyncio.sleep(TICK_SECONDS)
            try:
                await self._flush()
                if redis_enabled() and time.monotonic() - last_heartbeat >= HEARTBEAT_SECONDS:
                    await self._heartbeat()
                    last_heartbeat = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("presence: tick failed")

    async def _flush(self) -> None:
        dirty, self.dirty = self.dirty, set()
        for stream_id in dirty:
            if redis_enabled():
                # One process a second speaks for the stream; the others keep it dirty for the next tick.
                took = await redis_async().set(f"presence-tick:{stream_id}", "1", nx=True, px=int(TICK_SECONDS * 900))
                if not took:
                    self.dirty.add(stream_id)
                    continue
            count = await self.count(stream_id)
            await sync_to_async(_store_and_announce)(stream_id, count)

    async def _heartbeat(self) -> None:
        expires = time.time() + EXPIRY_SECONDS
        client = redis_async()
        async with client.pipeline(transaction=False) as pipe:
            for stream_id, connections in self.connections.items():
                if connections:
                    pipe.zadd(_key(stream_id), dict.fromkeys(connections, expires))
                    self.dirty.add(stream_id)  # expired strangers may have left the count
            await pipe.execute()


def _store_and_announce(stream_id: str, count: int) -> None:
    stream_viewers_update(stream_id=stream_id, count=count)
    send_event_on_commit({"type": "viewer_count", "count": count}, room=stream_id)
