"""GET /streams/{id}/recordings/{recording id}/chat: a recording's chat by offset from its start, a window at a
time, for the viewers who may watch the recording, without what moderators removed."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.models import ChatMessage, ChatModerator
from chat.services import chat_ban_create, chat_message_delete
from conftest import client_for
from streams.models import Stream
from streams.services.monetization import stream_access_buy
from streams.tests.factories import StreamFactory, recording_opened_at
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 11, 20, 18, 0, 0, tzinfo=UTC)


@pytest.fixture
def stream():
    return StreamFactory(ended=True, started_at=OPENED + timedelta(microseconds=250_000))


@pytest.fixture
def recording(stream):
    return recording_opened_at(stream, OPENED, duration=3 * 3600)


def say(stream, offset: float, content: str = "", user=None) -> ChatMessage:
    """A message sent ``offset`` seconds after the stream went live (at OPENED + 0.25 s)."""
    message = ChatMessage.objects.create(stream=stream, user=user or UserFactory(), content=content or f"at {offset}")
    moment = stream.started_at + timedelta(seconds=offset)
    ChatMessage.objects.filter(pk=message.pk).update(created_at=moment)
    return message


def url(stream, recording, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/streams/{stream.pk}/recordings/{recording.pk}/chat" + (f"?{query}" if query else "")


def test_a_window_gives_each_message_its_offset_in_the_recording(stream, recording):
    say(stream, 2, "hello")
    say(stream, 301, "later")
    body = APIClient().get(url(stream, recording)).json()  # from 0, a 300 s window by default
    assert body["recording_id"] == str(recording.pk) and body["duration"] == 3 * 3600
    assert (body["from"], body["to"], body["next"]) == (0.0, 300.0, None)
    [item] = body["results"]
    assert item["offset"] == 2.0  # timed from the publish hook's moment, inside the second nginx named the file
    assert item["message"]["content"] == "hello" and set(item["message"]) >= {"id", "user", "created_at"}
    later = APIClient().get(url(stream, recording, **{"from": 300, "to": 900})).json()
    assert [i["message"]["content"] for i in later["results"]] == ["later"]


def test_a_busy_window_continues_in_next_pages_with_nothing_lost_or_repeated(
    stream, recording, django_assert_max_num_queries
):
    sent = [say(stream, 10 + n * 0.5).pk for n in range(130)]
    client = APIClient()
    # The stream (and its tags), the recording, the messages, their authors' moderator rows and subscriptions.
    with django_assert_max_num_queries(6):
        first = client.get(url(stream, recording, **{"from": 0, "to": 600})).json()
    assert len(first["results"]) == 100 and first["next"]
    assert first["next"].endswith("?from=60&to=600")
    rest = client.get(first["next"]).json()
    assert rest["next"] is None
    got = [item["message"]["id"] for item in first["results"] + rest["results"]]
    assert got == [str(pk) for pk in sent]
    offsets = [item["offset"] for item in first["results"] + rest["results"]]
    assert offsets == sorted(offsets)


def test_before_a_position_gives_the_newest_messages_up_to_it_oldest_first(stream, recording):
    for n in range(80):
        say(stream, n + 1)
    body = APIClient().get(url(stream, recording, before=60, limit=50)).json()
    assert (body["from"], body["to"], body["next"]) == (None, 60.0, None)
    assert [item["offset"] for item in body["results"]] == [float(n) for n in range(10, 60)]


def test_deleted_messages_and_a_banned_users_removed_messages_never_replay(stream, recording):
    troll, fan = UserFactory(), UserFactory()
    say(stream, 1, "fine", user=fan)
    deleted = say(stream, 2, "deleted by a moderator", user=fan)
    spam = [say(stream, 3 + n, "spam", user=troll) for n in range(2)]
    chat_message_delete(stream=stream, message_id=deleted.pk, actor=stream.creator)
    chat_ban_create(stream=stream, actor=stream.creator, user=troll)
    for message in spam:
        chat_message_delete(stream=stream, message_id=message.pk, actor=stream.creator)
    for body in (
        APIClient().get(url(stream, recording)).json(),
        APIClient().get(url(stream, recording, before=100)).json(),
    ):
        assert [item["message"]["content"] for item in body["results"]] == ["fine"]


def test_a_premium_recordings_chat_is_for_viewers_who_may_watch_it():
    stream = StreamFactory(ended=True, started_at=OPENED, is_premium=True, price_coins=20)
    recording = recording_opened_at(stream, OPENED)
    say(stream, 1)
    for client in (APIClient(), client_for(UserFactory())):
        response = client.get(url(stream, recording))
        assert response.status_code == 403 and response.json()["code"] == "premium_required"
    fan = UserFactory()
    coins_grant(user=fan, coins=100, reason="test")
    stream_access_buy(stream=stream, user=fan)
    for viewer in (fan, stream.creator, UserFactory(is_staff=True)):
        assert len(client_for(viewer).get(url(stream, recording)).json()["results"]) == 1


def test_a_private_streams_replay_is_its_creators_alone_and_other_recordings_are_not_found(stream, recording):
    private = StreamFactory(ended=True, started_at=OPENED, visibility=Stream.Visibility.PRIVATE)
    hidden = recording_opened_at(private, OPENED)
    for client in (APIClient(), client_for(UserFactory())):
        assert client.get(url(private, hidden)).status_code == 404
    assert client_for(private.creator).get(url(private, hidden)).status_code == 200
    assert APIClient().get(url(stream, hidden)).status_code == 404  # another stream's recording
    processing = recording_opened_at(stream, OPENED + timedelta(hours=1), status="processing")
    assert APIClient().get(url(stream, processing)).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": -1}, "from"),
        ({"from": "soon"}, "from"),
        ({"from": "1.1234567"}, "from"),
        ({"from": "NaN"}, "from"),
        ({"from": 10, "to": 10}, "to"),
        ({"from": 0, "to": 601}, "to"),
        ({"to": "Infinity"}, "to"),
        ({"before": 5, "from": 0}, "before"),
        ({"before": ""}, "before"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_windows_are_refused_with_the_field_named(stream, recording, params, field):
    response = APIClient().get(url(stream, recording, **params))
    assert response.status_code == 400 and field in response.json(), response.json()


def test_replayed_messages_carry_their_authors_badges_as_the_live_chat_shows_them(stream, recording):
    moderator = UserFactory()
    ChatModerator.objects.create(stream=stream, user=moderator)
    User.objects.filter(pk=stream.creator.pk).update(is_verified=True)
    say(stream, 1, "from the creator", user=stream.creator)
    say(stream, 2, "from a moderator", user=moderator)
    say(stream, 3, "from a viewer")
    for body in (
        APIClient().get(url(stream, recording)).json(),
        APIClient().get(url(stream, recording, before=10)).json(),
    ):
        users = {item["message"]["content"]: item["message"]["user"] for item in body["results"]}
        assert users["from the creator"]["badges"] == ["creator"] and users["from the creator"]["is_verified"]
        assert users["from a moderator"]["badges"] == ["moderator"]
        assert users["from a viewer"]["badges"] == [] and not users["from a viewer"]["is_verified"]
