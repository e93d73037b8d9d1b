import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from accounts.middleware import TokenAuthMiddlewareStack


class EchoUser:
    """A tiny WebSocket app that answers with who the middleware says the user is."""

    async def __call__(self, scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        user = scope["user"]
        await send({"type": "websocket.send", "text": user.username if user.is_authenticated else "anonymous"})
        await send({"type": "websocket.close"})


async def who(path: str) -> str:
    communicator = WebsocketCommunicator(TokenAuthMiddlewareStack(EchoUser()), path)
    connected, _ = await communicator.connect()
    assert connected
    text = await communicator.receive_from()
    await communicator.disconnect()
    return text


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_token_query_parameter_authenticates(user):
    token = await database_sync_to_async(Token.objects.create)(user=user)
    assert await who(f"/ws/?token={token.key}") == user.username


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_without_a_token_is_anonymous(user):
    assert await who("/ws/") == "anonymous"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_with_a_bad_token_is_refused_whatever_the_path(user):
    communicator = WebsocketCommunicator(TokenAuthMiddlewareStack(EchoUser()), "/ws/?token=bogus")
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from() == {
        "type": "error",
        "code": "authentication_failed",
        "detail": "Invalid token.",
    }
    assert (await communicator.receive_output())["code"] == 4401
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_session_cookie_authenticates(user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    await database_sync_to_async(client.force_login)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        TokenAuthMiddlewareStack(EchoUser()), "/ws/", headers=[(b"cookie", cookie.encode())]
    )
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_from() == user.username
    await communicator.disconnect()
