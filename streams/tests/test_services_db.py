"""Behaviour that needs a real server: row locks and races (PostgreSQL), the channel layer (Redis)."""

import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from livestream.api.exceptions import InvalidTransition
from streams.events import stream_group_name
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
def test_channel_layer_is_redis_and_delivers_room_events(settings):
    layer = get_channel_layer()
    assert type(layer).__module__.startswith("channels_redis")

    async def round_trip():
        channel = await layer.new_channel()
        group = stream_group_name("00000000-0000-0000-0000-000000000001")
        await layer.group_add(group, channel)
        await layer.group_send(group, {"type": "room.event", "event": {"type": "stream_status", "status": "live"}})
        message = await layer.receive(channel)
        await layer.group_discard(group, channel)
        await layer.flush() if hasattr(layer, "flush") else None
        return message

    assert async_to_sync(round_trip)()["event"] == {"type": "stream_status", "status": "live"}
