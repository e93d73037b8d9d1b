"""A WebSocket process killed with its viewers connected: they age out of the viewer count (issue 11).

Real daphne processes over the test database and a redis-server of the test's own. Each process refreshes its own
connections' presence every HEARTBEAT_SECONDS, each entry expiring EXPIRY_SECONDS later; a process that dies stops
refreshing, and a surviving process's next heartbeat recounts the stream without them. No setting shortens those
constants (streams/presence.py), so the processes this test starts set them on the module before serving: expiry
3 s, heartbeat 1 s (production: 45 s and 15 s, so a dead process's viewers leave the count within about a minute).
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time

import aiohttp
import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.factories import UserFactory
from chat.tests.servers import ROOT, database_url_of_test_db, free_port
from streams.models import Stream
from streams.tests.factories import StreamFactory
from streams.tests.processes import redis_server, wait_until

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]

EXPIRY, HEARTBEAT = 3.0, 1.0
SERVE = f"""
import sys
import django
django.setup()
import streams.presence
streams.presence.EXPIRY_SECONDS = {EXPIRY}
streams.presence.HEARTBEAT_SECONDS = {HEARTBEAT}
from daphne.cli import CommandLineInterface
CommandLineInterface().run(sys.argv[1:])
"""


def start_daphne(redis_url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url_of_test_db(),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "livestream.settings.base",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, "-b", "127.0.0.1", "-p", str(port), "livestream.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError("daphne exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    wait_until(listening, timeout=30, what="daphne listening")
    return process, f"127.0.0.1:{port}"


async def next_event(ws, event_type: str, timeout: float, **match) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"no {event_type} {match} within {timeout} s")
        message = await ws.receive(timeout=remaining)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise AssertionError(f"socket closed: {message}")
        event = json.loads(message.data)
        if event["type"] == event_type and all(event.get(k) == v for k, v in match.items()):
            return event


def test_a_killed_websocket_process_s_viewers_age_out_of_the_count(tmp_path):
    stream = StreamFactory(creator=UserFactory(), live=True)
    token = Token.objects.create(user=UserFactory()).key
    path = f"/api/v1/streams/{stream.pk}/chat"
    with redis_server(tmp_path) as redis_url:
        doomed, doomed_address = start_daphne(redis_url)
        survivor, survivor_address = start_daphne(redis_url)
        try:

            async def scenario() -> float:
                async with aiohttp.ClientSession() as session:
                    signed_in = await session.ws_connect(f"ws://{doomed_address}{path}?token={token}")
                    watcher = await session.ws_connect(f"ws://{survivor_address}{path}")
                    await next_event(signed_in, "stream_status", timeout=10)
                    await next_event(watcher, "viewer_count", timeout=10, count=2)  # one per process
                    doomed.send_signal(signal.SIGKILL)  # no disconnect, no leave: its entries just stop being renewed
                    killed_at = time.monotonic()
                    await next_event(watcher, "viewer_count", timeout=EXPIRY + 2 * HEARTBEAT + 5, count=1)
                    aged_out_after = time.monotonic() - killed_at
                    await watcher.close()
                    return aged_out_after

            aged_out_after = asyncio.run(scenario())
            # Not at once (nothing told the survivor), and within expiry + a heartbeat + a tick or two.
            assert EXPIRY - 1.5 <= aged_out_after <= EXPIRY + 2 * HEARTBEAT + 2
            wait_until(
                lambda: Stream.objects.get(pk=stream.pk).current_viewers == 1, timeout=5, what="the stored count"
            )
        finally:
            for process in (doomed, survivor):
                if process.poll() is None:
                    process.terminate()
                process.wait(timeout=10)
