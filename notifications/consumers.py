"""The signed-in user's notification socket (`/ws/notifications/`): new notifications and the unread count.

It joins the user's Channels group (``livestream.events.user_group``), which every socket of the user shares,
and forwards only notifications' events (``notification``, ``unread_count``); the rest of that group's traffic
(a ban on a stream) is for chat sockets. It sends the current unread count on connect, and closes 4401 for
anyone not signed in and when the user's credential ends (accounts.signals), like the chat socket. The origin
check is the project's (``BrowserOriginValidator`` in livestream.asgi wraps every socket).
"""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from livestream.events import event_text, user_group
from livestream.websocket import CLOSE_AUTHENTICATION_FAILED
from notifications.presence import socket_alive, socket_closed, socket_opened
from notifications.selectors import unread_count

FORWARDED = frozenset({"notification", "unread_count"})


class NotificationConsumer(AsyncWebsocketConsumer):
    group: str | None = None
    auth_token: str | None = None
    auth_session: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()  # then close: a refusal before accept reaches a browser only as 1006
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_AUTHENTICATION_FAILED)
            return
        self.auth_token = self.scope.get("auth_token")
        if not self.auth_token and self.scope.get("session") is not None:
            self.auth_session = self.scope["session"].session_key
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await socket_opened(user.pk)
        count = await database_sync_to_async(unread_count)(user_id=user.pk)
        await self.send(text_data=event_text({"type": "unread_count", "count": count}))

    async def disconnect(self, code) -> None:
        await self._leave()

    async def _leave(self) -> None:
        if self.group is not None:
            self.group = None
            await self.channel_layer.group_discard(user_group(self.scope["user"].pk), self.channel_name)
            await socket_closed(self.scope["user"].pk)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """The socket only speaks; the page's ``ping`` (every minute) keeps it counted as open (presence)."""
        if self.group is None:
            return
        try:
            message = json.loads(text_data or "")
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "ping":
            await socket_alive(self.scope["user"].pk)

    async def user_event(self, message: dict) -> None:
        if message.get("stream_id") is not None or message.get("creator_id") is not None:
            return  # about a stream or a channel: a chat socket's business
        text = message["text"]
        try:
            event_type = json.loads(text).get("type")
        except (ValueError, AttributeError):
            return
        if event_type in FORWARDED:
            await self.send(text_data=text)

    async def access_changed(self, message: dict) -> None:
        """Sent to rooms' sockets only; present so a stray message never breaks this socket."""

    async def auth_ended(self, message: dict) -> None:
        token, session = message.get("token"), message.get("session")
        if token and token != self.auth_token:
            return
        if session and session != self.auth_session:
            return
        await self._leave()
        await self.close(code=CLOSE_AUTHENTICATION_FAILED)
