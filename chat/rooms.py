"""The room hub: a stream's viewers on this process, and the one Redis subscription that feeds them.

Every WebSocket process keeps one RoomHub per event loop: the room's local members in a set and, with Redis,
one pub/sub subscription per room that has a local member. An event arrives once as text (from Redis, or
without Redis straight from ``livestream.events``) and the same text is given to every local member's
``deliver`` - a non-blocking call that queues it on the member's own bounded ``Outbox``, so a slow viewer
never holds up the room.

chat owns this because the chat consumer is its only member; writers never see it. They publish with
``livestream.events.send_event_on_commit`` (streams and gifts cannot import chat: chat imports streams).
"""

import asyncio
import logging
import threading
from collections import deque
from typing import Protocol

from livestream.events import CHANNEL_PREFIX, room_channel
from livestream.redis import REDIS_UNAVAILABLE, redis_async, redis_enabled

logger = logging.getLogger(__name__)


class RoomMember(Protocol):
    def deliver(self, text: str) -> None: ...

    def room_lost(self, retry_after: float) -> None: ...


class RoomsUnavailable(Exception):
    """Redis is away: this process cannot carry a room's events now. Try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float):
        super().__init__(f"Live updates are unavailable; try again in {retry_after:.0f} s.")
        self.retry_after = retry_after


class RoomHub:
    """One event loop's rooms. Get it with ``RoomHub.current()`` inside the loop.

    With Redis, a member joins only once its room's subscription is made, and when the subscription's
    connection breaks (Redis restarted, a network blip) the hub does not pretend: it tells every member
    (``member.room_lost(retry_after)``: the socket closes 1011 with the hint), forgets its rooms and its
    pub/sub, and refuses joins for a backoff (1 s, doubling to ``RETRY_CAP``); the next join after it tries a
    fresh connection. Events published meanwhile were never delivered live, so a client that comes back
    fetches what it missed from the history route. No process restart is needed, and nothing waits on Redis
    while it is away.
    """

    RETRY_FIRST = 1.0
    RETRY_CAP = 2.0  # a client waits this (plus jitter) at most: delivery resumes soon after Redis does

    hubs: dict[asyncio.AbstractEventLoop, "RoomHub"] = {}
    _hubs_lock = threading.Lock()

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.rooms: dict[str, set[RoomMember]] = {}
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._subscribe_lock = asyncio.Lock()
        self._failures = 0
        self._down_until = 0.0  # loop time before which joins are refused without trying Redis

    @classmethod
    def dispatch_everywhere(cls, room_id: str, text: str) -> None:
        """Every hub of this process (one per event loop) hands ``text`` to the room's local members.

        Without Redis this is how a room event reaches the sockets (``livestream.events.room_listener_add``,
        registered in ``ChatConfig.ready``); with Redis each hub reads its own subscription instead.
        """
        for hub in list(cls.hubs.values()):
            hub.dispatch_threadsafe(room_id, text)

    @classmethod
    def current(cls) -> "RoomHub":
        loop = asyncio.get_running_loop()
        hub = cls.hubs.get(loop)
        if hub is None:
            with cls._hubs_lock:
                for old in [old for old in cls.hubs if old.is_closed()]:
                    del cls.hubs[old]
                hub = cls.hubs.setdefault(loop, RoomHub(loop))
        return hub

    def retry_after(self) -> float:
        """Seconds until this hub tries Redis again (0 when it is not known to be away)."""
        return max(0.0, self._down_until - self.loop.time())

    async def join(self, room_id, member: RoomMember) -> None:
        """Add a member to the room; RoomsUnavailable (and the member not added) when Redis is away."""
        room_id = str(room_id)
        if not redis_enabled():
            self.rooms.setdefault(room_id, set()).add(member)
            return
        if room_id in self.rooms:  # subscribed already: no await, no lock
            self.rooms[room_id].add(member)
            return
        async with self._subscribe_lock:
            if room_id not in self.rooms:
                wait = self.retry_after()
                if wait > 0:
                    raise RoomsUnavailable(wait)
                try:
                    await self._subscribe(room_id)
                except REDIS_UNAVAILABLE as exc:
                    await self._went_away(exc)
                    raise RoomsUnavailable(self.retry_after()) from exc
                self._failures = 0
                self.rooms[room_id] = set()
            self.rooms[room_id].add(member)

    async def leave(self, room_id, member: RoomMember) -> None:
        room_id = str(room_id)
        members = self.rooms.get(room_id)
        if members is None:
            return
        members.discard(member)
        if not members:
            del self.rooms[room_id]
            if redis_enabled() and self._pubsub is not None:
                async with self._subscribe_lock:
                    if room_id not in self.rooms and self._pubsub is not None:
                        try:
                            await self._pubsub.unsubscribe(room_channel(room_id))
                        except REDIS_UNAVAILABLE as exc:  # the reader notices and recovers; nothing to undo
                            logger.debug("room hub: unsubscribe failed (%s)", exc)

    def members(self, room_id) -> set[RoomMember]:
        return self.rooms.get(str(room_id), set())

    def dispatch(self, room_id: str, text: str) -> None:
        """Hand ``text`` to every local member of the room. Runs in the hub's loop."""
        members = self.rooms.get(room_id)
        if not members:
            return
        for member in tuple(members):
            try:
                member.deliver(text)
            except Exception:  # one broken member must not cost the others their message
                logger.exception("room %s: delivery to a member failed", room_id)

    def dispatch_threadsafe(self, room_id: str, text: str) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.dispatch(room_id, text)
            return
        try:
            self.loop.call_soon_threadsafe(self.dispatch, room_id, text)
        except RuntimeError:  # that loop has closed
            with self._hubs_lock:
                self.hubs.pop(self.loop, None)

    # --- Redis pub/sub --------------------------------------------------------------

    async def _subscribe(self, room_id: str) -> None:
        """Subscribe to the room's channel (caller holds the lock); raises what Redis raises."""
        if self._pubsub is None:
            self._pubsub = redis_async().pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(room_channel(room_id))
        if self._reader is None or self._reader.done():
            self._reader = self.loop.create_task(self._read(self._pubsub))

    async def _read(self, pubsub) -> None:
        prefix_length = len(CHANNEL_PREFIX)
        while pubsub is self._pubsub:
            try:
                if not pubsub.subscribed:
                    await asyncio.sleep(0.05)
                    continue
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except REDIS_UNAVAILABLE as exc:  # the connection broke: every room of this hub lost its feed
                await self._lost(pubsub, exc)
                return
            except Exception as exc:  # anything else the client raises: start over the same way
                logger.exception("room hub: reading the subscription failed")
                await self._lost(pubsub, exc)
                return
            if message is None or message.get("type") != "message":
                continue
            self.dispatch(message["channel"][prefix_length:], message["data"])

    async def _lost(self, pubsub, exc: BaseException) -> None:
        async with self._subscribe_lock:
            if pubsub is self._pubsub:
                await self._went_away(exc)

    async def _went_away(self, exc: BaseException) -> None:
        """Redis is away (caller holds the lock): tell every member, forget the rooms, back off."""
        self._failures += 1
        wait = min(self.RETRY_CAP, self.RETRY_FIRST * 2 ** (self._failures - 1))
        self._down_until = self.loop.time() + wait
        rooms, self.rooms = self.rooms, {}
        pubsub, self._pubsub = self._pubsub, None
        members = [member for room in rooms.values() for member in room]
        log = logger.warning if self._failures == 1 else logger.info
        log("room hub: Redis is away (%s); %s sockets told to retry in %.0f s", exc, len(members), wait)
        for member in members:
            try:
                member.room_lost(wait)
            except Exception:
                logger.exception("room hub: telling a member its room was lost failed")
        if pubsub is not None:
            try:
                await pubsub.aclose()
            except Exception:
                logger.debug("room hub: closing the broken pub/sub failed", exc_info=True)


class Outbox:
    """Sends texts to one WebSocket in order, without a task per delivery.

    ``push`` starts the ASGI ``send`` coroutine at once and drives it by hand:
    on daphne and uvicorn it finishes without suspending (the frame is written
    to the transport), so a room of a thousand viewers costs a thousand plain
    calls, not a thousand task switches. When a socket's transport is full the
    coroutine suspends (uvicorn's flow control); its later texts wait here, in
    a queue bounded by ``limit``, and ``on_overflow`` is called once when that
    viewer falls too far behind - the laggard is dropped, the room goes on.
    """

    __slots__ = ("_busy", "_closed", "_queue", "_send", "limit", "on_overflow")

    def __init__(self, send, *, limit: int, on_overflow):
        self._send = send
        self._queue: deque[str] = deque()
        self._busy = False
        self._closed = False
        self.limit = limit
        self.on_overflow = on_overflow

    def push(self, text: str) -> None:
        if self._closed:
            return
        if self._busy:
            if len(self._queue) >= self.limit:
                self.close()
                self.on_overflow()
                return
            self._queue.append(text)
            return
        self._start(text)

    def close(self) -> None:
        self._closed = True
        self._queue.clear()

    def _start(self, text: str) -> None:
        while True:
            self._busy = True
            if not self._drive(self._send({"type": "websocket.send", "text": text})):
                return  # suspended: resumes from its future's callback
            self._busy = False
            if self._closed or not self._queue:
                return
            text = self._queue.popleft()

    def _drive(self, coro) -> bool:
        """Run ``coro`` until it finishes (True) or suspends (False, resumed later)."""
        try:
            waiting = coro.send(None)
        except StopIteration:
            return True
        except Exception:  # the socket went away under us; nothing more to send
            logger.debug("outbox: send failed", exc_info=True)
            self.close()
            return True
        if waiting is None:  # a bare yield (sleep(0)): try again on the next loop turn
            asyncio.get_running_loop().call_soon(self._resume, coro)
        else:
            waiting.add_done_callback(lambda _future: self._resume(coro))
        return False

    def _resume(self, coro) -> None:
        if not self._drive(coro):
            return
        self._busy = False
        if not self._closed and self._queue:
            self._start(self._queue.popleft())
