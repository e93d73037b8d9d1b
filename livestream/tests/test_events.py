"""Events after commit (send_event_on_commit) and the per-process publisher of room events: order, pipelines,
the bound, Redis errors, fork."""

import asyncio
import json
import logging
import os
import threading
import uuid
from unittest import mock

import pytest
import redis
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from livestream import events
from livestream.events import RoomPublisher, room_channel

_fakes: list["FakeRedis"] = []


@pytest.fixture(autouse=True)
def _fake_redis_calls_checked():
    _fakes.clear()
    yield
    for fake in _fakes:
        fake.check_calls()


class FakeRedis:
    """Records each pipeline's PUBLISHes; ``hold`` keeps the first execute waiting, like a slow Redis."""

    def __init__(self, *, hold: bool = False, error: Exception | None = None):
        self.pipelines: list[list[tuple[str, str]]] = []
        self.error = error
        # What the publisher thread did, checked by the test's own thread (an assert on the publisher thread
        # would be logged and swallowed by its catch-all, not fail the test).
        self.transactional: list[bool] = []
        self.released_in_time: list[bool] = []
        _fakes.append(self)
        self.busy = threading.Event()  # the publisher thread is inside a (held) execute
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def pipeline(self, transaction=True):
        self.transactional.append(transaction)  # PUBLISHes need no MULTI: checked in check_calls()
        return FakePipeline(self)

    def check_calls(self) -> None:
        assert not any(self.transactional)
        assert all(self.released_in_time)


class FakePipeline:
    def __init__(self, redis_client: FakeRedis):
        self.redis = redis_client
        self.commands: list[tuple[str, str]] = []

    def publish(self, channel, text):
        self.commands.append((channel, text))

    def execute(self):
        self.redis.busy.set()
        self.redis.released_in_time.append(self.redis.release.wait(5))
        if self.redis.error is not None:
            raise self.redis.error
        self.redis.pipelines.append(self.commands)


def published(fake: FakeRedis) -> list[tuple[str, str]]:
    return [command for pipeline in fake.pipelines for command in pipeline]


def test_events_are_published_in_order_and_what_queued_meanwhile_goes_in_one_pipeline():
    fake = FakeRedis(hold=True)
    publisher = RoomPublisher()
    with mock.patch("livestream.events.redis_sync", return_value=fake):
        publisher.put("a", "gift", "1")
        assert fake.busy.wait(5)  # the thread took "1" and waits on Redis; the rest queue up behind it
        for n in range(2, 8):
            publisher.put("a" if n % 2 else "b", "gift", str(n))
        fake.release.set()
        assert publisher.flush()
    assert [len(pipeline) for pipeline in fake.pipelines] == [1, 6]
    assert published(fake) == [(room_channel("a" if n % 2 else "b"), str(n)) for n in range(1, 8)]


def test_the_queue_is_bounded_and_a_stuck_redis_costs_events_not_memory(caplog):
    fake = FakeRedis(hold=True)
    publisher = RoomPublisher(limit=3)
    with mock.patch("livestream.events.redis_sync", return_value=fake), caplog.at_level(logging.ERROR):
        publisher.put("a", "gift", "taken")
        assert fake.busy.wait(5)
        for n in range(5):
            publisher.put("a", "gift", str(n))
        assert publisher.dropped == 2
        assert sum("dropping" in record.getMessage() for record in caplog.records) == 1  # once, not per event
        fake.release.set()
        assert publisher.flush()
    assert [text for _channel, text in published(fake)] == ["taken", "0", "1", "2"]
    assert publisher.dropped == 0 and "2 events were dropped" in caplog.text


def test_redis_away_is_logged_once_per_outage_and_the_publisher_goes_on(caplog):
    fake = FakeRedis(error=redis.ConnectionError("Connection refused"))
    publisher = RoomPublisher()
    with mock.patch("livestream.events.redis_sync", return_value=fake), caplog.at_level(logging.WARNING):
        for n in range(3):
            publisher.put("a", "gift", f"lost {n}")
            assert publisher.flush()
        away = [record for record in caplog.records if "Redis is away" in record.getMessage()]
        assert len(away) == 1 and away[0].exc_info is None  # one line, not a traceback per batch
        assert publisher.undelivered == 3
        fake.error = None
        publisher.put("a", "gift", "kept")
        assert publisher.flush()
    assert published(fake) == [(room_channel("a"), "kept")]
    assert publisher.undelivered == 0 and "Redis is back; 3 room events were not delivered live" in caplog.text


def test_another_redis_error_is_logged_with_its_batch(caplog):
    fake = FakeRedis(error=redis.ResponseError("WRONGTYPE"))
    publisher = RoomPublisher()
    with mock.patch("livestream.events.redis_sync", return_value=fake), caplog.at_level(logging.ERROR):
        publisher.put("a", "gift", "lost")
        assert publisher.flush()
    assert "could not publish 1 events (the first a gift event to room:a)" in caplog.text


def test_without_redis_room_publish_reaches_local_listeners_before_it_returns():
    heard = []
    with (
        mock.patch("livestream.events.redis_enabled", return_value=False),
        mock.patch.object(events, "_local_listeners", [lambda room, text: heard.append((room, text))]),
        mock.patch("livestream.events.room_publisher") as publisher,
    ):
        events.room_publish("r", '{"type":"gift"}', "gift")
    assert heard == [("r", '{"type":"gift"}')]
    publisher.assert_not_called()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_publisher():
    """gunicorn and Celery fork workers: the parent's thread is not in the child, so the child needs its own."""
    fake = FakeRedis()
    with (
        mock.patch("livestream.events.redis_enabled", return_value=True),
        mock.patch("livestream.events.redis_sync", return_value=fake),
    ):
        events.room_publish("a", '{"type":"gift","n":1}', "gift")
        parent = events.room_publisher()
        assert parent.flush()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report and leave without running pytest's teardown
            ok = False
            try:
                events.room_publish("a", '{"type":"gift","n":2}', "gift")
                child = events.room_publisher()
                ok = child is not parent and child.pid == os.getpid() and child.flush(timeout=5)
                ok = ok and published(fake)[-1] == (room_channel("a"), '{"type":"gift","n":2}')
            finally:
                os.write(write_end, b"1" if ok else b"0")
                os._exit(0)
        os.close(write_end)
        answer = os.read(read_end, 1)
        os.waitpid(pid, 0)
        os.close(read_end)
        assert events.room_publisher() is parent  # the parent keeps its own
    assert answer == b"1"
    assert published(fake) == [(room_channel("a"), '{"type":"gift","n":1}')]  # the child's went through its copy


def test_a_burst_of_events_waits_out_the_linger_and_goes_as_one_pipeline():
    """A hot room's events come hundreds a second: one round trip for a burst, not one per event."""
    fake = FakeRedis()
    publisher = RoomPublisher(linger=0.5)  # long enough that the burst is surely all queued when it ends
    with mock.patch("livestream.events.redis_sync", return_value=fake):
        for n in range(50):
            publisher.put("a", "gift", str(n))
        assert publisher.flush()
    assert fake.pipelines == [[(room_channel("a"), str(n)) for n in range(50)]]


# --- send_event_on_commit: the one way to broadcast --------------------------------------------------------


@pytest.fixture
def heard():
    """Room events as this process's hubs would hear them without Redis: (room, event) pairs."""
    got: list[tuple[str, dict]] = []
    with (
        mock.patch("livestream.events.redis_enabled", return_value=False),
        mock.patch.object(events, "_local_listeners", [lambda room, text: got.append((room, json.loads(text)))]),
    ):
        yield got


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_transaction_that_rolls_back_is_never_sent(heard):
    with pytest.raises(Rollback), transaction.atomic():
        events.send_event_on_commit({"type": "gift", "n": 1}, room="r")
        raise Rollback
    with transaction.atomic():  # a later commit does not resurrect it
        pass
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_transaction_that_commits_is_sent_once_after_the_commit(heard):
    with transaction.atomic():
        events.send_event_on_commit({"type": "gift", "n": 1}, room="r")
        assert heard == []  # not before the commit
    assert heard == [("r", {"type": "gift", "n": 1})]
    with transaction.atomic():
        pass
    assert heard == [("r", {"type": "gift", "n": 1})]  # once


@pytest.mark.django_db(transaction=True)
def test_only_the_events_of_a_savepoint_that_rolls_back_are_dropped(heard):
    with transaction.atomic():
        events.send_event_on_commit({"type": "kept"}, room="r")
        with pytest.raises(Rollback), transaction.atomic():
            events.send_event_on_commit({"type": "dropped"}, room="r")
            raise Rollback
    assert heard == [("r", {"type": "kept"})]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_an_event_is_sent_at_once(heard):
    events.send_event_on_commit({"type": "viewer_count", "count": 3}, room=uuid.UUID(int=7))
    assert heard == [(str(uuid.UUID(int=7)), {"type": "viewer_count", "count": 3})]


@pytest.mark.django_db(transaction=True)
def test_the_event_is_what_it_was_when_sent_not_what_the_dict_became(heard):
    event = {"type": "chat_settings", "slow_mode": 5}
    with transaction.atomic():
        events.send_event_on_commit(event, room="r")
        event["slow_mode"] = 0
    assert heard == [("r", {"type": "chat_settings", "slow_mode": 5})]


@pytest.mark.django_db(transaction=True)
def test_a_user_event_reaches_the_users_sockets_after_commit_and_never_after_a_rollback():
    """Events to one group arrive in the order sent: what comes first after a rollback shows what was sent."""
    layer = get_channel_layer()
    group = events.user_group(uuid.uuid4())

    def send(event, *, roll_back=False):
        with transaction.atomic():
            events.send_event_on_commit(event, users=[group.removeprefix("user_")])
            if roll_back:
                transaction.set_rollback(True)

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        try:
            await sync_to_async(send)({"type": "error", "code": "rolled_back"}, roll_back=True)
            await sync_to_async(send)({"type": "error", "code": "banned", "stream_id": "s1"})
            await sync_to_async(send)({"type": "marker"})
            return [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(2)]
        finally:
            await layer.group_discard(group, channel)

    banned, marker = async_to_sync(scenario)()
    assert banned["type"] == events.USER_EVENT and banned["stream_id"] == "s1"
    assert json.loads(banned["text"]) == {"type": "error", "code": "banned", "stream_id": "s1"}
    assert json.loads(marker["text"]) == {"type": "marker"}  # the banned event came once


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_never_fails_the_write_it_announces(caplog):
    with (
        mock.patch("livestream.events.users_send", side_effect=ConnectionError("the layer is down")),
        caplog.at_level(logging.ERROR),
        transaction.atomic(),
    ):
        events.send_event_on_commit({"type": "error", "code": "banned"}, users=["u"])
    assert "the layer is down" in caplog.text


@pytest.mark.parametrize(
    ("event", "targets"),
    [
        ({"code": "no type"}, {"room": "r"}),
        ("gift", {"room": "r"}),
        ({"type": ""}, {"room": "r"}),
        ({"type": "gift", "at": object()}, {"room": "r"}),  # not JSON: refused while the writer can still roll back
    ],
)
def test_an_event_is_a_json_dict_with_a_type(event, targets):
    with pytest.raises(TypeError):
        events.send_event_on_commit(event, **targets)


def test_an_event_goes_somewhere():
    with pytest.raises(ValueError, match="room, to users"):
        events.send_event_on_commit({"type": "gift"})
