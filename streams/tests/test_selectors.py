"""streams' reads raise the domain's errors, never HTTP's: a stream or creator nobody may see is NotFound."""

import datetime as dt
import uuid

import pytest

from accounts.tests.factories import UserFactory
from livestream import errors
from streams.models import CreatorProfile, Follow, ScheduleSlot
from streams.selectors import creator_followed_by, creator_get, creator_next_broadcast, stream_get
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def test_stream_get_raises_not_found_for_an_unknown_stream():
    with pytest.raises(errors.NotFound) as missing:
        stream_get(stream_id=uuid.UUID(int=0), user=None)
    assert (missing.value.code, missing.value.detail) == ("not_found", "No such stream.")


def test_stream_get_raises_not_found_for_a_private_stream_to_anyone_but_its_creator():
    private = StreamFactory(visibility="private")
    for user in (None, UserFactory()):
        with pytest.raises(errors.NotFound):
            stream_get(stream_id=private.pk, user=user)
    assert stream_get(stream_id=private.pk, user=private.creator) == private


def test_creator_get_raises_not_found_for_an_unknown_or_deactivated_creator():
    with pytest.raises(errors.NotFound) as missing:
        creator_get(username="nobody")
    assert (missing.value.code, missing.value.detail) == ("not_found", "No such creator.")
    gone = UserFactory(is_active=False)
    with pytest.raises(errors.NotFound):
        creator_get(username=gone.username)


# --- when a creator is next on air (the watch page's offline overlay) ---------------------------------------

MONDAY_NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # a Monday


def slot(profile, weekday, hour, title=""):
    return ScheduleSlot.objects.create(
        profile=profile, weekday=weekday, start_time=dt.time(hour, 0), duration_minutes=60, title=title
    )


def test_the_next_broadcast_is_the_next_weekly_slot_in_the_creators_time_zone():
    profile = CreatorProfile.objects.create(user=UserFactory(), timezone="Africa/Lagos")  # UTC+1
    slot(profile, weekday=0, hour=12, title="Too late today")  # Monday 11:00 UTC: gone; next week's
    slot(profile, weekday=2, hour=18, title="Maths")
    found = creator_next_broadcast(creator_id=profile.pk, now=MONDAY_NOON)
    assert (found.start, found.title, found.stream_id) == (dt.datetime(2026, 3, 4, 17, 0, tzinfo=dt.UTC), "Maths", None)
    later = creator_next_broadcast(creator_id=profile.pk, now=dt.datetime(2026, 3, 6, tzinfo=dt.UTC))
    assert later.start == dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.UTC) and later.title == "Too late today"


def test_a_weekly_slot_keeps_its_wall_clock_time_across_a_change_of_summer_time():
    profile = CreatorProfile.objects.create(user=UserFactory(), timezone="Europe/London")
    slot(profile, weekday=6, hour=18)  # Sundays 18:00 in London; summer time begins on Sunday 29 March 2026
    found = creator_next_broadcast(creator_id=profile.pk, now=dt.datetime(2026, 3, 23, tzinfo=dt.UTC))
    assert found.start == dt.datetime(2026, 3, 29, 17, 0, tzinfo=dt.UTC)  # 18:00 BST


def test_a_scheduled_stream_before_the_next_slot_comes_first_but_not_this_one_nor_private_ones():
    profile = CreatorProfile.objects.create(user=UserFactory(), timezone="UTC")
    slot(profile, weekday=4, hour=9)
    at = MONDAY_NOON + dt.timedelta(days=1)
    this = StreamFactory(creator=profile.user, scheduled_start_time=at, title="This one")
    StreamFactory(creator=profile.user, scheduled_start_time=at, visibility="private")
    StreamFactory(creator=profile.user, scheduled_start_time=at, visibility="unlisted")
    assert creator_next_broadcast(creator_id=profile.pk, exclude_stream_id=this.pk, now=MONDAY_NOON).stream_id is None
    found = creator_next_broadcast(creator_id=profile.pk, now=MONDAY_NOON)
    assert (found.stream_id, found.title, found.start) == (this.pk, "This one", at)


def test_a_creator_with_neither_schedule_nor_scheduled_streams_has_no_next_broadcast(django_assert_num_queries):
    creator = UserFactory()
    StreamFactory(creator=creator, scheduled_start_time=MONDAY_NOON - dt.timedelta(hours=1))  # late: not "next"
    with django_assert_num_queries(2):
        assert creator_next_broadcast(creator_id=creator.pk, now=MONDAY_NOON) is None


def test_creator_followed_by_is_the_viewers_follow():
    creator, fan, stranger = UserFactory(), UserFactory(), UserFactory()
    Follow.objects.create(follower=fan, creator=creator)
    assert creator_followed_by(creator_id=creator.pk, viewer=fan)
    assert not creator_followed_by(creator_id=creator.pk, viewer=stranger)
    assert not creator_followed_by(creator_id=creator.pk, viewer=None)
