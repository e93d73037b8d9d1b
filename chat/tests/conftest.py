import asyncio
import itertools

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from accounts.tests.factories import UserFactory
from chat.tests.servers import OwnRedis
from streams.tests.factories import StreamFactory


@pytest.fixture
def creator(transactional_db):
    return UserFactory(username="creator")


@pytest.fixture
def viewer(transactional_db):
    return UserFactory(username="viewer")


@pytest.fixture
def live_stream(creator):
    return StreamFactory(creator=creator, live=True, title="Live lesson")


@pytest.fixture(autouse=True)
def _fast_presence(monkeypatch):
    monkeypatch.setattr("streams.presence.TICK_SECONDS", 0.05)


class Socket:
    """A WebSocket client on the real ASGI application (routing, origin check, auth middleware)."""

    def __init__(self, stream, user=None, address="127.0.0.1"):
        from livestream.asgi import application

        self.stream, self.user, self.address = stream, user, address
        self.application = application
        self.communicator = None

    async def connect(self):
        query = ""
        if self.user is not None:
            token, _ = await database_sync_to_async(Token.objects.get_or_create)(user=self.user)
            query = f"?token={token.key}"
        self.communicator = WebsocketCommunicator(self.application, f"/api/v1/streams/{self.stream.pk}/chat{query}")
        self.communicator.scope["client"] = (self.address, 50000)  # the app is not started until connect()
        connected, code = await self.communicator.connect()
        self.connected, self.code = connected, code
        return self

    async def send(self, content, **fields):
        await self.communicator.send_json_to({"type": "chat_message", "content": content, **fields})

    async def expect(self, event_type: str, timeout: float = 3.0, **match) -> dict:
        """The next event of ``event_type`` (matching ``match``), skipping others."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {event_type} event within {timeout} s")
            event = await self.communicator.receive_json_from(timeout=remaining)
            if event["type"] == event_type and all(event.get(k) == v for k, v in match.items()):
                return event

    async def nothing(self, event_type: str, timeout: float = 0.3) -> None:
        try:
            event = await self.expect(event_type, timeout=timeout)
        except (TimeoutError, AssertionError):
            return
        raise AssertionError(f"unexpected {event_type}: {event}")

    async def close(self):
        communicator, self.communicator = self.communicator, None
        if communicator is None or communicator.future.done():
            # Never opened, closed already, or the application stopped: asgiref cancels it when a receive times
            # out, and disconnect() would then raise CancelledError (a BaseException) out of the fixture's
            # teardown, skipping the database flush that follows it.
            return
        await communicator.disconnect()


_addresses = itertools.count(1)


@pytest_asyncio.fixture
async def sockets():
    opened: list[Socket] = []
    # Each test's own default client address: a socket a test never closed must not count against the next
    # test's WS_MAX_PER_ADDRESS (with Redis, the per-address set outlives the test until it expires).
    n = next(_addresses)
    default_address = f"127.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"

    async def open_socket(stream, user=None, address=None) -> Socket:
        socket = await Socket(stream, user, address or default_address).connect()
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        await socket.close()


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
