"""Staff edits in the chat admin go through chat's services: the same rules and the same events as the API."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.models import ChatBan, ChatMessage, ChatModerator, ChatSettings
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def stream():
    return StreamFactory(live=True)


@pytest.fixture
def user_events():
    """Events sent to users' own sockets after commit: (user ids, event) pairs, in order."""
    sent: list[tuple[tuple, dict]] = []
    with mock.patch(
        "livestream.events.users_send", side_effect=lambda ids, text, *_: sent.append((tuple(ids), json.loads(text)))
    ):
        yield sent


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- moderators -------------------------------------------------------------------------------------------


def test_a_moderator_added_in_the_admin_loses_their_ban(staff_client, stream):
    user = UserFactory()
    ChatBan.objects.create(stream=stream, user=user, reason="spam")
    response = staff_client.post(
        "/admin/chat/chatmoderator/add/", {"stream": stream.pk, "user": user.pk, "appointed_by": stream.creator_id}
    )
    assert response.status_code == 302
    assert not ChatBan.objects.filter(stream=stream, user=user).exists()  # never a moderator who is still banned
    assert ChatModerator.objects.get(stream=stream, user=user).appointed_by.is_staff


def test_the_creator_is_not_added_as_a_moderator_in_the_admin(staff_client, stream):
    response = staff_client.post(
        "/admin/chat/chatmoderator/add/", {"stream": stream.pk, "user": stream.creator_id}, follow=True
    )
    assert any("already moderates" in message for message in shown(response))
    assert not ChatModerator.objects.exists()


def test_a_moderator_removed_in_the_admin_goes_through_the_service(staff_client, stream, staff):
    moderator = ChatModerator.objects.create(stream=stream, user=UserFactory())
    from chat import services

    with mock.patch("chat.admin.chat_moderator_remove", wraps=services.chat_moderator_remove) as remove:
        response = staff_client.post(f"/admin/chat/chatmoderator/{moderator.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ChatModerator.objects.exists()
    remove.assert_called_once_with(stream=stream, actor=staff, user=moderator.user)


# --- bans --------------------------------------------------------------------------------------------------


def test_a_ban_added_in_the_admin_reaches_the_users_sockets(
    staff_client, staff, stream, django_capture_on_commit_callbacks, user_events
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/chat/chatban/add/", {"stream": stream.pk, "user": user.pk, "moderator": staff.pk, "reason": "spam"}
        )
    assert response.status_code == 302
    ban = ChatBan.objects.get(stream=stream, user=user)
    assert ban.expires_at is None and ban.reason == "spam" and ban.moderator.is_staff
    assert len(user_events) == 1
    (ids, event) = user_events[0]
    assert ids == (str(user.pk),) and event["code"] == "banned" and event["stream_id"] == str(stream.pk)


def test_a_timeout_added_in_the_admin_says_until_when(
    staff_client, staff, stream, django_capture_on_commit_callbacks, user_events
):
    user = UserFactory()
    until = timezone.localtime() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            "/admin/chat/chatban/add/",
            {
                "stream": stream.pk,
                "user": user.pk,
                "moderator": staff.pk,
                "reason": "",
                "expires_at_0": until.strftime("%Y-%m-%d"),
                "expires_at_1": until.strftime("%H:%M:%S"),
            },
        )
    ban = ChatBan.objects.get(stream=stream, user=user)
    assert abs((ban.expires_at - until).total_seconds()) < 5
    assert [event["code"] for _, event in user_events] == ["timed_out"]


def test_a_ban_in_the_past_is_refused_beside_its_field(staff_client, stream):
    past = timezone.localtime() - timedelta(hours=1)
    response = staff_client.post(
        "/admin/chat/chatban/add/",
        {
            "stream": stream.pk,
            "user": UserFactory().pk,
            "expires_at_0": past.strftime("%Y-%m-%d"),
            "expires_at_1": past.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 200
    assert "expires_at" in response.context["adminform"].form.errors
    assert not ChatBan.objects.exists()


def test_a_moderator_cannot_be_banned_in_the_admin(staff_client, stream, user_events):
    moderator = ChatModerator.objects.create(stream=stream, user=UserFactory())
    response = staff_client.post(
        "/admin/chat/chatban/add/", {"stream": stream.pk, "user": moderator.user_id, "reason": ""}, follow=True
    )
    assert any("cannot be banned" in message for message in shown(response))
    assert not ChatBan.objects.exists() and user_events == []


def test_bans_lifted_in_the_admin_go_through_the_service(staff_client, stream, staff):
    bans = [ChatBan.objects.create(stream=stream, user=UserFactory()) for _ in range(2)]
    from chat import services

    with mock.patch("chat.admin.chat_ban_lift", wraps=services.chat_ban_lift) as lift:
        staff_client.post(f"/admin/chat/chatban/{bans[0].pk}/delete/", {"post": "yes"})
        staff_client.post(
            "/admin/chat/chatban/", {"action": "delete_selected", "_selected_action": [bans[1].pk], "post": "yes"}
        )
    assert not ChatBan.objects.exists()
    assert [call.kwargs["user"] for call in lift.call_args_list] == [bans[0].user, bans[1].user]


# --- settings ----------------------------------------------------------------------------------------------


def settings_form(**changes) -> dict:
    data = {
        "slow_mode_seconds": 0,
        "followers_min_minutes": 0,
        "blocked_terms": "[]",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_chat_settings_changed_in_the_admin_tell_the_room(
    staff_client, stream, django_capture_on_commit_callbacks, room_events
):
    ChatSettings.objects.create(stream=stream)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/admin/chat/chatsettings/{stream.pk}/change/",
            {
                "stream": stream.pk,
                **settings_form(slow_mode_seconds=30, emote_only="on", blocked_terms='["Cheap Gold"]'),
            },
        )
    assert response.status_code == 302
    rules = ChatSettings.objects.get(stream=stream)
    assert (rules.slow_mode_seconds, rules.emote_only, rules.blocked_terms) == (30, True, ["cheap gold"])
    assert [event["type"] for _, event in room_events] == ["chat_settings"]
    assert room_events[0][1]["slow_mode"] == 30 and room_events[0][1]["emote_only"] is True


def test_chat_settings_added_in_the_admin_tell_the_room(
    staff_client, stream, django_capture_on_commit_callbacks, room_events
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/chat/chatsettings/add/", {"stream": stream.pk, **settings_form(block_links="on")}
        )
    assert response.status_code == 302
    assert ChatSettings.objects.get(stream=stream).block_links is True
    assert [(event["type"], event["block_links"]) for _, event in room_events] == [("chat_settings", True)]


def test_chat_settings_deleted_in_the_admin_are_reset_and_told(
    staff_client, stream, django_capture_on_commit_callbacks, room_events
):
    ChatSettings.objects.create(stream=stream, emote_only=True, slow_mode_seconds=10)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/admin/chat/chatsettings/{stream.pk}/delete/", {"post": "yes"})
    rules = ChatSettings.objects.filter(stream=stream).first()
    assert rules is None or (rules.emote_only, rules.slow_mode_seconds) == (False, 0)
    assert [(event["type"], event["emote_only"], event["slow_mode"]) for _, event in room_events] == [
        ("chat_settings", False, 0)
    ]


# --- messages ----------------------------------------------------------------------------------------------


def test_messages_deleted_in_the_admin_are_soft_deleted_and_told(
    staff_client, stream, staff, django_capture_on_commit_callbacks, room_events
):
    first, second = (ChatMessage.objects.create(stream=stream, user=UserFactory(), content=c) for c in "ab")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/admin/chat/chatmessage/{first.pk}/delete/", {"post": "yes"})
        staff_client.post(
            "/admin/chat/chatmessage/", {"action": "delete_selected", "_selected_action": [second.pk], "post": "yes"}
        )
    for message in (first, second):
        message.refresh_from_db()  # still there: deletes are soft, as in the API
        assert message.deleted_at is not None and message.deleted_by == staff
    assert room_events == [
        (str(stream.pk), {"type": "message_deleted", "message_id": str(first.pk)}),
        (str(stream.pk), {"type": "message_deleted", "message_id": str(second.pk)}),
    ]


def test_a_message_cannot_be_rewritten_in_the_admin(staff_client, stream):
    message = ChatMessage.objects.create(stream=stream, user=UserFactory(), content="what was said")
    staff_client.post(
        f"/admin/chat/chatmessage/{message.pk}/change/",
        {
            "stream": stream.pk,
            "user": message.user_id,
            "content": "what was not",
            "message_type": "text",
            "mentions": "[]",
            "created_at_0": "",
            "deleted_at_0": "",
            "deleted_at_1": "",
            "deleted_by": "",
        },
    )
    message.refresh_from_db()
    assert message.content == "what was said"


def test_the_chat_admin_forms_load(staff_client, stream):
    user = UserFactory()
    ban = ChatBan.objects.create(stream=stream, user=user)
    moderator = ChatModerator.objects.create(stream=stream, user=UserFactory())
    ChatSettings.objects.create(stream=stream)
    message = ChatMessage.objects.create(stream=stream, user=user, content="hello")
    for url in (
        "/admin/chat/chatban/add/",
        f"/admin/chat/chatban/{ban.pk}/change/",
        "/admin/chat/chatmoderator/add/",
        f"/admin/chat/chatmoderator/{moderator.pk}/change/",
        "/admin/chat/chatsettings/add/",
        f"/admin/chat/chatsettings/{stream.pk}/change/",
        f"/admin/chat/chatmessage/{message.pk}/change/",
        f"/admin/chat/chatmessage/{message.pk}/delete/",
    ):
        assert staff_client.get(url).status_code == 200, url


# --- the channel scope ------------------------------------------------------------------------------------


def test_a_channel_ban_added_in_the_admin_goes_through_the_channel_service(
    staff_client, stream, user_events, django_capture_on_commit_callbacks
):
    user = UserFactory()
    creator = stream.creator
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/chat/chatban/add/", {"creator": creator.pk, "user": user.pk, "reason": "spam", "expires_at_0": ""}
        )
    assert response.status_code == 302
    ban = ChatBan.objects.get(creator=creator, user=user)
    assert ban.stream is None and ban.moderator.is_staff
    [(ids, event)] = user_events
    assert ids == (str(user.pk),) and event["code"] == "banned" and event["creator_id"] == str(creator.pk)
    response = staff_client.post(f"/admin/chat/chatban/{ban.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not ChatBan.objects.exists()


def test_a_ban_names_a_stream_or_a_channel_in_the_admin_never_both(staff_client, stream):
    user = UserFactory()
    both = staff_client.post(
        "/admin/chat/chatban/add/", {"stream": stream.pk, "creator": stream.creator_id, "user": user.pk}
    )
    neither = staff_client.post("/admin/chat/chatban/add/", {"user": user.pk})
    for response in (both, neither):
        assert response.status_code == 200 and "one of the two" in response.content.decode()
    assert not ChatBan.objects.exists()


def test_a_channel_moderator_added_in_the_admin_loses_their_bans_in_the_channel(staff_client, stream):
    user = UserFactory()
    ChatBan.objects.create(stream=stream, user=user)
    ChatBan.objects.create(creator=stream.creator, user=user)
    response = staff_client.post("/admin/chat/chatmoderator/add/", {"creator": stream.creator_id, "user": user.pk})
    assert response.status_code == 302
    assert ChatModerator.objects.get(creator=stream.creator, user=user).appointed_by.is_staff
    assert not ChatBan.objects.exists()
    listed = staff_client.get("/admin/chat/chatmoderator/", {"scope": "channel"})
    assert listed.status_code == 200 and user.username in listed.content.decode()


def test_channel_chat_settings_are_changed_in_the_admin_through_the_service(staff_client, stream):
    from chat.models import ChannelChatSettings

    response = staff_client.post(
        "/admin/chat/channelchatsettings/add/",
        {
            "creator": stream.creator_id,
            "slow_mode_seconds": 30,
            "followers_min_minutes": 0,
            "blocked_terms": '["Wahala"]',
        },
    )
    assert response.status_code == 302
    rules = ChannelChatSettings.objects.get(creator=stream.creator)
    assert rules.slow_mode_seconds == 30 and rules.blocked_terms == ["wahala"]  # cleaned as over the API
    assert ChatSettings.objects.get(stream=stream).slow_mode_seconds == 0  # the live stream kept its rules
