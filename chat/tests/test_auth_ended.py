"""Issue 11: a revoked token, a logged-out session or a deactivated user stops chatting on an open socket."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.services import user_token_revoke
from chat.models import ChatMessage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ENDED = {"type": "error", "code": "authentication_failed"}


async def closed_4401(communicator) -> None:
    """The next frames: (skipping room events) the authentication_failed error, then the 4401 close."""
    while True:
        frame = await communicator.receive_output(timeout=3)
        if frame["type"] == "websocket.close":
            raise AssertionError(f"closed without the error event: {frame}")
        if '"authentication_failed"' in frame.get("text", ""):
            break
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def message_count() -> int:
    return await database_sync_to_async(ChatMessage.objects.count)()


async def test_revoking_the_token_closes_its_socket_4401(live_stream, viewer, sockets):
    socket = await sockets(live_stream, viewer)
    await socket.send("before")
    assert (await socket.expect("chat_message"))["message"]["content"] == "before"
    await database_sync_to_async(user_token_revoke)(user=viewer)
    await closed_4401(socket.communicator)


async def test_a_message_racing_the_revoke_is_refused(live_stream, viewer, sockets, monkeypatch):
    """Even when the close has not arrived yet, the send path re-checks the token: nothing stored, 4401."""
    socket = await sockets(live_stream, viewer)
    monkeypatch.setattr("accounts.signals.auth_ended_send", lambda **kwargs: None)  # the close "is late"
    await database_sync_to_async(user_token_revoke)(user=viewer)
    await socket.send("after the revoke")
    await closed_4401(socket.communicator)
    assert await message_count() == 0


async def test_another_users_revoke_leaves_this_socket_open(live_stream, viewer, creator, sockets):
    socket = await sockets(live_stream, viewer)
    await database_sync_to_async(user_token_revoke)(user=creator)
    await socket.send("still here")
    assert (await socket.expect("chat_message"))["message"]["content"] == "still here"


def _logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def session_socket(stream, client: Client) -> WebsocketCommunicator:
    from livestream.asgi import application

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()
    communicator = WebsocketCommunicator(
        application, f"/api/v1/streams/{stream.pk}/chat", headers=[(b"cookie", cookie)]
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_logging_out_closes_the_sessions_socket_4401_but_not_a_token_socket(live_stream, viewer, sockets):
    client = await database_sync_to_async(_logged_in_client)(viewer)
    communicator = await session_socket(live_stream, client)
    token_socket = await sockets(live_stream, viewer)
    try:
        await communicator.send_json_to({"type": "chat_message", "content": "signed in"})
        assert (await token_socket.expect("chat_message"))["message"]["content"] == "signed in"
        response = await database_sync_to_async(client.post)("/accounts/logout/")
        assert response.status_code in (200, 302)
        await closed_4401(communicator)
        await token_socket.send("the token still stands")
        assert (await token_socket.expect("chat_message"))["message"]["content"] == "the token still stands"
    finally:
        await communicator.disconnect()


async def test_a_message_racing_the_logout_is_refused(live_stream, viewer, monkeypatch):
    client = await database_sync_to_async(_logged_in_client)(viewer)
    communicator = await session_socket(live_stream, client)
    try:
        monkeypatch.setattr("accounts.signals.auth_ended_send", lambda **kwargs: None)
        await database_sync_to_async(client.post)("/accounts/logout/")
        await communicator.send_json_to({"type": "chat_message", "content": "after logout"})
        await closed_4401(communicator)
        assert await message_count() == 0
    finally:
        await communicator.disconnect()


async def test_deactivating_the_user_closes_every_socket_of_theirs_4401(live_stream, viewer, sockets):
    client = await database_sync_to_async(_logged_in_client)(viewer)
    communicator = await session_socket(live_stream, client)
    socket = await sockets(live_stream, viewer)
    try:
        viewer.is_active = False
        await database_sync_to_async(viewer.save)()
        await closed_4401(socket.communicator)
        await closed_4401(communicator)
    finally:
        await communicator.disconnect()


async def test_a_message_racing_the_deactivation_is_refused(live_stream, viewer, sockets, monkeypatch):
    socket = await sockets(live_stream, viewer)
    monkeypatch.setattr("accounts.signals.auth_ended_send", lambda **kwargs: None)
    viewer.is_active = False
    await database_sync_to_async(viewer.save)()
    await socket.send("deactivated")
    await closed_4401(socket.communicator)
    assert await message_count() == 0
