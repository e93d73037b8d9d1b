"""The live chat socket: /api/v1/streams/{id}/chat.

Anyone who may see the stream can connect and read; signed-in users send.
Room events reach this consumer through the process's RoomHub (one Redis
subscription per room per process, the same text for every viewer); events
for one user (a ban) through the Channels layer group ``user_<id>``.
"""

import asyncio
import json
import logging
import math
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.selectors import socket_credential_valid
from chat.rooms import Outbox, RoomHub, RoomsUnavailable
from chat.selectors import chat_room_open
from chat.services import chat_error_event, chat_message_send
from livestream.client_ip import scope_client_ip
from livestream.errors import DomainError
from livestream.events import event_text, room_access_group, user_group
from livestream.redis import REDIS_UNAVAILABLE
from livestream.websocket import CLOSE_AUTHENTICATION_FAILED, CLOSE_NOT_FOUND
from streams.presence import PresenceTracker, viewer_key
from streams.services import viewer_session_end, viewer_session_resume, viewer_session_start

logger = logging.getLogger(__name__)

MAX_FRAME = 4096
CLOSE_ROOM_FULL = 4429
CLOSE_PREMIUM_REQUIRED = 4403
CLOSE_TOO_SLOW = 4008
CLOSE_TRY_AGAIN = 1011  # with an error event {"code": "service_unavailable", "retry_after": seconds} first


AUTH_ENDED_EVENT = {
    "type": "error",
    "code": "authentication_failed",
    "detail": "Your sign-in has ended (token revoked, logged out or account deactivated).",
}


class ChatConsumer(AsyncWebsocketConsumer):
    stream_id: str
    creator_id: str | None = None
    accepted = False
    joined = False
    in_room = False
    told_unavailable = False
    session_id: int | None = None
    role: str | None = None
    credential_ended = False
    auth_token: str | None = None
    auth_session: str | None = None

    async def connect(self) -> None:
        self.stream_id = str(self.scope["url_route"]["kwargs"]["stream_id"])
        self.user = self.scope.get("user")
        room = await database_sync_to_async(chat_room_open)(stream_id=self.stream_id, user=self.user)
        if room is None:
            # Accept, then close: a close before accept is an HTTP 403 at the handshake, and a browser
            # sees only 1006 there (and retries forever); 4404 tells it to stop.
            await self._accept()
            await self.close(code=CLOSE_NOT_FOUND, reason="No such stream.")
            return
        self.stream_id = room["stream_id"]
        self.creator_id = room["creator_id"]
        self.role = room["role"]
        if not room["may_read"]:
            # A premium room's events (messages, gifts, counts) are for viewers with access, as its video is.
            await self._accept()
            detail = "Chat on a premium stream is for viewers with access."
            await self.send_event({"type": "error", "code": "premium_required", "detail": detail})
            await self.close(code=CLOSE_PREMIUM_REQUIRED)
            return
        self.connection_id = uuid.uuid4().hex
        self.presence = PresenceTracker.current()
        self.address = scope_client_ip(self.scope)
        self.viewer = viewer_key(self.user, self.address)
        self.hub = RoomHub.current()
        self.outbox = Outbox(self.base_send, limit=settings.CHAT_OUTBOX_LIMIT, on_overflow=self._drop_laggard)
        if self.hub.retry_after() > 0:  # Redis is known to be away: refuse at once, without trying it
            await self._unavailable(self.hub.retry_after())
            return
        try:
            await self._join(room)
        except RoomsUnavailable as exc:
            await self._unavailable(exc.retry_after)
        except REDIS_UNAVAILABLE as exc:
            logger.warning("chat %s: Redis is away (%s); the socket is told to retry", self.stream_id, exc)
            await self._unavailable(RoomHub.RETRY_FIRST)

    async def _join(self, room: dict) -> None:
        """Count the socket, join the room and the user's group, tell the viewer where they are."""
        if not await self.presence.admit(self.address, self.connection_id, settings.WS_MAX_PER_ADDRESS):
            await self._accept()
            detail = f"Too many open connections from your address (at most {settings.WS_MAX_PER_ADDRESS})."
            await self.send_event({"type": "error", "code": "too_many_connections", "detail": detail})
            await self.close(code=CLOSE_ROOM_FULL)
            return
        limit = room["max_viewers"]
        if limit and room["role"] is None and await self.presence.count(self.stream_id) >= limit:
            await self.presence.release(self.address, self.connection_id)
            await self._accept()
            await self.send_event(
                {"type": "error", "code": "room_full", "detail": f"This stream is full ({limit} viewers)."}
            )
            await self.close(code=CLOSE_ROOM_FULL)
            return
        await self._accept()
        await self.hub.join(self.stream_id, self)
        self.in_room = True
        await self.channel_layer.group_add(room_access_group(self.stream_id), self.channel_name)
        if self.user is not None and self.user.is_authenticated:
            # The credential this socket stands on: re-checked per sent message and matched by auth_ended.
            self.auth_token = self.scope.get("auth_token")
            if not self.auth_token and self.scope.get("session") is not None:
                self.auth_session = self.scope["session"].session_key
            await self.channel_layer.group_add(user_group(self.user.pk), self.channel_name)
        self.joined = True
        self.deliver(event_text({"type": "chat_settings", **room["settings"]}))
        self.deliver(event_text({"type": "stream_status", "status": room["status"], "visibility": room["visibility"]}))
        await self.presence.join(self.stream_id, self.connection_id, self.viewer)
        self.session_id = await self._session_open()

    async def _accept(self) -> None:
        if not self.accepted:
            self.accepted = True
            await self.accept()

    async def _session_open(self) -> int:
        """The viewer's session: the one they left within VIEWER_SESSION_RESUME_SECONDS (or still hold open on
        another socket), else a new one; so reconnect cycles write one session, not one each."""
        window = settings.VIEWER_SESSION_RESUME_SECONDS
        session_id = await self.presence.session_for(self.stream_id, self.viewer) if window > 0 else None
        if session_id is None or not await database_sync_to_async(viewer_session_resume)(
            session_id=session_id, stream_id=self.stream_id
        ):
            session = await database_sync_to_async(viewer_session_start)(
                stream_id=self.stream_id, user=self.user, visitor=self.viewer
            )
            session_id = session.pk
        # Held while open (a day at most, for a process that dies), then the resume window once they leave.
        await self.presence.remember_session(self.stream_id, self.viewer, session_id, 86400)
        return session_id

    async def disconnect(self, code) -> None:
        if not hasattr(self, "hub"):
            return
        self.joined = False
        self.outbox.close()
        if self.in_room:
            await self.hub.leave(self.stream_id, self)
        try:
            if self.user is not None and self.user.is_authenticated:
                await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
            await self.channel_layer.group_discard(room_access_group(self.stream_id), self.channel_name)
            await self.presence.leave(self.stream_id, self.connection_id, self.viewer)
            await self.presence.release(self.address, self.connection_id)
        except REDIS_UNAVAILABLE as exc:  # the sorted sets expire this socket by themselves (presence heartbeat)
            logger.info("chat %s: Redis is away (%s); presence ages this socket out", self.stream_id, exc)
        finally:
            if self.session_id is not None:
                await database_sync_to_async(viewer_session_end)(session_id=self.session_id)
                window = settings.VIEWER_SESSION_RESUME_SECONDS
                if window > 0:
                    try:
                        await self.presence.remember_session(self.stream_id, self.viewer, self.session_id, window)
                    except REDIS_UNAVAILABLE:
                        pass  # the next visit starts a new session

    # --- Redis away: the socket is told to come back ------------------------------------

    def room_lost(self, retry_after: float) -> None:
        """The hub lost this room's feed (Redis went away): say when to retry, then close 1011."""
        self.in_room = False  # the hub has forgotten its rooms
        asyncio.get_running_loop().create_task(self._unavailable(retry_after))

    async def channel_layer_lost(self, message: dict) -> None:
        """The channel layer lost Redis (livestream.channel_layer): the same as the room's feed."""
        await self._unavailable(self.hub.retry_after() or RoomHub.RETRY_FIRST)

    async def _unavailable(self, retry_after: float) -> None:
        if self.told_unavailable:
            return
        self.told_unavailable = True
        self.joined = False  # nothing more from the room: the error and the close are the last frames
        self.outbox.close()
        retry = max(1, math.ceil(retry_after))
        detail = f"Live chat lost its connection to the server; reconnect in {retry} s."
        try:
            await self._accept()
            await self.send_event(
                {"type": "error", "code": "service_unavailable", "detail": detail, "retry_after": retry}
            )
            await self.close(code=CLOSE_TRY_AGAIN, reason=f"retry after {retry} s")
        except Exception:  # the client went away first
            logger.debug("chat %s: the socket closed before it was told to retry", self.stream_id, exc_info=True)

    # --- out: room events ---------------------------------------------------------------

    def deliver(self, text: str) -> None:
        """Send an event to this viewer (called by the hub for each room event)."""
        if self.joined:
            self.outbox.push(text)

    def _drop_laggard(self) -> None:
        """This viewer fell CHAT_OUTBOX_LIMIT events behind: close them (4008); the room never waits."""
        logger.info("chat %s: dropping a viewer who fell behind", self.stream_id)
        self.joined = False
        asyncio.get_running_loop().create_task(self.close(code=CLOSE_TOO_SLOW))

    async def send_event(self, event: dict) -> None:
        await self.send(text_data=event_text(event))

    async def user_event(self, message: dict) -> None:
        """An event for this user's sockets (e.g. they were banned), already serialised by send_event_on_commit:
        about this stream, about this stream's channel (a channel ban, unheard where this user moderates), or
        about no stream in particular."""
        creator_id = message.get("creator_id")
        if creator_id is not None:
            if creator_id == self.creator_id and self.role is None:
                self.deliver(message["text"])
        elif message.get("stream_id") in (None, self.stream_id):
            self.deliver(message["text"])

    async def access_changed(self, message: dict) -> None:
        """Who may read the room changed (the stream went private or premium): close if this user no longer may."""
        if not self.joined:
            return
        private, premium = message.get("visibility") == "private", bool(message.get("is_premium"))
        if not private and not premium:
            return  # open to all: nothing to check
        if self.role in ("creator", "staff"):
            return  # they read whatever the stream becomes
        room = None
        if self.user is not None and self.user.is_authenticated:  # a buyer, a moderator: their own rows decide
            room = await database_sync_to_async(chat_room_open)(stream_id=self.stream_id, user=self.user)
            if room is not None and room["may_read"]:
                return
        elif not private:  # premium, nobody signed in: the error below, without a query
            room = {"may_read": False}
        self.joined = False  # nothing more from the room: the error and the close are the last frames
        self.outbox.close()
        if room is None:
            error, code = {"code": "not_found", "detail": "This stream is no longer available to you."}, CLOSE_NOT_FOUND
        else:
            detail = "Chat on a premium stream is for viewers with access."
            error, code = {"code": "premium_required", "detail": detail}, CLOSE_PREMIUM_REQUIRED
        # Why, before the close: the room's own stream_updated comes through this process's hub, which may
        # deliver it after this (the outbox is closed now), and the page shows the new state from it.
        why = {"type": "stream_updated", "visibility": message.get("visibility"), "is_premium": premium}
        await self.send_event(why)
        await self.send_event({"type": "error", **error})
        await self.close(code=code)

    async def auth_ended(self, message: dict) -> None:
        """A token, a session or the whole user ended (accounts.signals): close if it was this socket's."""
        token, session = message.get("token"), message.get("session")
        if token and token != self.auth_token:
            return
        if session and session != self.auth_session:
            return
        await self._end_authentication()

    async def _end_authentication(self) -> None:
        if self.credential_ended:
            return
        self.credential_ended = True
        self.joined = False  # nothing more from the room: the error and the close are the last frames
        self.outbox.close()
        await self.send_event(AUTH_ENDED_EVENT)
        await self.close(code=CLOSE_AUTHENTICATION_FAILED)

    def _send_checked(self, **fields) -> bool:
        """Store and broadcast a message unless this socket's credential has ended (one thread hop)."""
        if self.user is not None and self.user.is_authenticated:
            if not socket_credential_valid(user_id=self.user.pk, token=self.auth_token, session=self.auth_session):
                return False
        chat_message_send(stream_id=self.stream_id, user=self.user, **fields)
        return True

    # --- in: messages from the viewer -------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if text_data is None or len(text_data) > MAX_FRAME:
            self.deliver(
                event_text({"type": "error", "code": "invalid_message", "detail": "Send JSON text up to 4 KB."})
            )
            return
        try:
            data = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: a nesting bomb in a 4 KB frame
            data = None
        if not isinstance(data, dict) or data.get("type") != "chat_message":
            detail = 'Send {"type": "chat_message", "content": "..."}.'
            self.deliver(event_text({"type": "error", "code": "invalid_message", "detail": detail}))
            return
        try:
            if self.credential_ended:
                return
            sent = await database_sync_to_async(self._send_checked)(
                content=data.get("content"),
                message_type=data.get("message_type") or "text",
                mentions=data.get("mentions") or [],
            )
            if not sent:
                await self._end_authentication()
        except DomainError as exc:
            self.deliver(event_text(chat_error_event(exc)))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            detail = " ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
            self.deliver(event_text({"type": "error", "code": "invalid_message", "detail": detail, "errors": errors}))
