"""The chat REST routes: history, send, delete, moderators, bans, settings, reports."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.models import ChatBan, ChatMessage, ChatModerator, ChatSettings, MessageReport
from conftest import client_for
from streams.models import Subscription
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream():
    return StreamFactory(live=True)


@pytest.fixture
def owner(stream):
    return client_for(stream.creator)


def chat_url(stream, suffix: str = "") -> str:
    return f"/api/v1/streams/{stream.pk}/chat{suffix}"


def say(stream, user, content="hello", **extra) -> ChatMessage:
    return ChatMessage.objects.create(stream=stream, user=user, content=content, **extra)


def test_history_is_newest_first_without_deleted_messages_with_a_cursor(api_client, stream, user):
    base = timezone.now()
    messages = []
    for n in range(5):
        message = say(stream, user, f"m{n}")
        ChatMessage.objects.filter(pk=message.pk).update(created_at=base + timedelta(seconds=n))
        messages.append(message)
    ChatMessage.objects.filter(pk=messages[3].pk).update(deleted_at=timezone.now())
    body = api_client.get(chat_url(stream)).json()["results"]
    assert [m["content"] for m in body] == ["m4", "m2", "m1", "m0"]
    cursor = (base + timedelta(seconds=2)).isoformat()
    page = api_client.get(chat_url(stream), {"before": cursor, "limit": 1}).json()["results"]
    assert [m["content"] for m in page] == ["m1"]
    assert api_client.get(chat_url(stream), {"before": "yesterday"}).status_code == 400
    assert api_client.get(chat_url(stream), {"limit": 101}).status_code == 200  # capped, as every list caps it
    assert api_client.get(chat_url(stream), {"limit": 0}).status_code == 400


def test_history_runs_three_queries_whatever_its_length(api_client, stream, django_assert_max_num_queries):
    for _ in range(30):
        say(stream, UserFactory())
    with django_assert_max_num_queries(5):  # the stream (with its tags), the page, its authors' moderators, subscribers
        assert len(api_client.get(chat_url(stream), {"limit": 100}).json()["results"]) == 30


def test_history_gives_each_author_the_badges_the_live_chat_shows(api_client, stream):
    moderator, subscriber, staff, plain = UserFactory(), UserFactory(), UserFactory(is_staff=True), UserFactory()
    ChatModerator.objects.create(stream=stream, user=moderator)
    Subscription.objects.create(
        subscriber=subscriber,
        creator=stream.creator,
        price_coins=10,
        current_period_end=timezone.now() + timedelta(days=3),
    )
    lapsed = UserFactory()
    Subscription.objects.create(
        subscriber=lapsed, creator=stream.creator, price_coins=10, current_period_end=timezone.now() - timedelta(days=1)
    )
    User.objects.filter(pk=stream.creator.pk).update(is_verified=True)
    for person in (stream.creator, moderator, subscriber, staff, plain, lapsed):
        say(stream, person, person.username)
    rows = {row["content"]: row["user"] for row in api_client.get(chat_url(stream)).json()["results"]}
    assert rows[stream.creator.username]["badges"] == ["creator"] and rows[stream.creator.username]["is_verified"]
    assert rows[moderator.username]["badges"] == ["moderator"]
    assert rows[subscriber.username]["badges"] == ["subscriber"]
    assert rows[staff.username]["badges"] == ["staff"]
    assert rows[plain.username]["badges"] == [] == rows[lapsed.username]["badges"]
    assert not rows[plain.username]["is_verified"]


def test_catching_up_names_the_shown_messages_deleted_since_the_cursor(api_client, stream, user):
    """A page that was away still shows messages a moderator deleted meanwhile: the catch-up names them."""
    base = timezone.now() - timedelta(minutes=5)
    messages = []
    for n in range(5):
        message = say(stream, user, f"m{n}")
        ChatMessage.objects.filter(pk=message.pk).update(created_at=base + timedelta(seconds=n))
        messages.append(message)
    cursor = messages[2]  # the last line the page showed before its socket dropped
    long_ago = base + timedelta(seconds=1, milliseconds=500)  # before the cursor reached the page: it heard it
    ChatMessage.objects.filter(pk=messages[0].pk).update(deleted_at=long_ago)
    meanwhile = timezone.now()
    ChatMessage.objects.filter(pk__in=[messages[1].pk, messages[3].pk]).update(deleted_at=meanwhile)
    body = api_client.get(chat_url(stream), {"after": str(cursor.pk)}).json()
    assert body["deleted"] == [str(messages[1].pk)]  # m3 came after the cursor: it is simply not caught up
    assert [row["content"] for row in body["results"]] == ["m4"]
    ChatMessage.objects.filter(pk=cursor.pk).update(deleted_at=meanwhile)  # the cursor itself
    body = api_client.get(chat_url(stream), {"after": str(cursor.pk)}).json()
    assert body["deleted"] == [str(cursor.pk), str(messages[1].pk)]  # newest first
    by_time = api_client.get(chat_url(stream), {"after": (base + timedelta(seconds=2)).isoformat()}).json()
    assert by_time["deleted"] == [str(cursor.pk), str(messages[1].pk)]
    assert api_client.get(chat_url(stream)).json()["deleted"] == []  # only a catch-up asks


def test_history_of_a_private_stream_is_404_to_others(api_client, auth_client):
    private = StreamFactory(live=True, visibility="private")
    assert api_client.get(chat_url(private)).status_code == 404
    assert auth_client.post(chat_url(private), {"content": "hi"}, format="json").status_code == 404
    assert client_for(private.creator).get(chat_url(private)).status_code == 200


def test_post_stores_and_returns_the_message(auth_client, stream, django_capture_on_commit_callbacks, room_events):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(chat_url(stream), {"content": "  Good evening  "}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["content"] == "Good evening" and body["user"]["username"] == auth_client.user.username
    assert room_events == [(str(stream.pk), {"type": "chat_message", "message": body})]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "content"),
        ({"content": "   "}, "content"),
        ({"content": "x" * 501}, "content"),
        ({"content": "hi", "message_type": "shout"}, "message_type"),
        ({"content": "hi", "mentions": ["not-a-uuid"]}, "mentions"),
        ({"content": "hi", "mentions": ["00000000-0000-0000-0000-000000000000"]}, "mentions"),
    ],
)
def test_post_rejects_bad_messages(auth_client, stream, body, field):
    response = auth_client.post(chat_url(stream), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not ChatMessage.objects.exists()


def test_post_needs_a_user(api_client, stream):
    assert api_client.post(chat_url(stream), {"content": "hi"}, format="json").status_code == 401


def test_rules_answer_with_contract_codes(auth_client, stream, settings):
    ChatBan.objects.create(stream=stream, user=auth_client.user, reason="spam")
    banned = auth_client.post(chat_url(stream), {"content": "hi"}, format="json")
    assert banned.status_code == 403 and banned.json()["code"] == "banned"
    ChatBan.objects.all().delete()
    settings.CHAT_RATE_MESSAGES = 1
    settings.CHAT_RATE_SECONDS = 3600  # fixed windows: two messages straddle two only across an hour's turn
    assert auth_client.post(chat_url(stream), {"content": "one"}, format="json").status_code == 201
    flood = auth_client.post(chat_url(stream), {"content": "two"}, format="json")
    assert flood.status_code == 429 and flood.json()["code"] == "rate_limited" and int(flood["Retry-After"]) >= 1
    stream.allow_chat = False
    stream.save()
    off = auth_client.post(chat_url(stream), {"content": "three"}, format="json")
    assert off.status_code == 403 and off.json()["code"] == "chat_disabled"


def test_slow_mode_over_rest_has_retry_after(auth_client, stream, owner):
    owner.put(chat_url(stream, "/settings"), {"slow_mode": 120}, format="json")
    assert auth_client.post(chat_url(stream), {"content": "one"}, format="json").status_code == 201
    slow = auth_client.post(chat_url(stream), {"content": "two"}, format="json")
    assert slow.status_code == 429 and slow.json()["code"] == "slow_mode" and 0 < int(slow["Retry-After"]) <= 120


def test_ended_stream_chat_is_closed(auth_client):
    ended = StreamFactory(ended=True)
    response = auth_client.post(chat_url(ended), {"content": "hi"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "chat_disabled"


def test_delete_by_creator_moderator_staff_but_not_others(stream, owner, user, other_user):
    moderator = UserFactory()
    ChatModerator.objects.create(stream=stream, user=moderator)
    staff = UserFactory(is_staff=True)
    messages = [say(stream, user) for _ in range(4)]
    assert client_for(other_user).delete(chat_url(stream, f"/{messages[0].pk}")).status_code == 403
    assert client_for(user).delete(chat_url(stream, f"/{messages[0].pk}")).status_code == 403
    assert owner.delete(chat_url(stream, f"/{messages[0].pk}")).status_code == 204
    assert client_for(moderator).delete(chat_url(stream, f"/{messages[1].pk}")).status_code == 204
    assert client_for(staff).delete(chat_url(stream, f"/{messages[2].pk}")).status_code == 204
    assert owner.delete(chat_url(stream, f"/{messages[0].pk}")).status_code == 404  # already deleted
    other_stream_message = say(StreamFactory(live=True), user)
    assert owner.delete(chat_url(stream, f"/{other_stream_message.pk}")).status_code == 404
    assert ChatMessage.objects.filter(deleted_at__isnull=True).count() == 2


def test_moderators_are_appointed_by_the_creator_only(stream, owner, user, other_user):
    url = f"/api/v1/streams/{stream.pk}/moderators"
    assert client_for(other_user).post(url, {"user_id": str(user.pk)}, format="json").status_code == 403
    created = owner.post(url, {"username": user.username}, format="json")
    assert created.status_code == 201 and created.json()["user"]["username"] == user.username
    assert owner.post(url, {"user_id": str(user.pk)}, format="json").status_code == 200
    assert owner.post(url, {}, format="json").status_code == 400
    assert owner.post(url, {"username": "nobody"}, format="json").status_code == 404
    assert owner.post(url, {"user_id": str(stream.creator.pk)}, format="json").json()["code"] == "invalid_moderator"
    assert [m["user"]["username"] for m in owner.get(url).json()["results"]] == [user.username]
    assert client_for(other_user).get(url).status_code == 403
    # a moderator cannot appoint or remove others
    assert client_for(user).post(url, {"user_id": str(other_user.pk)}, format="json").status_code == 403
    assert owner.delete(f"{url}/{user.pk}").status_code == 204
    assert owner.delete(f"{url}/{user.pk}").status_code == 404
    assert not ChatModerator.objects.exists()


def test_bans_and_timeouts(stream, owner, user, other_user):
    url = f"/api/v1/streams/{stream.pk}/bans"
    timeout = owner.post(url, {"user_id": str(user.pk), "duration_seconds": 300, "reason": "spam"}, format="json")
    assert timeout.status_code == 201 and timeout.json()["expires_at"] and timeout.json()["reason"] == "spam"
    timed_out = client_for(user).post(chat_url(stream), {"content": "hi"}, format="json")
    assert timed_out.status_code == 403 and timed_out.json()["code"] == "timed_out"
    until = timezone.datetime.fromisoformat(timed_out.json()["until"])
    assert until == ChatBan.objects.get().expires_at
    assert 290 <= int(timed_out["Retry-After"]) <= 300 and timed_out.json()["retry_after"] == int(
        timed_out["Retry-After"]
    )
    ban = owner.post(url, {"username": user.username}, format="json")  # upgrades the timeout to a ban
    assert ban.json()["expires_at"] is None and ChatBan.objects.count() == 1
    banned = client_for(user).post(chat_url(stream), {"content": "hi"}, format="json")
    assert banned.status_code == 403 and banned.json()["code"] == "banned"
    assert "until" not in banned.json() and "Retry-After" not in banned
    assert [b["user"]["username"] for b in owner.get(url).json()["results"]] == [user.username]
    assert client_for(other_user).post(url, {"user_id": str(user.pk)}, format="json").status_code == 403
    assert client_for(other_user).delete(f"{url}/{user.pk}").status_code == 403
    assert owner.delete(f"{url}/{user.pk}").status_code == 204
    assert client_for(user).post(chat_url(stream), {"content": "free"}, format="json").status_code == 201
    assert owner.delete(f"{url}/{user.pk}").status_code == 404


def test_privileged_users_cannot_be_banned(stream, owner, user):
    url = f"/api/v1/streams/{stream.pk}/bans"
    ChatModerator.objects.create(stream=stream, user=user)
    assert owner.post(url, {"user_id": str(user.pk)}, format="json").json()["code"] == "invalid_ban"
    assert owner.post(url, {"user_id": str(stream.creator.pk)}, format="json").json()["code"] == "invalid_ban"
    assert owner.post(url, {"user_id": str(user.pk), "duration_seconds": 0}, format="json").status_code == 400


def test_chat_settings_get_and_put(api_client, stream, owner, user):
    url = chat_url(stream, "/settings")
    public = api_client.get(url).json()
    assert public["slow_mode"] == 0 and "blocked_terms" not in public
    body = {
        "slow_mode": 10,
        "followers_only": True,
        "followers_min_minutes": 5,
        "emote_only": False,
        "block_links": True,
        "blocked_terms": ["Bad Word", "bad word", " "],
        "chat_enabled": False,
    }
    response = owner.put(url, body, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["blocked_terms"] == ["bad word"] and data["chat_enabled"] is False and data["slow_mode"] == 10
    stream.refresh_from_db()
    assert stream.allow_chat is False
    assert client_for(user).put(url, {"slow_mode": 0}, format="json").status_code == 403
    assert api_client.put(url, {"slow_mode": 0}, format="json").status_code == 401
    assert owner.put(url, {"slow_mode": -1}, format="json").status_code == 400
    assert owner.put(url, {"slow_mode": "fast"}, format="json").status_code == 400


def test_reports_go_to_the_queue_once(stream, user, other_user):
    message = say(stream, user, "rude")
    url = chat_url(stream, f"/{message.pk}/report")
    reporter = client_for(other_user)
    first = reporter.post(url, {"reason": "harassment", "details": "insult"}, format="json")
    assert first.status_code == 201 and first.json()["status"] == "open"
    again = reporter.post(url, {"reason": "harassment"}, format="json")  # a retry: the same report
    assert again.status_code == 200 and again.json() == first.json()
    other_reason = reporter.post(url, {"reason": "spam"}, format="json")  # not merged silently
    assert other_reason.status_code == 409 and other_reason.json()["code"] == "already_reported"
    assert "harassment" in other_reason.json()["detail"]
    report = MessageReport.objects.get()
    assert (report.reason, report.details) == ("harassment", "insult")
    assert reporter.post(url, {"reason": "because"}, format="json").status_code == 400
    assert client_for(user).post(url, {"reason": "spam"}, format="json").json()["code"] == "invalid_report"
    assert (
        reporter.post(
            chat_url(stream, "/00000000-0000-0000-0000-000000000000/report"), {"reason": "spam"}, format="json"
        ).status_code
        == 404
    )


def test_admin_review_queue_deletes_and_bans(stream, user, other_user):
    message = say(stream, user, "rude")
    report = MessageReport.objects.create(message=message, reporter=other_user, reason="harassment")
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = staff.get("/admin/chat/messagereport/")
    assert page.status_code == 200 and "rude" in page.content.decode()
    response = staff.post(
        "/admin/chat/messagereport/",
        {"action": "delete_message_and_ban_author", "_selected_action": [report.pk]},
        follow=True,
    )
    assert response.status_code == 200
    message.refresh_from_db()
    report.refresh_from_db()
    assert message.deleted_at is not None and report.status == "actioned"
    assert ChatBan.objects.filter(stream=stream, user=user, expires_at__isnull=True).exists()


@pytest.mark.parametrize(
    "model", ["chatmessage", "chatban", "chatmoderator", "chatsettings", "blockedterm", "messagereport"]
)
def test_chat_admin_pages_load(model, stream):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert staff.get(f"/admin/chat/{model}/").status_code == 200


def test_admin_blocked_term_save_refreshes_the_filter(stream, user):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    client = client_for(user)
    assert client.post(chat_url(stream), {"content": "cheap gold here"}, format="json").status_code == 201
    staff.post("/admin/chat/blockedterm/add/", {"term": "  Cheap Gold ", "is_active": "on"})
    blocked = client.post(chat_url(stream), {"content": "cheap gold again"}, format="json")
    assert blocked.status_code == 400 and blocked.json()["code"] == "message_blocked"


def test_turning_chat_off_from_chat_settings_tells_the_room_once(
    stream, owner, django_capture_on_commit_callbacks, room_events
):
    with django_capture_on_commit_callbacks(execute=True):
        owner.put(chat_url(stream, "/settings"), {"chat_enabled": False, "slow_mode": 5}, format="json")
    events = [event for _room, event in room_events]
    assert len(events) == 1
    assert events[0]["type"] == "chat_settings" and events[0]["chat_enabled"] is False and events[0]["slow_mode"] == 5


@pytest.mark.parametrize(
    ("content", "message_type", "accepted"),
    [
        ("buy cheap gold now", "emote", False),  # the bypass: any text sent as an "emote"
        ("buy cheap gold now", "text", False),
        ("🎉 :fire:", "emote", True),
        ("🎉 :fire:", "text", True),  # emotes are emotes whatever the client calls them
        ("gg 🎉", "emote", False),
        (":free_coins_at_evil:", "emote", False),  # not an emote code of the platform
    ],
)
def test_emote_only_checks_the_content_whatever_the_message_type(auth_client, stream, content, message_type, accepted):
    ChatSettings.objects.create(stream=stream, emote_only=True)
    response = auth_client.post(chat_url(stream), {"content": content, "message_type": message_type}, format="json")
    if accepted:
        assert response.status_code == 201 and response.json()["message_type"] == message_type
    else:
        assert response.status_code == 400 and response.json()["code"] == "emote_only"
        assert not ChatMessage.objects.exists()


def test_admin_resolves_two_reports_of_one_message_at_once(stream, user, other_user):
    message = say(stream, user, "rude")
    reports = [
        MessageReport.objects.create(message=message, reporter=reporter, reason=reason)
        for reporter, reason in ((other_user, "spam"), (UserFactory(), "hate"))
    ]
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = staff.post(
        "/admin/chat/messagereport/",
        {"action": "delete_message_and_ban_author", "_selected_action": [report.pk for report in reports]},
        follow=True,
    )
    assert response.status_code == 200 and "2 report(s) actioned" in response.content.decode()
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert list(MessageReport.objects.values_list("status", flat=True)) == ["actioned", "actioned"]
    assert ChatBan.objects.get(stream=stream, user=user).reason == "Reported: hate, spam"
