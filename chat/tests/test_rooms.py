import asyncio

import pytest

from chat.rooms import Outbox, RoomHub
from livestream.events import event_text

pytestmark = pytest.mark.asyncio


class Transport:
    """An ASGI send whose writes can be made to block, like a full socket buffer."""

    def __init__(self):
        self.sent: list[str] = []
        self.writable = asyncio.Event()
        self.writable.set()

    async def send(self, message):
        await self.writable.wait()
        self.sent.append(message["text"])


async def test_outbox_sends_at_once_when_the_socket_is_writable():
    transport = Transport()
    outbox = Outbox(transport.send, limit=10, on_overflow=lambda: None)
    outbox.push("a")
    outbox.push("b")
    assert transport.sent == ["a", "b"]  # no loop turn needed


async def test_outbox_keeps_order_while_the_socket_is_full_and_resumes():
    transport = Transport()
    outbox = Outbox(transport.send, limit=10, on_overflow=lambda: None)
    transport.writable.clear()
    for text in "abc":
        outbox.push(text)
    assert transport.sent == []
    transport.writable.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert transport.sent == ["a", "b", "c"]
    outbox.push("d")
    assert transport.sent == ["a", "b", "c", "d"]


async def test_outbox_drops_a_laggard_once():
    transport = Transport()
    dropped = []
    outbox = Outbox(transport.send, limit=2, on_overflow=lambda: dropped.append(True))
    transport.writable.clear()
    for text in "abcdef":
        outbox.push(text)
    assert dropped == [True]
    transport.writable.set()
    await asyncio.sleep(0)
    assert transport.sent in (["a"], [])  # what was in flight may finish; nothing more is sent


async def test_outbox_closes_quietly_when_the_socket_is_gone():
    calls = []

    async def broken(message):
        calls.append(message["text"])
        raise ConnectionResetError

    outbox = Outbox(broken, limit=2, on_overflow=lambda: None)
    outbox.push("a")  # raises inside; the hub must not see it
    outbox.push("b")  # nothing more is sent to a socket that is gone
    assert calls == ["a"]


async def test_hub_gives_every_local_member_the_same_text_and_survives_a_broken_one():
    hub = RoomHub(asyncio.get_running_loop())

    class Member:
        def __init__(self, fail=False):
            self.got, self.fail = [], fail

        def deliver(self, text):
            if self.fail:
                raise RuntimeError("boom")
            self.got.append(text)

    good, bad, other_room = Member(), Member(fail=True), Member()
    await hub.join("r1", good)
    await hub.join("r1", bad)
    await hub.join("r2", other_room)
    text = event_text({"type": "viewer_count", "count": 3})
    hub.dispatch("r1", text)
    assert good.got == [text] and other_room.got == []
    assert good.got[0] is text  # serialised once, shared
    await hub.leave("r1", good)
    await hub.leave("r1", bad)
    assert "r1" not in hub.rooms
