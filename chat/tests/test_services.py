"""Chat services on their own: the rules of a message, and all-or-nothing writes."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from accounts.tests.factories import UserFactory
from chat.models import ChatBan, ChatMessage, ChatModerator, ChatSettings, MessageReport
from chat.services import chat_message_send, chat_moderator_add, chat_settings_update, message_report_resolve
from livestream import errors
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("content", "blocked"),
    [
        # links, however they are written
        ("visit evil.example", True),
        ("foo.co.uk/x", True),
        ("Evil.Example", True),
        ("EVIL.EXAMPLE/path?q=1 now", True),
        ("(see evil.example).", True),
        ("sub.domain.evil.museum", True),
        ("evil.example.", True),
        ("go to cheap.ng", True),
        ("write to a@evil.example", True),
        ("xn--80ak6aa92e.com", True),
        ("пример.рф", True),
        ("evil。example", True),  # an ideographic full stop is a dot to browsers
        ("https://spam.example", True),
        ("http://localhost:8000/x", True),
        ("www.spam", True),
        ("mail.localhost", True),
        ("at 192.168.0.1 tonight", True),
        ("10.0.0.1:8080/x", True),
        # ordinary sentences
        ("e.g. this one", False),
        ("i.e. that one", False),
        ("pi is 3.14", False),
        ("the end. Next one", False),
        ("wait...what", False),
        ("version 2.0 and 1.5.2 are out", False),
        ("Mr. Smith, U.S.A.", False),
        ("at 9 a.m. sharp", False),
        ("999.999.999.999", False),
        ("Ẹ kú àárọ̀ 👋", False),
        ("ok.. fine", False),
        # a sentence typed without a space after its full stop: the last word is no top-level domain
        ("ok.thanks", False),
        ("Mr.Smith", False),
        ("etc.Anyway", False),
        ("It ended.Then we left", False),
        ("I use node.js daily", False),
        # ... but a host followed by such a sentence still is one
        ("see evil.com.Thanks", True),
        ("bit.ly/x", True),
        ("ＥＶＩＬ．ＣＯＭ", True),  # full-width letters and stop
        ("shop.internal", True),  # special-use names (RFC 2606, 6761, 6762, 7686...) are hosts too
    ],
)
def test_block_links_catches_any_host_and_no_sentence(content, blocked):
    stream = StreamFactory(live=True)
    ChatSettings.objects.create(stream=stream, block_links=True)
    viewer = UserFactory()
    if blocked:
        with pytest.raises(errors.DomainError) as refused:
            chat_message_send(stream_id=stream.pk, user=viewer, content=content)
        assert refused.value.code == "message_blocked"
        assert not ChatMessage.objects.exists()
    else:
        assert chat_message_send(stream_id=stream.pk, user=viewer, content=content).content == content
    ChatSettings.objects.filter(stream=stream).update(block_links=False)
    assert chat_message_send(stream_id=stream.pk, user=UserFactory(), content=content).content == content


@pytest.mark.parametrize(
    ("content", "token"),
    [
        ("visit evil.example now", "evil.example"),
        ("see evil.com.Thanks", "evil.com"),
        ("foo.co.uk/x", "foo.co.uk"),
        ("go https://spam.example/x?y=1 now", "https://spam.example/x?y=1"),
        ("www.spam", "www.spam"),
        ("at 192.168.0.1 tonight", "192.168.0.1"),
    ],
)
def test_block_links_names_what_it_took_for_a_link(content, token):
    stream = StreamFactory(live=True)
    ChatSettings.objects.create(stream=stream, block_links=True)
    with pytest.raises(errors.DomainError) as refused:
        chat_message_send(stream_id=stream.pk, user=UserFactory(), content=content)
    assert refused.value.code == "message_blocked"
    assert f"“{token}”" in refused.value.detail


# --- all or nothing: a service that changes several things fails whole --------------------------------


@pytest.fixture
def stream():
    return StreamFactory(live=True)


def test_chat_settings_are_validated_before_the_stream_changes(stream, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as announced, pytest.raises(ValidationError) as refused:
        chat_settings_update(
            stream=stream,
            actor=stream.creator,
            data={"chat_enabled": False, "gifts_enabled": False, "slow_mode": 10, "followers_min_minutes": -1},
        )
    assert "followers_min_minutes" in refused.value.message_dict
    stream.refresh_from_db()
    assert stream.allow_chat is True and stream.allow_gifts is True  # chat was left switched off
    assert not ChatSettings.objects.exists()
    assert announced == []  # nothing to tell the room


def test_chat_settings_write_all_or_nothing(stream, django_capture_on_commit_callbacks):
    ChatSettings.objects.create(stream=stream, slow_mode_seconds=5)
    with (
        mock.patch.object(ChatSettings, "save", side_effect=DatabaseError("disk full")),
        django_capture_on_commit_callbacks() as announced,
        pytest.raises(DatabaseError),
    ):
        chat_settings_update(stream=stream, actor=stream.creator, data={"chat_enabled": False, "slow_mode": 30})
    stream.refresh_from_db()
    assert stream.allow_chat is True
    assert ChatSettings.objects.get().slow_mode_seconds == 5
    assert announced == []


def test_a_moderator_is_not_appointed_when_their_ban_cannot_be_lifted(stream):
    user = UserFactory()
    ChatBan.objects.create(stream=stream, user=user, reason="spam")
    with (
        mock.patch.object(ChatBan.objects, "filter", side_effect=DatabaseError("lost connection")),
        pytest.raises(DatabaseError),
    ):
        chat_moderator_add(stream=stream, actor=stream.creator, user=user)
    assert not ChatModerator.objects.exists()  # a moderator who is still banned
    assert ChatBan.objects.filter(stream=stream, user=user).exists()
    _, created = chat_moderator_add(stream=stream, actor=stream.creator, user=user)
    assert created and not ChatBan.objects.exists()


def fail_on_call(n: int, original):
    """A stand-in for ``original`` whose ``n``-th call raises a DatabaseError."""
    calls = []

    def call(*args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise DatabaseError("deadlock")
        return original(*args, **kwargs)

    return call


def reported(stream, author, *reasons):
    message = ChatMessage.objects.create(stream=stream, user=author, content="rude")
    for reason in reasons:
        MessageReport.objects.create(message=message, reporter=UserFactory(), reason=reason)
    return message


def test_resolving_two_reports_of_one_message_acts_once(stream, django_capture_on_commit_callbacks):
    author = UserFactory()
    message = reported(stream, author, "spam", "harassment")
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks() as announced:
        count = message_report_resolve(
            reports=MessageReport.objects.all(), reviewer=staff, delete_message=True, ban_author=True
        )
    assert count == 2
    message.refresh_from_db()
    assert message.deleted_at is not None and message.deleted_by == staff
    assert set(MessageReport.objects.values_list("status", flat=True)) == {"actioned"}
    assert ChatBan.objects.get().user == author
    assert len(announced) == 2  # the room hears of one deletion, the author of one ban


@pytest.mark.parametrize("failing", ["ban", "reports"])
def test_report_resolution_is_all_or_nothing(stream, failing, django_capture_on_commit_callbacks):
    first = reported(stream, UserFactory(), "spam")
    second = reported(stream, UserFactory(), "hate")
    staff = UserFactory(is_staff=True)
    if failing == "ban":  # the second author's ban, after the first message was deleted and its author banned
        target = mock.patch.object(
            ChatBan.objects, "update_or_create", side_effect=fail_on_call(2, ChatBan.objects.update_or_create)
        )
    else:  # the last step: closing the reports
        target = mock.patch("chat.services._reports_close", side_effect=DatabaseError("deadlock"))
    with django_capture_on_commit_callbacks() as announced, target, pytest.raises(DatabaseError):
        message_report_resolve(
            reports=MessageReport.objects.order_by("pk"), reviewer=staff, delete_message=True, ban_author=True
        )
    for message in (first, second):
        message.refresh_from_db()
        assert message.deleted_at is None
    assert set(MessageReport.objects.values_list("status", flat=True)) == {"open"}
    assert not ChatBan.objects.exists()
    assert announced == []  # rolled back: nobody is told anything


def test_only_staff_resolve_reports(stream):
    reported(stream, UserFactory(), "spam")
    with pytest.raises(errors.PermissionDenied):
        message_report_resolve(reports=MessageReport.objects.all(), reviewer=stream.creator, delete_message=True)
    assert MessageReport.objects.get().status == "open"


def _resolve_counting_queries(copies: int) -> tuple[int, set]:
    """Resolve (delete and ban) ``copies`` rounds of reports on two fresh streams: messages by a moderator of the
    first stream, its creator and a viewer there, and by that viewer and that moderator on the second stream.
    Returns the number of queries and the bans written."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = StreamFactory(live=True), StreamFactory(live=True)
    moderator, viewer, staff = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    ChatModerator.objects.create(stream=first, user=moderator)
    messages = []
    for _ in range(copies):
        for stream, author in ((first, moderator), (first, first.creator), (first, viewer), (second, viewer)):
            messages.append(reported(stream, author, "spam"))
        messages.append(reported(second, moderator, "hate"))
    reports = MessageReport.objects.filter(message__in=messages)
    with CaptureQueriesContext(connection) as queries:
        message_report_resolve(reports=reports, reviewer=staff, delete_message=True, ban_author=True)
    bans = set(ChatBan.objects.filter(stream__in=[first, second]).values_list("stream_id", "user_id"))
    assert bans == {(first.pk, viewer.pk), (second.pk, viewer.pk), (second.pk, moderator.pk)}
    assert not ChatMessage.objects.filter(pk__in=[m.pk for m in messages], deleted_at__isnull=True).exists()
    return len(queries), bans


def test_report_resolution_asks_who_moderates_once_not_per_message():
    one_round, _ = _resolve_counting_queries(1)
    four_rounds, _ = _resolve_counting_queries(4)
    assert four_rounds == one_round  # 20 messages cost what 5 do: no query per message in the locked loop
