"""Two real daphne processes on the Redis layer: a message sent to one reaches a viewer on the other."""

import asyncio
import json

import aiohttp
import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.factories import UserFactory
from chat.tests.servers import two_daphnes  # noqa: F401 - a fixture
from streams.tests.factories import StreamFactory

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis]


async def next_event(ws, event_type: str, timeout: float = 10.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"no {event_type} within {timeout} s")
        message = await ws.receive(timeout=remaining)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"socket closed: {message}")
        event = json.loads(message.data)
        if event["type"] == event_type:
            return event


def test_a_message_crosses_processes_and_a_delete_reaches_both(two_daphnes):  # noqa: F811
    """Also: presence counts viewers on both processes as one audience."""
    creator, viewer = UserFactory(), UserFactory()
    stream = StreamFactory(creator=creator, live=True)
    creator_token = Token.objects.create(user=creator).key
    viewer_token = Token.objects.create(user=viewer).key
    first, second = two_daphnes
    path = f"/api/v1/streams/{stream.pk}/chat"

    async def scenario():
        async with aiohttp.ClientSession() as session:
            sender = await session.ws_connect(f"ws://{first}{path}?token={viewer_token}")
            watcher_first = await session.ws_connect(f"ws://{first}{path}")
            watcher_second = await session.ws_connect(f"ws://{second}{path}")
            for ws in (sender, watcher_first, watcher_second):
                await next_event(ws, "stream_status")  # joined its process's room
            await sender.send_json({"type": "chat_message", "content": "Ẹ n lẹ from process one"})
            on_second = await next_event(watcher_second, "chat_message")
            on_first = await next_event(watcher_first, "chat_message")
            assert on_second == on_first
            assert on_second["message"]["content"] == "Ẹ n lẹ from process one"
            message_id = on_second["message"]["id"]

            headers = {"Authorization": f"Token {creator_token}"}
            async with session.delete(f"http://{second}{path}/{message_id}", headers=headers) as response:
                assert response.status == 204
            deleted = [await next_event(ws, "message_deleted") for ws in (watcher_first, watcher_second)]
            assert all(event["message_id"] == message_id for event in deleted)

            # Presence is counted across both processes: three sockets, one count, of distinct viewers (the two
            # anonymous watchers share this machine's address: one viewer).
            counts = []
            while not counts or counts[-1] != 2:
                counts.append((await next_event(watcher_second, "viewer_count"))["count"])
            assert counts[-1] == 2
            for ws in (sender, watcher_first, watcher_second):
                await ws.close()

    asyncio.run(scenario())


def test_a_real_server_closes_a_socket_to_an_unknown_or_private_stream_with_4404(two_daphnes):  # noqa: F811
    """Over a real ASGI server: the handshake succeeds (not an HTTP 403) and the close code is 4404."""
    creator = UserFactory()
    private = StreamFactory(creator=creator, live=True, visibility="private")
    token = Token.objects.create(user=creator).key
    server = two_daphnes[0]

    async def close_code(path: str) -> int:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"ws://{server}{path}")  # raises WSServerHandshakeError on a 403
            message = await ws.receive(timeout=10)
            assert message.type == aiohttp.WSMsgType.CLOSE, message
            await ws.close()
            return message.data  # daphne drops the close reason; uvicorn sends it

    async def scenario():
        for stream_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", private.pk):
            assert await close_code(f"/api/v1/streams/{stream_id}/chat") == 4404, stream_id
        owner = f"/api/v1/streams/{private.pk}/chat?token={token}"
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"ws://{server}{owner}")
            assert (await next_event(ws, "stream_status"))["status"] == "live"
            await ws.close()

    asyncio.run(scenario())
