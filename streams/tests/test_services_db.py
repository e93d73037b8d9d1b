"""Behaviour that needs a real server: row locks and races (PostgreSQL), the channel layer (Redis)."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from livestream.errors import InvalidTransition
from streams.models import Follow, Stream
from streams.services import follow_create, stream_start
from streams.tests.factories import StreamFactory


def run_concurrently(count: int, target) -> list:
    results: list = []
    barrier = threading.Barrier(count)

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_tests_run_on_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_starts_let_exactly_one_win():
    stream = StreamFactory()
    results = run_concurrently(8, lambda: stream_start(stream=Stream(pk=stream.pk)))
    assert sum(isinstance(r, Stream) for r in results) == 1
    assert sum(isinstance(r, InvalidTransition) for r in results) == 7
    stream.refresh_from_db()
    assert stream.status == "live"


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_follows_make_one_follow():
    creator, fan = UserFactory(), UserFactory()
    results = run_concurrently(8, lambda: follow_create(follower=fan, creator=creator))
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(created for _, created in results) == 1
    assert Follow.objects.filter(creator=creator).count() == 1


@pytest.mark.needs_redis
def test_channel_layer_is_redis_and_delivers_to_a_user_group():
    layer = get_channel_layer()
    from channels_redis.core import RedisChannelLayer

    assert isinstance(layer, RedisChannelLayer)

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add("user_test", channel)
        await layer.group_send("user_test", {"type": "user.event", "event": {"type": "error", "code": "banned"}})
        message = await layer.receive(channel)
        await layer.group_discard("user_test", channel)
        return message

    assert async_to_sync(round_trip)()["event"]["code"] == "banned"


@pytest.mark.needs_redis
def test_room_events_go_through_redis_to_every_hub():
    """Two hubs (as in two processes) subscribed to one room both get a sync publish."""
    from chat.rooms import RoomHub
    from livestream.events import event_text, room_publish

    class Member:
        def __init__(self):
            self.got: list[str] = []

        def deliver(self, text: str) -> None:
            self.got.append(text)

    async def scenario():
        hub_a, hub_b = RoomHub(asyncio.get_running_loop()), RoomHub(asyncio.get_running_loop())
        a, b = Member(), Member()
        await hub_a.join("room-test", a)
        await hub_b.join("room-test", b)
        text = event_text({"type": "chat_message", "message": {"content": "ẹ n lẹ"}})
        await asyncio.to_thread(room_publish, "room-test", text, "chat_message")
        for _ in range(100):
            if a.got and b.got:
                break
            await asyncio.sleep(0.02)
        await hub_a.leave("room-test", a)
        await hub_b.leave("room-test", b)
        return a.got, b.got

    got_a, got_b = async_to_sync(scenario)()
    assert got_a == got_b == ['{"type":"chat_message","message":{"content":"ẹ n lẹ"}}']
