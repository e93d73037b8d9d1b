"""Redis goes away under a running server and comes back: live chat recovers by itself.

The test runs its own redis-server (never the machine's shared one) and the WebSocket process `make serve`
runs (uvicorn), over the test database. While Redis is down: sockets are told to retry (an error event with
``retry_after``, then close 1011), messages and gifts sent over HTTP are stored (no 500), new sockets are
refused the same way. Once Redis is back: a client that reconnects as the page does gets the room's events
again within 5 s, with no process restarted.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time

import aiohttp
import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.factories import UserFactory
from chat.models import ChatMessage
from chat.tests.servers import ROOT, database_url_of_test_db, free_port
from gifts.tests.factories import GiftFactory
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis]

UVICORN_OPTIONS = ("--lifespan", "off", "--no-access-log", "livestream.asgi:application")


@pytest.fixture
def uvicorn_on_own_redis(transactional_db, own_redis, tmp_path):
    """The WebSocket process `make serve` runs (uvicorn), on the test database and the test's own Redis."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url_of_test_db(),
        "REDIS_URL": own_redis.url,
        "DJANGO_SETTINGS_MODULE": "livestream.settings.base",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    log = tmp_path / "uvicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), *UVICORN_OPTIONS],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"uvicorn did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    # No request answered 500 and no socket's consumer died unhandled.
    errors = log.read_text()
    assert "Exception in ASGI application" not in errors, errors[-4000:]
    assert "Internal Server Error" not in errors, errors[-4000:]


async def events_until(ws, wanted, timeout: float) -> dict:
    """Read events until ``wanted(event)``; AssertionError on timeout or close."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"not received within {timeout} s")
        message = await ws.receive(timeout=remaining)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"socket closed: {message}")
        event = json.loads(message.data)
        if wanted(event):
            return event


async def refused_with_retry_hint(ws, timeout: float) -> dict:
    """The socket is told to come back later: a service_unavailable event with retry_after, then close 1011."""
    deadline = asyncio.get_running_loop().time() + timeout
    hint = None
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, "the socket was not closed"
        message = await ws.receive(timeout=remaining)
        if message.type == aiohttp.WSMsgType.TEXT:
            event = json.loads(message.data)
            if event.get("type") == "error" and event.get("code") == "service_unavailable":
                hint = event
            continue
        assert message.type == aiohttp.WSMsgType.CLOSE, message
        assert message.data == 1011, message
        assert hint is not None and hint["retry_after"] >= 1, hint
        return hint


def test_chat_recovers_by_itself_after_redis_goes_away(uvicorn_on_own_redis, own_redis):
    creator, viewer = UserFactory(), UserFactory()
    stream = StreamFactory(creator=creator, live=True)
    token = Token.objects.create(user=viewer).key
    coins_grant(user=viewer, coins=100, reason="test")
    gift = GiftFactory(name="Talking Drum", cost_in_coins=5)
    server = uvicorn_on_own_redis
    path = f"/api/v1/streams/{stream.pk}/chat"
    headers = {"Authorization": f"Token {token}"}

    async def post_message(session, content: str) -> None:
        async with session.post(f"http://{server}{path}", json={"content": content}, headers=headers) as response:
            assert response.status == 201, await response.text()

    async def joined(session):
        ws = await session.ws_connect(f"ws://{server}{path}")
        await events_until(ws, lambda e: e["type"] == "stream_status", 10)
        return ws

    async def scenario():
        async with aiohttp.ClientSession() as session:
            watcher = await joined(session)
            await post_message(session, "before the outage")
            await events_until(watcher, lambda e: e["type"] == "chat_message", 10)

            own_redis.stop()
            hint = await refused_with_retry_hint(watcher, timeout=10)

            # While Redis is away: writes over HTTP still work, pages answer, a new socket is told to retry.
            await post_message(session, "during the outage")
            gift_body = {"gift_id": str(gift.pk), "quantity": 1}
            async with session.post(
                f"http://{server}/api/v1/streams/{stream.pk}/gifts", json=gift_body, headers=headers
            ) as r:
                assert r.status == 201, await r.text()
            async with session.get(f"http://{server}/streams/{stream.pk}/") as response:
                assert response.status == 200
            refused = await session.ws_connect(f"ws://{server}{path}")
            await refused_with_retry_hint(refused, timeout=10)
            await asyncio.sleep(4)

            own_redis.start()
            back = time.monotonic()
            # Reconnect as the page does: wait the hint, try again.
            while True:
                assert time.monotonic() - back < 5, "no socket could join within 5 s of Redis coming back"
                ws = await session.ws_connect(f"ws://{server}{path}")
                try:
                    await events_until(ws, lambda e: e["type"] == "stream_status", 2)
                    break
                except AssertionError:
                    await ws.close()
                    await asyncio.sleep(min(hint["retry_after"], 1))
            # Messages, gifts and viewer counts reach it again, within 5 s of Redis coming back.
            await post_message(session, "after the outage")
            await events_until(
                ws,
                lambda e: e["type"] == "chat_message" and e["message"]["content"] == "after the outage",
                5 - (time.monotonic() - back),
            )
            async with session.post(
                f"http://{server}/api/v1/streams/{stream.pk}/gifts", json=gift_body, headers=headers
            ) as r:
                assert r.status == 201, await r.text()
            print(f"messages delivered again {time.monotonic() - back:.2f} s after Redis came back")  # pytest -s
            await events_until(ws, lambda e: e["type"] == "gift", 5)
            await events_until(ws, lambda e: e["type"] == "viewer_count", 5)
            await ws.close()

    asyncio.run(scenario())
    stored = list(ChatMessage.objects.filter(stream=stream).values_list("content", flat=True))
    assert {"before the outage", "during the outage", "after the outage"} <= set(stored)
