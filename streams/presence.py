"""Who is watching: live viewer counts across every process, broadcast at most once a second.

With Redis each stream has a sorted set of connections (``<viewer> <connection id>``,
the viewer being ``u:<user id>`` or ``a:<client address>``) scored by when they
expire; the count is of distinct viewers, so one client's many sockets are one
viewer. Each client address also has a sorted set of its open sockets (every
stream), for WS_MAX_PER_ADDRESS; every process refreshes its own connections' scores, so a crashed
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
from livestream.redis import REDIS_UNAVAILABLE, redis_async, redis_enabled
from streams.services import stream_viewers_update

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
EXPIRY_SECONDS = 45.0


def _key(stream_id) -> str:
    return f"presence:{stream_id}"


def _address_key(address: str) -> str:
    return f"presence-addr:{address}"


def _session_key(stream_id, viewer: str) -> str:
    return f"viewer-session:{stream_id}:{viewer}"


def viewer_key(user, address: str | None) -> str:
    """Who a socket belongs to: a signed-in user by id, anyone else by client address."""
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return f"a:{address or 'unknown'}"


def _distinct_viewers(members) -> int:
    return len({member.rsplit(" ", 1)[0] for member in members})


class PresenceTracker:
    """One event loop's share of the presence counts."""

    trackers: dict[asyncio.AbstractEventLoop, "PresenceTracker"] = {}
    _local: dict[str, set[str]] = {}  # without Redis: the whole (single-process) truth
    _local_addresses: dict[str, set[str]] = {}
    _local_sessions: dict[str, tuple[int, float]] = {}

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.connections: dict[str, set[str]] = {}
        self.addresses: dict[str, set[str]] = {}
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
        """Distinct viewers (not sockets) in the stream's room."""
        if not redis_enabled():
            return _distinct_viewers(self._local.get(stream_id, ()))
        client = redis_async()
        async with client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(_key(stream_id), "-inf", time.time())
            pipe.zrange(_key(stream_id), 0, -1)
            _, members = await pipe.execute()
        return _distinct_viewers(members)

    async def admit(self, address: str | None, connection_id: str, limit: int) -> bool:
        """Count a socket against its client address; False (and not counted) past ``limit`` open sockets."""
        if not address or limit <= 0:
            return True
        if redis_enabled():
            key = _address_key(address)
            async with redis_async().pipeline(transaction=False) as pipe:
                pipe.zremrangebyscore(key, "-inf", time.time())
                pipe.zadd(key, {connection_id: time.time() + EXPIRY_SECONDS})
                pipe.zcard(key)
                pipe.expire(key, int(EXPIRY_SECONDS) + 1)
                _, _, open_sockets, _ = await pipe.execute()
            if open_sockets > limit:
                await redis_async().zrem(key, connection_id)
                return False
        else:
            sockets = self._local_addresses.setdefault(address, set())
            if len(sockets) >= limit:
                return False
            sockets.add(connection_id)
        self.addresses.setdefault(address, set()).add(connection_id)
        return True

    async def release(self, address: str | None, connection_id: str) -> None:
        if not address or connection_id not in self.addresses.get(address, ()):
            return
        self.addresses[address].discard(connection_id)
        if not self.addresses[address]:
            del self.addresses[address]
        if redis_enabled():
            await redis_async().zrem(_address_key(address), connection_id)
        else:
            sockets = self._local_addresses.get(address, set())
            sockets.discard(connection_id)
            if not sockets:
                self._local_addresses.pop(address, None)

    async def join(self, stream_id, connection_id: str, viewer: str = "") -> None:
        stream_id = str(stream_id)
        member = f"{viewer or connection_id} {connection_id}"
        self.connections.setdefault(stream_id, set()).add(member)
        if redis_enabled():
            await redis_async().zadd(_key(stream_id), {member: time.time() + EXPIRY_SECONDS})
        else:
            self._local.setdefault(stream_id, set()).add(member)
        self._changed(stream_id)

    async def leave(self, stream_id, connection_id: str, viewer: str = "") -> None:
        stream_id = str(stream_id)
        member = f"{viewer or connection_id} {connection_id}"
        local = self.connections.get(stream_id)
        if local is not None:
            local.discard(member)
            if not local:
                del self.connections[stream_id]
        if redis_enabled():
            await redis_async().zrem(_key(stream_id), member)
        else:
            self._local.get(stream_id, set()).discard(member)
        self._changed(stream_id)

    # A viewer who reconnects within VIEWER_SESSION_RESUME_SECONDS gets their session back, not a new one.

    async def session_for(self, stream_id, viewer: str) -> int | None:
        key = _session_key(stream_id, viewer)
        if redis_enabled():
            found = await redis_async().get(key)
            return int(found) if found else None
        session_id, expires = self._local_sessions.get(key, (None, 0.0))
        return session_id if expires > time.monotonic() else None

    async def remember_session(self, stream_id, viewer: str, session_id: int, seconds: float) -> None:
        key = _session_key(stream_id, viewer)
        if redis_enabled():
            await redis_async().set(key, str(session_id), ex=max(1, int(seconds)))
        else:
            for old in [k for k, (_, expires) in self._local_sessions.items() if expires <= time.monotonic()]:
                del self._local_sessions[old]
            self._local_sessions[key] = (session_id, time.monotonic() + seconds)

    def _changed(self, stream_id: str) -> None:
        self.dirty.add(stream_id)
        if self._task is None or self._task.done():
            self._task = self.loop.create_task(self._run())

    async def _run(self) -> None:
        last_heartbeat = time.monotonic()
        away = False
        while self.connections or self.dirty:
            await asyncio.sleep(TICK_SECONDS)
            try:
                await self._flush()
                if redis_enabled() and (away or time.monotonic() - last_heartbeat >= HEARTBEAT_SECONDS):
                    await self._heartbeat()  # at once after an outage: a restarted Redis has lost the sets
                    last_heartbeat = time.monotonic()
                away = False
            except asyncio.CancelledError:
                raise
            except REDIS_UNAVAILABLE as exc:  # counts wait for Redis; the dirty streams are kept for then
                if not away:
                    logger.warning("presence: Redis is away (%s); viewer counts wait for it", exc)
                away = True
            except Exception:
                logger.exception("presence: tick failed")

    async def _flush(self) -> None:
        dirty, self.dirty = self.dirty, set()
        pending = list(dirty)
        try:
            while pending:
                stream_id = pending[0]
                if redis_enabled():
                    # One process a second speaks for the stream; the others keep it dirty for the next tick.
                    key = f"presence-tick:{stream_id}"
                    took = await redis_async().set(key, "1", nx=True, px=int(TICK_SECONDS * 900))
                    if not took:
                        self.dirty.add(pending.pop(0))
                        continue
                count = await self.count(stream_id)
                await sync_to_async(_store_and_announce)(stream_id, count)
                pending.pop(0)
        finally:
            self.dirty.update(pending)  # a failed tick leaves what it did not finish for the next

    async def _heartbeat(self) -> None:
        expires = time.time() + EXPIRY_SECONDS
        client = redis_async()
        async with client.pipeline(transaction=False) as pipe:
            for stream_id, connections in self.connections.items():
                if connections:
                    pipe.zadd(_key(stream_id), dict.fromkeys(connections, expires))
                    self.dirty.add(stream_id)  # expired strangers may have left the count
            for address, sockets in self.addresses.items():
                pipe.zadd(_address_key(address), dict.fromkeys(sockets, expires))
                pipe.expire(_address_key(address), int(EXPIRY_SECONDS) + 1)
            await pipe.execute()


def _store_and_announce(stream_id: str, count: int) -> None:
    stream_viewers_update(stream_id=stream_id, count=count)
    send_event_on_commit({"type": "viewer_count", "count": count}, room=stream_id)
