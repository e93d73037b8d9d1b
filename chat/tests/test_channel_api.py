"""The channel moderation routes: /api/v1/creators/{username}/moderators, /bans and /chat-settings."""

import pytest

from accounts.tests.factories import UserFactory
from chat.models import ChannelChatSettings, ChatBan, ChatModerator, ChatSettings
from chat.services import chat_channel_ban_create, chat_channel_moderator_add
from conftest import client_for
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator():
    return UserFactory(username="Ada")


@pytest.fixture
def owner(creator):
    return client_for(creator)


def url(creator, suffix: str) -> str:
    return f"/api/v1/creators/{creator.username}/{suffix}"


def test_the_creator_appoints_lists_and_removes_channel_moderators(owner, creator, api_client):
    moderator = UserFactory(username="bola")
    made = owner.post(url(creator, "moderators"), {"username": "BOLA"}, format="json")
    assert made.status_code == 201
    assert made.json()["user"]["username"] == "bola" and made.json()["created_at"]
    assert owner.post(url(creator, "moderators"), {"user_id": str(moderator.pk)}, format="json").status_code == 200
    assert ChatModerator.objects.get(creator=creator).user == moderator
    listed = owner.get("/api/v1/creators/ada/moderators")  # the username in any case
    assert [row["user"]["username"] for row in listed.json()["results"]] == ["bola"]
    as_moderator = client_for(moderator)
    assert as_moderator.get(url(creator, "moderators")).status_code == 200  # they may read the list
    refused = as_moderator.post(url(creator, "moderators"), {"username": "ada"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client_for(UserFactory()).get(url(creator, "moderators")).status_code == 403
    assert api_client.get(url(creator, "moderators")).status_code == 401
    assert owner.post(url(creator, "moderators"), {"username": "ada"}, format="json").json()["code"] == (
        "invalid_moderator"
    )
    assert owner.post(url(creator, "moderators"), {"username": "nobody"}, format="json").status_code == 404
    assert owner.post(url(creator, "moderators"), {}, format="json").status_code == 400
    assert owner.delete(url(creator, f"moderators/{moderator.pk}")).status_code == 204
    assert owner.delete(url(creator, f"moderators/{moderator.pk}")).status_code == 404
    assert owner.get("/api/v1/creators/nobody/moderators").status_code == 404


def test_channel_bans_and_timeouts_over_the_api(owner, creator):
    viewer, moderator = UserFactory(username="tunde"), UserFactory()
    chat_channel_moderator_add(creator=creator, actor=creator, user=moderator)
    as_moderator = client_for(moderator)
    timeout = as_moderator.post(
        url(creator, "bans"), {"username": "tunde", "duration_seconds": 600, "reason": "spam"}, format="json"
    )
    assert timeout.status_code == 201
    body = timeout.json()
    assert body["user"]["username"] == "tunde" and body["reason"] == "spam" and body["moderator"] == moderator.username
    assert body["expires_at"].endswith("Z")
    ban = owner.post(url(creator, "bans"), {"user_id": str(viewer.pk)}, format="json")
    assert ban.status_code == 201 and ban.json()["expires_at"] is None
    assert ChatBan.objects.get(creator=creator, user=viewer).expires_at is None
    listed = owner.get(url(creator, "bans")).json()
    assert listed["count"] == 1 and listed["next"] is None and listed["results"][0]["user"]["username"] == "tunde"
    assert owner.get(url(creator, "bans"), {"page": 2}).status_code == 404
    assert owner.get(url(creator, "bans"), {"limit": 0}).status_code == 400
    refused = owner.post(url(creator, "bans"), {"user_id": str(moderator.pk)}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "invalid_ban"
    invalid = owner.post(url(creator, "bans"), {"user_id": str(viewer.pk), "duration_seconds": 0}, format="json")
    assert invalid.status_code == 400 and "duration_seconds" in invalid.json()
    assert client_for(viewer).get(url(creator, "bans")).status_code == 403
    assert client_for(viewer).delete(url(creator, f"bans/{viewer.pk}")).status_code == 403
    assert as_moderator.delete(url(creator, f"bans/{viewer.pk}")).status_code == 204
    assert owner.delete(url(creator, f"bans/{viewer.pk}")).status_code == 404


def test_the_ban_list_pages_in_a_fixed_number_of_queries(owner, creator, django_assert_max_num_queries):
    for _ in range(25):
        chat_channel_ban_create(creator=creator, actor=creator, user=UserFactory())
    with django_assert_max_num_queries(4):  # the creator, the count, the page (users and moderators joined)
        page = owner.get(url(creator, "bans"), {"limit": 20}).json()
    assert page["count"] == 25 and len(page["results"]) == 20 and page["next"]


def test_channel_chat_settings_read_and_change(owner, creator, api_client):
    live = StreamFactory(creator=creator, live=True)
    read = api_client.get(url(creator, "chat-settings"))
    assert read.status_code == 200
    assert read.json() == {
        "slow_mode": 0,
        "followers_only": False,
        "followers_min_minutes": 0,
        "emote_only": False,
        "block_links": False,
    }  # blocked terms are the moderators' to see
    changed = owner.patch(
        url(creator, "chat-settings"), {"slow_mode": 20, "blocked_terms": ["Wahala", " "]}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["slow_mode"] == 20 and changed.json()["blocked_terms"] == ["wahala"]
    assert "apply_to_streams" not in changed.json()
    assert ChatSettings.objects.get(stream=live).slow_mode_seconds == 0  # the live stream kept its rules
    applied = owner.patch(url(creator, "chat-settings"), {"emote_only": True, "apply_to_streams": True}, format="json")
    assert applied.status_code == 200
    live_rules = ChatSettings.objects.get(stream=live)
    assert live_rules.slow_mode_seconds == 20 and live_rules.emote_only
    assert "blocked_terms" not in api_client.get(url(creator, "chat-settings")).json()
    assert owner.get(url(creator, "chat-settings")).json()["blocked_terms"] == ["wahala"]
    stranger = client_for(UserFactory())
    assert stranger.patch(url(creator, "chat-settings"), {"slow_mode": 1}, format="json").status_code == 403
    assert api_client.patch(url(creator, "chat-settings"), {"slow_mode": 1}, format="json").status_code == 401
    wrong_type = owner.patch(url(creator, "chat-settings"), {"slow_mode": "5"}, format="json")
    assert wrong_type.status_code == 400 and "slow_mode" in wrong_type.json()
    too_long = owner.patch(url(creator, "chat-settings"), {"blocked_terms": ["x" * 101]}, format="json")
    assert too_long.status_code == 400
    assert ChannelChatSettings.objects.get(creator=creator).slow_mode_seconds == 20
