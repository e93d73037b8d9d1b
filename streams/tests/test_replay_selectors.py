"""A recording's replay clock (when its 0 s was broadcast, who may follow it) and the time windows every replay
read goes through; "More from <creator>" on an ended stream's page."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from chat.models import ChatMessage
from livestream.errors import NotFound, PermissionDenied
from streams.models import Recording, Stream
from streams.selectors import stream_more_from_creator
from streams.selectors.media import (
    ReplayClock,
    recording_replay_clock,
    recording_started_at,
    replay_before,
    replay_window,
)
from streams.services.monetization import stream_access_buy
from streams.tests.factories import StreamFactory, recording_opened_at
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 11, 20, 18, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return OPENED + timedelta(seconds=seconds)


def messages_at(stream, *offsets) -> list[ChatMessage]:
    """Chat messages sent ``offsets`` seconds after OPENED (created_at is set on save, so moved after)."""
    made = []
    for number, offset in enumerate(offsets):
        message = ChatMessage.objects.create(stream=stream, user=stream.creator, content=f"m{number}@{offset}")
        ChatMessage.objects.filter(pk=message.pk).update(created_at=at(offset))
        message.created_at = at(offset)
        made.append(message)
    return made


def clock_of(stream, duration=600.0) -> ReplayClock:
    recording = recording_opened_at(stream, OPENED, duration=duration)
    return ReplayClock(recording=recording, started_at=OPENED, duration=duration)


# --- When a recording's 0 s was broadcast ------------------------------------------------------------------


def test_a_recording_starts_at_the_second_nginx_named_its_file_refined_by_the_publish_hooks_moment():
    hook = OPENED + timedelta(microseconds=420_000)  # the stream went live inside the second the file opened
    stream = StreamFactory(ended=True, started_at=hook)
    assert recording_started_at(recording_opened_at(stream, OPENED)) == hook
    # A part after a reconnect, an hour later: the stream's start is another second, so the file's name rules.
    later = recording_opened_at(stream, OPENED + timedelta(hours=1))
    assert recording_started_at(later) == OPENED + timedelta(hours=1)


def test_a_recording_named_otherwise_starts_its_length_before_record_done_noted_it():
    stream = StreamFactory(ended=True, started_at=OPENED)
    recording = Recording.objects.create(
        stream=stream, status=Recording.Status.READY, source_path="/elsewhere/upload.flv", duration_seconds=90
    )
    assert recording_started_at(recording) == recording.created_at - timedelta(seconds=90)
    recording.duration_seconds = None
    assert recording_started_at(recording) == OPENED


# --- Who may follow a replay: as who may watch the recording --------------------------------------------------


def test_the_replay_clock_follows_the_recordings_own_rules():
    premium = StreamFactory(ended=True, started_at=OPENED, is_premium=True, price_coins=20)
    recording = recording_opened_at(premium, OPENED, duration=42)
    with pytest.raises(PermissionDenied) as refused:
        recording_replay_clock(stream_id=premium.pk, recording_id=recording.pk, user=UserFactory())
    assert refused.value.code == "premium_required"
    fan = UserFactory()
    coins_grant(user=fan, coins=100, reason="test")
    stream_access_buy(stream=premium, user=fan)
    clock = recording_replay_clock(stream_id=premium.pk, recording_id=recording.pk, user=fan)
    assert (clock.started_at, clock.duration, clock.recording) == (OPENED, 42, recording)

    private = StreamFactory(ended=True, visibility=Stream.Visibility.PRIVATE)
    hidden = recording_opened_at(private, OPENED)
    for outsider in (UserFactory(), UserFactory(is_staff=True), None):
        with pytest.raises(NotFound):
            recording_replay_clock(stream_id=private.pk, recording_id=hidden.pk, user=outsider)
    assert recording_replay_clock(stream_id=private.pk, recording_id=hidden.pk, user=private.creator)


def test_only_a_ready_recording_of_that_very_stream_replays():
    stream = StreamFactory(ended=True)
    processing = recording_opened_at(stream, OPENED, status=Recording.Status.PROCESSING)
    elsewhere = recording_opened_at(StreamFactory(ended=True), OPENED)
    for recording in (processing, elsewhere):
        with pytest.raises(NotFound):
            recording_replay_clock(stream_id=stream.pk, recording_id=recording.pk, user=None)


# --- Windows ----------------------------------------------------------------------------------------------


def test_a_window_holds_its_start_not_its_end_nor_anything_outside_the_recording():
    stream = StreamFactory(ended=True)
    clock = clock_of(stream, duration=100)
    messages_at(stream, -0.5, 0, 9.999999, 10, 99.9, 100, 150)
    page = replay_window(ChatMessage.objects.all(), clock=clock, start=Decimal(0), end=Decimal(10))
    assert [m.content for m in page.items] == ["m1@0", "m2@9.999999"] and page.next_from is None
    page = replay_window(ChatMessage.objects.all(), clock=clock, start=Decimal(10), end=Decimal(300))
    assert [m.content for m in page.items] == ["m3@10", "m4@99.9"]  # the recording ends at 100 s


def test_a_full_page_stops_where_the_next_starts_and_never_splits_a_moment():
    stream = StreamFactory(ended=True)
    clock = clock_of(stream)
    messages_at(stream, 1, 2, 3, 3, 3, 4)
    everything = ChatMessage.objects.all()
    page = replay_window(everything, clock=clock, start=Decimal(0), end=Decimal(300), limit=3)
    # Three would cut the three at 3 s apart: the page stops before them and the next starts exactly there.
    assert [m.content for m in page.items] == ["m0@1", "m1@2"] and page.next_from == Decimal(3)
    rest = replay_window(everything, clock=clock, start=page.next_from, end=Decimal(300), limit=3)
    assert sorted(m.content for m in rest.items) == ["m2@3", "m3@3", "m4@3"] and rest.next_from == Decimal(4)
    last = replay_window(everything, clock=clock, start=rest.next_from, end=Decimal(300), limit=3)
    assert [m.content for m in last.items] == ["m5@4"] and last.next_from is None


def test_more_than_a_page_in_one_microsecond_comes_whole():
    stream = StreamFactory(ended=True)
    clock = clock_of(stream)
    messages_at(stream, 2.5, 2.5, 2.5, 7)
    page = replay_window(ChatMessage.objects.all(), clock=clock, start=Decimal(0), end=Decimal(60), limit=2)
    assert len(page.items) == 3 and page.next_from == Decimal("2.500001")
    rest = replay_window(ChatMessage.objects.all(), clock=clock, start=page.next_from, end=Decimal(60), limit=2)
    assert [m.content for m in rest.items] == ["m3@7"]


def test_before_a_moment_is_the_newest_of_the_recording_oldest_first(django_assert_num_queries):
    stream = StreamFactory(ended=True)
    clock = clock_of(stream)
    messages_at(stream, -3, 1, 2, 3, 4, 5)
    with django_assert_num_queries(1):
        rows = replay_before(ChatMessage.objects.all(), clock=clock, before=Decimal(4), limit=2)
    assert [m.content for m in rows] == ["m2@2", "m3@3"]
    rows = replay_before(ChatMessage.objects.all(), clock=clock, before=Decimal(4), limit=50)
    assert [m.content for m in rows] == ["m1@1", "m2@2", "m3@3"]  # nothing from before the recording


# --- More from the creator ----------------------------------------------------------------------------------


def test_more_from_the_creator_is_their_other_public_recordings_and_upcoming_streams_bounded(
    django_assert_num_queries,
):
    stream = StreamFactory(ended=True)
    creator = stream.creator
    recording_opened_at(stream, OPENED)
    now = datetime.now(UTC)
    recorded = []
    for days in range(8):
        other = StreamFactory(creator=creator, ended=True, ended_at=now - timedelta(days=days))
        recording_opened_at(other, OPENED + timedelta(days=days))
        recorded.append(other)
    StreamFactory(creator=creator, ended=True)  # no recording to play
    recording_opened_at(StreamFactory(creator=creator, ended=True, visibility="private"), OPENED)
    recording_opened_at(StreamFactory(ended=True), OPENED)  # someone else's
    soon = StreamFactory(creator=creator, scheduled_start_time=now + timedelta(hours=2))
    sooner = StreamFactory(creator=creator, scheduled_start_time=now + timedelta(hours=1))
    StreamFactory(creator=creator, scheduled_start_time=now + timedelta(hours=3), visibility="unlisted")
    StreamFactory(creator=creator, scheduled_start_time=now - timedelta(hours=1))  # late, not upcoming

    with django_assert_num_queries(2):
        more = stream_more_from_creator(stream=stream, limit=6)
    assert more["recordings"] == recorded[:6]  # newest first, never this stream
    assert more["upcoming"] == [sooner, soon]
