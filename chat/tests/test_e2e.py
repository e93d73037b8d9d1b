"""Two real daphne processes on the Redis layer: a message sent to one reaches a viewer on the other."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from accounts.tests.factories import UserFactory
from streams.tests.factories import StreamFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_of_test_db() -> str:
    """DATABASE_URL for the test database this run created."""
    params = connection.settings_dict
    user = quote(params["USER"] or "")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


@pytest.fixture
def two_daphnes(transactional_db):
    env = os.environ | {
        "DATABASE_URL": database_url_of_test_db(),
        "DJANGO_SETTINGS_MODULE": "livestream.settings.base",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "livestream.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                        errors = b"".join(p.stderr.read() for p in processes if p.poll() is not None)
                        raise RuntimeError(f"daphne did not start: {errors.decode()[-2000:]}") from None
                    time.sleep(0.1)
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


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


def test_a_message_crosses_processes_and_a_delete_reaches_both(two_daphnes):
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

            # Presence is counted across both processes: three sockets, one count.
            counts = []
            while not counts or counts[-1] != 3:
                counts.append((await next_event(watcher_second, "viewer_count"))["count"])
            assert counts[-1] == 3
            for ws in (sender, watcher_first, watcher_second):
                await ws.close()

    asyncio.run(scenario())
