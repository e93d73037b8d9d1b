"""Rooms: fan-out of a stream's events to the WebSocket viewers in every process.

Every process keeps one RoomHub per event loop: the room's local members in a
set and, with Redis, one pub/sub subscription per room that has a local
member. An event is serialised once, published once (Redis PUBLISH, or a
direct hand-off without Redis), and the same text is given to every local
member's ``deliver`` - a non-blocking call that queues it on the member's own
bounded outbox, so a slow viewer never holds up the room.

The Channels layer stays for what it is good at: messages to one user.
"""

import asyncio
import atexit
import json
import logging
import os
import queue
import threading
import time
from collections import deque
from typing import Any, Protocol

import redis
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from livestream.redis import redis_async, redis_enabled, redis_sync

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "room:"


class RoomMember(Protocol):
    def deliver(self, text: str) -> None: ...


def room_channel(room_id) -> str:
    return f"{CHANNEL_PREFIX}{room_id}"


def event_text(event: dict[str, Any]) -> str:
    return json.dumps(event, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def room_publish(room_id, event: dict[str, Any]) -> None:
    """Send ``event`` to everyone in the room, in every process. Safe from any thread.

    Best effort: it runs after the write it announces has committed, so a Redis outage is logged, never
    raised (a 500 for a gift that was sent would invite the client to pay again). With Redis the event
    is handed to this process's RoomPublisher and published moments later, in order; without Redis it
    reaches this process's hubs before this returns.
    """
    text = event_text(event)
    if redis_enabled():
        room_publisher().put(room_id, event.get("type"), text)
        return
    for hub in list(RoomHub.hubs.values()):
        hub.dispatch_threadsafe(str(room_id), text)


class RoomPublisher:
    """Publishes room events to Redis from one daemon thread, in pipelines, so no request waits on Redis.

    ``put`` only queues: a hot room's gifts cost the request thread no Redis round trip. The thread waits
    ``linger`` seconds after the first event (5 ms: nothing a viewer notices), then takes whatever is queued
    and sends it as one pipeline (one write, one read), in the order it was queued, so a room hears its
    events in the order this process published them. The queue is bounded by ``limit``:
    when Redis is down or slow, further events are dropped and logged (they are best effort; the writes
    they announce have committed), not held until memory runs out.
    """

    def __init__(self, *, limit: int = 10_000, linger: float = 0.005):
        self.limit = limit
        self.linger = linger
        self.pid = os.getpid()
        self.dropped = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, room_id, event_type: str | None, text: str) -> None:
        if self._queue.qsize() >= self.limit:
            with self._lock:
                self.dropped += 1
                if self.dropped == 1:  # once per outage; the publisher thread reports the total when it recovers
                    logger.error(
                        "room publisher: %s events wait on Redis; dropping new ones (the first a %s event)",
                        self.limit,
                        event_type,
                    )
            return
        self._queue.put((room_channel(room_id), event_type, text))
        if self._thread is None:
            self._start()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued before this call has been published (or failed). False on timeout."""
        if self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="room-publisher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        get, get_nowait = self._queue.get, self._queue.get_nowait
        while True:
            batch = [get()]
            if self.linger:
                # A busy room's events arrive hundreds a second: waiting a few ms gathers them into one
                # pipeline instead of one round trip each (the Redis client's per-call cost dominated).
                time.sleep(self.linger)
            try:
                while len(batch) < 1000:
                    batch.append(get_nowait())
            except queue.Empty:
                pass
            self._send(batch)

    def _send(self, batch: list) -> None:
        events = [item for item in batch if type(item) is tuple]
        try:
            if events:
                pipe = redis_sync().pipeline(transaction=False)
                for channel, _event_type, text in events:
                    pipe.publish(channel, text)
                pipe.execute()
                if self.dropped:
                    with self._lock:
                        dropped, self.dropped = self.dropped, 0
                    logger.error("room publisher: Redis is back; %s events were dropped", dropped)
        except redis.RedisError:
            channel, event_type, _text = events[0]
            logger.exception(
                "room publisher: could not publish %s events (the first a %s event to %s)",
                len(events),
                event_type,
                channel,
            )
        except Exception:  # the thread must outlive any one batch
            logger.exception("room publisher: publishing %s events failed", len(events))
        finally:
            for item in batch:
                if type(item) is not tuple:
                    item.set()


_publisher: RoomPublisher | None = None
_publisher_lock = threading.Lock()


def room_publisher() -> RoomPublisher:
    """This process's publisher, started on first use (a forked child starts its own: see _forget_publisher)."""
    global _publisher
    if _publisher is None:
        with _publisher_lock:
            if _publisher is None:
                _publisher = RoomPublisher()
    return _publisher


def _forget_publisher() -> None:
    """After fork (gunicorn, Celery prefork): the parent's thread does not exist in the child, nor do its events."""
    global _publisher, _publisher_lock
    _publisher = None
    _publisher_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_publisher)


@atexit.register
def _flush_at_exit() -> None:
    if _publisher is not None and _publisher.pid == os.getpid():
        _publisher.flush(timeout=1.0)


def room_publish_on_commit(room_id, event: dict[str, Any]) -> None:
    """Publish once the current transaction commits (immediately outside one)."""
    transaction.on_commit(lambda: room_publish(room_id, event))


class RoomHub:
    """One event loop's rooms. Get it with ``RoomHub.current()`` inside the loop."""

    hubs: dict[asyncio.AbstractEventLoop, "RoomHub"] = {}
    _hubs_lock = threading.Lock()

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.rooms: dict[str, set[RoomMember]] = {}
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._subscribe_lock = asyncio.Lock()

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

    async def join(self, room_id, member: RoomMember) -> None:
        room_id = str(room_id)
        members = self.rooms.get(room_id)
        if members is None:
            members = self.rooms[room_id] = set()
            if redis_enabled():
                await self._subscribe(room_id)
        members.add(member)

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
                    if room_id not in self.rooms:
                        await self._pubsub.unsubscribe(room_channel(room_id))

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
        async with self._subscribe_lock:
            if self._pubsub is None:
                self._pubsub = redis_async().pubsub(ignore_subscribe_messages=True)
            await self._pubsub.subscribe(room_channel(room_id))
            if self._reader is None or self._reader.done():
                self._reader = self.loop.create_task(self._read())

    async def _read(self) -> None:
        prefix_length = len(CHANNEL_PREFIX)
        while True:
            try:
                if not self._pubsub.subscribed:
                    await asyncio.sleep(0.05)
                    continue
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("room hub: Redis read failed; resubscribing")
                await asyncio.sleep(1)
                await self._resubscribe()
                continue
            if message is None or message.get("type") != "message":
                continue
            self.dispatch(message["channel"][prefix_length:], message["data"])

    async def _resubscribe(self) -> None:
        async with self._subscribe_lock:
            try:
                await self._pubsub.aclose()
            except Exception:
                logger.debug("room hub: closing the broken pub/sub failed", exc_info=True)
            self._pubsub = redis_async().pubsub(ignore_subscribe_messages=True)
            rooms = [room_channel(room_id) for room_id in self.rooms]
            if rooms:
                await self._pubsub.subscribe(*rooms)


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
