"""WebSocket authentication by ``?token=<api token>`` for clients without cookies."""

from importlib import import_module
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware
from django.conf import settings

from accounts.selectors import user_get_by_token
from livestream.websocket import CLOSE_AUTHENTICATION_FAILED


class InvalidTokenConsumer(AsyncWebsocketConsumer):
    """A socket whose ``?token=`` matches no active user: told so in an ``error`` event, then closed 4401.

    Letting it in as anonymous would leave a client with a revoked token reading a room it believes it
    writes to; over HTTP the same token is a 401.
    """

    async def connect(self) -> None:
        await self.accept()
        await self.send(text_data='{"type":"error","code":"authentication_failed","detail":"Invalid token."}')
        await self.close(code=CLOSE_AUTHENTICATION_FAILED)


_invalid_token = InvalidTokenConsumer.as_asgi()


class TokenAuthMiddleware(BaseMiddleware):
    """Sets ``scope["user"]`` from a ``token`` query parameter when one is given.

    Runs inside the session middleware so a valid token wins over the cookie; a token that matches no
    active user is answered by InvalidTokenConsumer, whatever the path.
    """

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        key = (query.get("token") or [""])[0]
        if key:
            user = await database_sync_to_async(user_get_by_token)(key=key)
            if user is None:
                return await _invalid_token(scope, receive, send)
            scope = dict(scope, user=user, auth_token=key)  # the consumer re-checks this token per sent message
        return await super().__call__(scope, receive, send)


class SessionReadMiddleware(BaseMiddleware):
    """Loads the browser's Django session for the socket, read-only.

    Channels' SessionMiddleware wraps every outgoing frame to save the session
    and set cookies, which a chat socket never needs; at tens of thousands of
    frames a second that wrapper was the largest cost after the socket write
    itself. The session is loaded lazily, on first use, by the auth middleware.
    """

    def __init__(self, inner):
        super().__init__(inner)
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        session_key = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
        scope = dict(scope, session=self.session_store(session_key))
        return await super().__call__(scope, receive, send)


def TokenAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack
    """Cookie -> read-only session -> session user -> ``?token=`` user."""
    return CookieMiddleware(SessionReadMiddleware(AuthMiddleware(TokenAuthMiddleware(inner))))
