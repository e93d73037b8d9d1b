"""Channel moderation (chat services): moderators, bans and rules a creator sets once for all their streams."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.models import ChannelChatSettings, ChatBan, ChatMessage, ChatModerator, ChatSettings
from chat.selectors import chat_active_ban, chat_badges_attach, chat_role, chat_roles, chat_settings_of
from chat.services import (
    chat_ban_create,
    chat_channel_ban_create,
    chat_channel_ban_lift,
    chat_channel_blocked_term_add,
    chat_channel_blocked_term_remove,
    chat_channel_moderator_add,
    chat_channel_moderator_remove,
    chat_channel_settings_update,
    chat_message_delete,
    chat_message_send,
    chat_settings_update,
)
from livestream import errors
from streams.models import Follow
from streams.services import stream_create
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator():
    return UserFactory(username="ada")


@pytest.fixture
def viewer():
    return UserFactory(username="tunde")


@pytest.fixture
def streams(creator):
    """Two live streams of the creator."""
    return StreamFactory(creator=creator, live=True), StreamFactory(creator=creator, live=True)


def new_live_stream(creator):
    """A stream created (through the service) after the channel was set up, then put live."""
    stream = stream_create(creator=creator, title="Later lesson")
    stream.status, stream.started_at = "live", timezone.now()
    stream.save(update_fields=["status", "started_at"])
    return stream


def refused_code(stream, user, content="hello") -> str:
    with pytest.raises(errors.DomainError) as refused:
        chat_message_send(stream_id=stream.pk, user=user, content=content)
    return refused.value.code


# --- bans -------------------------------------------------------------------------------------------------------


def test_a_channel_ban_holds_in_every_stream_of_the_creator_those_created_later_too(creator, viewer, streams):
    other_creators = StreamFactory(live=True)
    ban = chat_channel_ban_create(creator=creator, actor=creator, user=viewer, reason="spam")
    assert ban.creator == creator and ban.stream is None and ban.expires_at is None
    later = new_live_stream(creator)
    for stream in (*streams, later):
        assert refused_code(stream, viewer) == "banned"
    with pytest.raises(errors.PermissionDenied) as refused:
        chat_message_send(stream_id=later.pk, user=viewer, content="hi")
    assert "this channel's chats" in refused.value.detail and "spam" in refused.value.detail
    chat_message_send(stream_id=other_creators.pk, user=viewer, content="elsewhere I may")  # another channel
    chat_channel_ban_lift(creator=creator, actor=creator, user=viewer)
    chat_message_send(stream_id=later.pk, user=viewer, content="back")
    assert list(ChatMessage.objects.values_list("content", flat=True).order_by("created_at")) == [
        "elsewhere I may",
        "back",
    ]


def test_a_channel_timeout_ends_and_a_stream_ban_still_works_beside_it(creator, viewer, streams):
    first, second = streams
    chat_channel_ban_create(creator=creator, actor=creator, user=viewer, duration_seconds=600)
    assert refused_code(first, viewer) == "timed_out"
    ChatBan.objects.filter(creator=creator).update(expires_at=timezone.now() - timedelta(seconds=1))
    chat_message_send(stream_id=first.pk, user=viewer, content="the timeout is over")
    chat_ban_create(stream=first, actor=creator, user=viewer)  # one stream's ban
    assert refused_code(first, viewer) == "banned"
    chat_message_send(stream_id=second.pk, user=viewer, content="the other stream is open")


def test_the_longest_ban_in_force_is_the_one_a_user_is_told(creator, viewer, streams):
    stream = streams[0]
    chat_ban_create(stream=stream, actor=creator, user=viewer, duration_seconds=60)
    chat_channel_ban_create(creator=creator, actor=creator, user=viewer)
    assert chat_active_ban(stream=stream, user=viewer).creator == creator  # permanent beats a minute
    assert refused_code(stream, viewer) == "banned"


def test_a_ban_check_is_one_query_for_both_scopes(creator, viewer, streams, django_assert_num_queries):
    chat_channel_ban_create(creator=creator, actor=creator, user=viewer)
    with django_assert_num_queries(1):
        assert chat_active_ban(stream=streams[0], user=viewer) is not None


def test_who_may_ban_in_the_channel_and_who_cannot_be_banned(creator, viewer, streams):
    moderator, staff, stranger = UserFactory(), UserFactory(is_staff=True), UserFactory()
    stream_moderator = UserFactory()
    chat_channel_moderator_add(creator=creator, actor=creator, user=moderator)
    ChatModerator.objects.create(stream=streams[0], user=stream_moderator)
    with pytest.raises(errors.PermissionDenied):
        chat_channel_ban_create(creator=creator, actor=stranger, user=viewer)
    with pytest.raises(errors.PermissionDenied):  # one stream's moderator does not moderate the channel
        chat_channel_ban_create(creator=creator, actor=stream_moderator, user=viewer)
    for actor, target in ((moderator, creator), (creator, moderator), (moderator, staff)):
        with pytest.raises(errors.PermissionDenied) as refused:
            chat_channel_ban_create(creator=creator, actor=actor, user=target)
        assert refused.value.code == "invalid_ban"
    with pytest.raises(errors.DomainError) as refused:
        chat_channel_ban_create(creator=creator, actor=moderator, user=moderator)
    assert refused.value.code == "invalid_ban"
    with pytest.raises(ValidationError):
        chat_channel_ban_create(creator=creator, actor=moderator, user=viewer, duration_seconds=0)
    ban = chat_channel_ban_create(creator=creator, actor=moderator, user=viewer, duration_seconds=60)
    assert ban.moderator == moderator
    chat_channel_ban_create(creator=creator, actor=staff, user=viewer)  # replaces the timeout
    assert ChatBan.objects.get(creator=creator, user=viewer).expires_at is None
    with pytest.raises(errors.PermissionDenied):
        chat_channel_ban_lift(creator=creator, actor=stranger, user=viewer)
    chat_channel_ban_lift(creator=creator, actor=moderator, user=viewer)
    with pytest.raises(errors.NotFound):
        chat_channel_ban_lift(creator=creator, actor=moderator, user=viewer)


def test_a_channel_ban_tells_the_user_after_commit_with_the_creator_as_its_scope(
    creator, viewer, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("livestream.events.users_send", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        chat_channel_ban_create(creator=creator, actor=creator, user=viewer, duration_seconds=600)
    [(user_ids, text, stream_scope, creator_scope)] = sent
    assert user_ids == (str(viewer.pk),) and stream_scope is None and creator_scope == str(creator.pk)
    assert '"code":"timed_out"' in text


def test_a_ban_row_has_exactly_one_scope(creator, viewer, streams):
    with pytest.raises(IntegrityError), transaction.atomic():
        ChatBan.objects.create(user=viewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChatBan.objects.create(stream=streams[0], creator=creator, user=viewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChatModerator.objects.create(user=viewer)


# --- moderators -------------------------------------------------------------------------------------------------


def test_a_channel_moderator_deletes_and_times_out_in_all_the_creators_streams(creator, viewer, streams):
    moderator = UserFactory()
    moderator_row, created = chat_channel_moderator_add(creator=creator, actor=creator, user=moderator)
    assert created and moderator_row.creator == creator and moderator_row.appointed_by == creator
    later = new_live_stream(creator)
    for stream in (*streams, later):
        assert chat_role(stream=stream, user=moderator) == "moderator"
        message = chat_message_send(stream_id=stream.pk, user=viewer, content="rude")
        chat_message_delete(stream=stream, message_id=message.pk, actor=moderator)
        chat_ban_create(stream=stream, actor=moderator, user=viewer, duration_seconds=60)
        assert refused_code(stream, viewer) == "timed_out"
    elsewhere = StreamFactory(live=True)
    assert chat_role(stream=elsewhere, user=moderator) is None
    with pytest.raises(errors.PermissionDenied):
        chat_ban_create(stream=elsewhere, actor=moderator, user=viewer)
    assert not ChatMessage.objects.filter(deleted_at__isnull=True).exists()


def test_a_channel_moderator_skips_the_viewer_rules_and_carries_the_badge(creator, streams):
    moderator = UserFactory()
    chat_channel_moderator_add(creator=creator, actor=creator, user=moderator)
    chat_channel_settings_update(creator=creator, actor=creator, data={"blocked_terms": ["boo"]})
    message = chat_message_send(stream_id=streams[0].pk, user=moderator, content="boo to that")
    assert message.badges == ["moderator"]
    # The history and the replay draw the same badge from the stored message.
    stored = list(ChatMessage.objects.filter(pk=message.pk).select_related("user"))
    assert chat_badges_attach(stream=streams[0], messages=stored)[0].badges == ["moderator"]


def test_only_the_creator_or_staff_appoint_and_remove_channel_moderators(creator, viewer, streams):
    moderator, staff = UserFactory(), UserFactory(is_staff=True)
    chat_channel_moderator_add(creator=creator, actor=creator, user=moderator)
    with pytest.raises(errors.PermissionDenied):  # a moderator appoints nobody
        chat_channel_moderator_add(creator=creator, actor=moderator, user=viewer)
    with pytest.raises(errors.PermissionDenied):
        chat_channel_moderator_remove(creator=creator, actor=moderator, user=moderator)
    with pytest.raises(errors.DomainError) as refused:
        chat_channel_moderator_add(creator=creator, actor=creator, user=creator)
    assert refused.value.code == "invalid_moderator"
    _row, created = chat_channel_moderator_add(creator=creator, actor=staff, user=moderator)
    assert not created  # already one: nothing changes
    chat_channel_moderator_remove(creator=creator, actor=staff, user=moderator)
    assert chat_role(stream=streams[0], user=moderator) is None
    with pytest.raises(errors.NotFound):
        chat_channel_moderator_remove(creator=creator, actor=creator, user=moderator)


def test_appointing_a_channel_moderator_lifts_their_bans_in_the_channel_only(creator, viewer, streams):
    elsewhere = StreamFactory(live=True)
    chat_channel_ban_create(creator=creator, actor=creator, user=viewer)
    chat_ban_create(stream=streams[0], actor=creator, user=viewer)
    chat_ban_create(stream=elsewhere, actor=elsewhere.creator, user=viewer)
    chat_channel_moderator_add(creator=creator, actor=creator, user=viewer)
    assert list(ChatBan.objects.values_list("stream_id", flat=True)) == [elsewhere.pk]


def test_chat_roles_knows_channel_moderators_in_one_query(creator, viewer, streams, django_assert_num_queries):
    moderator = UserFactory()
    chat_channel_moderator_add(creator=creator, actor=creator, user=moderator)
    elsewhere = StreamFactory(live=True)
    pairs = [(streams[0], moderator), (streams[1], viewer), (elsewhere, moderator), (streams[1], creator)]
    with django_assert_num_queries(1):
        roles = chat_roles(pairs=pairs)
    assert roles == {
        (streams[0].pk, moderator.pk): "moderator",
        (streams[1].pk, viewer.pk): None,
        (elsewhere.pk, moderator.pk): None,
        (streams[1].pk, creator.pk): "creator",
    }


# --- settings and blocked terms ---------------------------------------------------------------------------------


def test_channel_settings_are_what_every_new_stream_starts_with(creator, viewer):
    before = StreamFactory(creator=creator, live=True)  # scheduled/live before the change: keeps its rules
    chat_channel_settings_update(creator=creator, actor=creator, data={"slow_mode": 30, "followers_only": True})
    later = new_live_stream(creator)
    rules = chat_settings_of(later)
    assert rules.slow_mode_seconds == 30 and rules.followers_only and rules.blocked_terms == []
    assert refused_code(later, viewer) == "followers_only"
    assert chat_settings_of(before).slow_mode_seconds == 0
    assert ChatSettings.objects.get(stream=before).followers_only is False  # kept as its own
    chat_message_send(stream_id=before.pk, user=viewer, content="this stream kept its rules")
    Follow.objects.create(follower=viewer, creator=creator)
    chat_message_send(stream_id=later.pk, user=viewer, content="one")
    assert refused_code(later, viewer, "two") == "slow_mode"


def test_changing_one_streams_settings_starts_from_the_channels(creator):
    chat_channel_settings_update(creator=creator, actor=creator, data={"slow_mode": 30, "emote_only": True})
    stream = new_live_stream(creator)
    rules = chat_settings_update(stream=stream, actor=creator, data={"emote_only": False})
    assert rules.slow_mode_seconds == 30 and rules.emote_only is False


def test_apply_to_streams_gives_the_rules_to_scheduled_and_live_streams_and_tells_their_rooms(
    creator, django_capture_on_commit_callbacks, monkeypatch
):
    live = StreamFactory(creator=creator, live=True)
    scheduled = StreamFactory(creator=creator)
    ended = StreamFactory(creator=creator, ended=True)
    ChatSettings.objects.create(stream=live, slow_mode_seconds=5, blocked_terms=["own"])
    ChatSettings.objects.create(stream=ended, slow_mode_seconds=5)
    published = []
    monkeypatch.setattr("livestream.events.room_publish", lambda room, text, kind="": published.append(room))
    with django_capture_on_commit_callbacks(execute=True):
        chat_channel_settings_update(
            creator=creator, actor=creator, data={"slow_mode": 10, "block_links": True}, apply_to_streams=True
        )
    live_rules = ChatSettings.objects.get(stream=live)
    assert live_rules.slow_mode_seconds == 10 and live_rules.block_links and live_rules.blocked_terms == ["own"]
    assert chat_settings_of(StreamFactory._meta.model.objects.get(pk=scheduled.pk)).slow_mode_seconds == 10
    assert ChatSettings.objects.get(stream=ended).slow_mode_seconds == 5  # an ended stream is left as it was
    assert sorted(published) == sorted([str(live.pk), str(scheduled.pk)])


def test_channel_blocked_terms_refuse_messages_in_every_stream_beside_the_streams_own(creator, viewer, streams):
    first, second = streams
    chat_channel_blocked_term_add(creator=creator, actor=creator, term="  Wahala ")
    chat_settings_update(stream=first, actor=creator, data={"blocked_terms": ["gbege"]})
    assert refused_code(first, viewer, "no WAHALA here") == "message_blocked"
    assert refused_code(second, viewer, "wahala!") == "message_blocked"
    assert refused_code(first, viewer, "gbege") == "message_blocked"
    chat_message_send(stream_id=second.pk, user=viewer, content="gbege is fine here")
    chat_message_send(stream_id=StreamFactory(live=True).pk, user=viewer, content="wahala elsewhere")
    chat_channel_blocked_term_remove(creator=creator, actor=creator, term="WAHALA")
    chat_message_send(stream_id=second.pk, user=viewer, content="wahala now")


def test_blocked_terms_are_cleaned_bounded_and_kept_by_the_creator(creator, viewer):
    moderator = UserFactory()
    chat_channel_moderator_add(creator=creator, actor=creator, user=moderator)
    with pytest.raises(errors.PermissionDenied):
        chat_channel_blocked_term_add(creator=creator, actor=moderator, term="x")
    with pytest.raises(ValidationError) as invalid:
        chat_channel_blocked_term_add(creator=creator, actor=creator, term="   ")
    assert "term" in invalid.value.message_dict
    with pytest.raises(ValidationError):
        chat_channel_blocked_term_add(creator=creator, actor=creator, term="x" * 101)
    rules = chat_channel_settings_update(creator=creator, actor=creator, data={"blocked_terms": ["B", "a", "b "]})
    assert rules.blocked_terms == ["a", "b"]
    chat_channel_blocked_term_add(creator=creator, actor=creator, term="A")  # already there: unchanged
    assert ChannelChatSettings.objects.get(creator=creator).blocked_terms == ["a", "b"]
    with pytest.raises(errors.NotFound):
        chat_channel_blocked_term_remove(creator=creator, actor=creator, term="c")
    chat_channel_settings_update(creator=creator, actor=creator, data={"blocked_terms": [f"t{n}" for n in range(200)]})
    with pytest.raises(ValidationError):
        chat_channel_blocked_term_add(creator=creator, actor=creator, term="one more")


def test_channel_settings_are_all_or_nothing_and_the_creators_own(creator, viewer):
    with pytest.raises(errors.PermissionDenied):
        chat_channel_settings_update(creator=creator, actor=viewer, data={"slow_mode": 5})
    with pytest.raises(ValidationError) as invalid:
        chat_channel_settings_update(creator=creator, actor=creator, data={"slow_mode": 5, "followers_min_minutes": -1})
    assert "followers_min_minutes" in invalid.value.message_dict
    assert not ChannelChatSettings.objects.exists()
    staff = UserFactory(is_staff=True)
    assert chat_channel_settings_update(creator=creator, actor=staff, data={"slow_mode": 5}).slow_mode_seconds == 5


def test_a_message_costs_no_more_queries_with_channel_rules(creator, viewer, streams, django_assert_num_queries):
    chat_channel_settings_update(creator=creator, actor=creator, data={"blocked_terms": ["boo"], "slow_mode": 0})
    chat_message_send(stream_id=streams[0].pk, user=viewer, content="warm up the caches")
    # As before channels: the stream (its own rules and its channel's joined in), the moderator check (both
    # scopes), the subscription, the ban (both scopes), and the insert in its savepoint.
    with django_assert_num_queries(7):
        chat_message_send(stream_id=streams[0].pk, user=viewer, content="hello")
