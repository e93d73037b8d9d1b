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


# --- Redis away and back ------------------------------------------------------------------------------------


class Member:
    def __init__(self):
        self.texts: list[str] = []
        self.lost: list[float] = []

    def deliver(self, text: str) -> None:
        self.texts.append(text)

    def room_lost(self, retry_after: float) -> None:
        self.lost.append(retry_after)


async def test_a_join_while_redis_is_away_is_refused_and_the_room_is_not_registered(settings):
    from unittest import mock

    from chat.rooms import RoomsUnavailable
    from chat.tests.servers import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    hub = RoomHub(asyncio.get_running_loop())
    with pytest.raises(RoomsUnavailable) as refused:
        await hub.join("r", Member())
    assert refused.value.retry_after == pytest.approx(RoomHub.RETRY_FIRST, abs=0.1)
    assert hub.rooms == {}  # not registered: a later join subscribes for real
    with mock.patch("chat.rooms.redis_async") as client, pytest.raises(RoomsUnavailable):
        await hub.join("r", Member())  # within the backoff: refused without trying Redis
    client.assert_not_called()
    hub._down_until = 0
    with pytest.raises(RoomsUnavailable) as again:
        await hub.join("r", Member())
    assert again.value.retry_after == pytest.approx(min(RoomHub.RETRY_CAP, 2 * RoomHub.RETRY_FIRST), abs=0.1)


@pytest.mark.needs_redis
async def test_the_hub_tells_its_members_and_recovers_when_redis_comes_back(settings, own_redis):
    import redis

    from livestream.events import room_channel

    settings.REDIS_URL = own_redis.url
    publisher = redis.Redis.from_url(own_redis.url)
    hub = RoomHub(asyncio.get_running_loop())
    first = Member()
    await hub.join("r", first)

    async def delivered(member: Member, text: str) -> None:
        for _ in range(100):
            publisher.publish(room_channel("r"), text)
            await asyncio.sleep(0.05)
            if text in member.texts:
                return
        raise AssertionError(f"{text} was not delivered")

    await delivered(first, "before")
    own_redis.stop()
    for _ in range(100):
        if first.lost:
            break
        await asyncio.sleep(0.05)
    assert first.lost == [RoomHub.RETRY_FIRST]  # told once, with when to retry
    assert hub.rooms == {}
    own_redis.start()
    await asyncio.sleep(hub.retry_after())
    second = Member()
    await hub.join("r", second)
    await delivered(second, "after")
    assert "after" not in first.texts  # the lost member is not in the room any more
    await hub.leave("r", second)
