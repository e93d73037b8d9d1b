"""Events: how a write tells the sockets about itself, once it has committed.

``send_event_on_commit`` is the one way anything is broadcast: to a room (every viewer of a stream, in every
process) or to a user's own sockets (a ban, on whichever streams they watch). An event is a plain JSON dict
with a ``type``; it is serialised once, and that same text reaches every socket.

The plumbing only: how a room event leaves this process (Redis PUBLISH on the ``room:<id>`` channel from one
publisher thread, or, without Redis, a direct hand-off to the room hubs of this process) and how a user event
does (the Channels layer group ``user_<id>``). Who listens - the room hub and the chat consumer - is chat's
(``chat.rooms``); this module imports no app.
"""

import asyncio
import atexit
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from livestream.redis import REDIS_UNAVAILABLE, redis_enabled, redis_sync

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "room:"
USER_EVENT = "user.event"  # the Channels message type a user's sockets handle (ChatConsumer.user_event)


def room_channel(room_id) -> str:
    """The Redis pub/sub channel of a room."""
    return f"{CHANNEL_PREFIX}{room_id}"


def user_group(user_id) -> str:
    """The Channels group every socket of one user joins."""
    return f"user_{user_id}"


ACCESS_CHANGED = "access.changed"  # the Channels message type a room's sockets handle (ChatConsumer.access_changed)


def room_access_group(room_id) -> str:
    """The Channels group every socket of one room joins, told when who may read the room changes."""
    return f"room_access_{room_id}"


def room_access_changed_on_commit(room_id, *, visibility: str, is_premium: bool) -> None:
    """After commit, every socket of the room re-checks that its user may still read it (a stream made private
    or premium): those who may not are closed. The message says where the stream now stands, so a socket that
    is plainly still allowed (an open stream) or plainly not (nobody signed in) decides without a query. Only
    the streams service calls this."""
    message = {"type": ACCESS_CHANGED, "visibility": visibility, "is_premium": is_premium}

    def send_access_changed() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(room_access_group(room_id), message)

    transaction.on_commit(send_access_changed, robust=True)


def event_text(event: dict[str, Any]) -> str:
    return json.dumps(event, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def send_event_on_commit(event: dict[str, Any], *, room=None, users: Iterable = ()) -> None:
    """Send ``event`` to everyone in ``room`` and/or to every socket of ``users``, once the transaction commits.

    Guarantees: a transaction that rolls back sends nothing; one that commits sends the event once; outside a
    transaction it is sent at once. The event is serialised here, inside the writer's transaction, so a value
    JSON cannot carry fails the write that made it (not a callback after the fact), and changing the dict
    afterwards changes nothing. Sending is best effort and never raises into the caller: the write it
    announces has committed (a 500 for a gift that was sent would invite the client to pay again).
    """
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event["type"]:
        raise TypeError(f"An event is a dict with a 'type', not {event!r}.")
    user_ids = tuple(str(user_id) for user_id in users)
    if room is None and not user_ids:
        raise ValueError("Send an event to a room, to users, or both.")
    text = event_text(event)
    event_type = event["type"]
    # A user event about one stream reaches only that stream's sockets; one about a creator's channel only the
    # sockets in that creator's streams.
    scope, creator_scope = event.get("stream_id"), event.get("creator_id")

    def send_event() -> None:  # a function, not a partial: Django logs a robust callback's failure by its name
        if room is not None:
            room_publish(str(room), text, event_type)
        if user_ids:
            users_send(user_ids, text, scope, creator_scope)

    transaction.on_commit(send_event, robust=True)


def room_publish(room_id: str, text: str, event_type: str = "") -> None:
    """Hand an event's text to everyone in the room, in every process. Safe from any thread.

    Only ``send_event_on_commit`` calls this (after commit). With Redis the text is handed to this process's
    RoomPublisher and published moments later, in order; without Redis it reaches this process's room hubs
    before this returns.
    """
    if redis_enabled():
        room_publisher().put(room_id, event_type, text)
        return
    for listener in tuple(_local_listeners):
        try:
            listener(room_id, text)
        except Exception:  # one broken hub must not cost the others the event
            logger.exception("room %s: a local listener failed", room_id)


def users_send(user_ids: Iterable[str], text: str, scope=None, creator_scope=None) -> None:
    """Hand an event's text to every socket of each user (the Channels layer). Only send_event_on_commit calls this.

    ``scope`` (a stream id) or ``creator_scope`` (a creator id) tell the sockets which of them it is for."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": USER_EVENT, "text": text, "stream_id": scope}
    if creator_scope is not None:
        message["creator_id"] = creator_scope
    for user_id in user_ids:
        async_to_sync(layer.group_send)(user_group(user_id), message)


def user_events_send_on_commit(
    events: dict[Any, dict[str, Any]], *, audience: Callable[[list], Iterable] | None = None
) -> None:
    """After commit, send each user (key: user id) their own event (a dict with a ``type``), about no stream.

    The batched form of ``send_event_on_commit(event, users=[...])`` for thousands of users with one event each
    (a fan-out's page of notifications): the texts are serialised here, and the group sends run concurrently
    from one callback instead of one round trip after another. ``audience`` (called after commit with the user
    ids) picks who is sent anything, e.g. only users with a socket open. Best effort, never raises into the
    caller."""
    if not events:
        return
    for event in events.values():
        if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event["type"]:
            raise TypeError(f"An event is a dict with a 'type', not {event!r}.")
    texts = {user_id: event_text(event) for user_id, event in events.items()}

    def send_user_events() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        chosen = set(audience(list(texts))) if audience is not None else texts.keys()
        messages = [
            (user_group(user_id), {"type": USER_EVENT, "text": text, "stream_id": None})
            for user_id, text in texts.items()
            if user_id in chosen
        ]
        if messages:
            async_to_sync(_group_send_all)(layer, messages)

    transaction.on_commit(send_user_events, robust=True)


async def _group_send_all(layer, messages: list, concurrency: int = 64) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def send_one(group: str, message: dict) -> None:
        async with gate:
            await layer.group_send(group, message)

    results = await asyncio.gather(*(send_one(group, message) for group, message in messages), return_exceptions=True)
    failed = [result for result in results if isinstance(result, Exception)]
    if failed:
        logger.warning("user events: %s of %s group sends failed (the first: %r)", len(failed), len(results), failed[0])


# --- Without Redis: the room hubs of this process listen here --------------------------------------------

_local_listeners: list[Callable[[str, str], None]] = []


def room_listener_add(listener: Callable[[str, str], None]) -> None:
    """``listener(room_id, text)`` hears every room event of this process when there is no Redis.

    chat registers its hubs' dispatch here (``ChatConfig.ready``): the plumbing knows nothing of who listens.
    """
    if listener not in _local_listeners:
        _local_listeners.append(listener)


# --- With Redis: one publisher thread per process ---------------------------------------------------------


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
        self.undelivered = 0  # events that could not be published while Redis was away
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
                if self.undelivered:
                    with self._lock:
                        undelivered, self.undelivered = self.undelivered, 0
                    logger.warning("room publisher: Redis is back; %s room events were not delivered live", undelivered)
                if self.dropped:
                    with self._lock:
                        dropped, self.dropped = self.dropped, 0
                    logger.error("room publisher: Redis is back; %s events were dropped", dropped)
        except REDIS_UNAVAILABLE as exc:  # once per outage, not a traceback per batch
            with self._lock:
                self.undelivered += len(events)
                first = self.undelivered == len(events)
            if first:
                logger.warning("room publisher: Redis is away (%s); room events are not delivered live", exc)
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
