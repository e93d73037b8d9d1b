"""The studio's moderation page (/studio/moderation/) without a browser: every form posts and is stored through
chat's channel services, a refusal comes back on its form (400), and it is always the signed-in creator's own."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from chat.models import ChannelChatSettings, ChatBan, ChatModerator, ChatSettings
from chat.services import chat_channel_ban_create, chat_channel_blocked_term_add, chat_channel_moderator_add
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db

PAGE = "/studio/moderation/"


@pytest.fixture
def creator():
    return UserFactory(username="ada", display_name="Ada Okafor")


@pytest.fixture
def signed_in(client, creator):
    client.force_login(creator)
    return client


def post(client, action: str, **fields):
    return client.post(PAGE, {"action": action, **fields})


def test_the_page_needs_sign_in_and_sits_in_the_studio_nav(client, signed_in):
    assert reverse("studio-moderation") == PAGE
    anonymous = client.__class__()
    response = anonymous.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    page = signed_in.get(PAGE)
    assert page.status_code == 200 and page.context["section"] == "moderation"
    body = page.content.decode()
    assert f'<a href="{PAGE}" aria-current="page">Moderation</a>' in body
    assert body.count("<h1") == 1
    assert "No moderators yet." in body and "Nobody is banned or timed out." in body


def test_saving_chat_settings_and_applying_them_to_live_streams(signed_in, creator):
    live = StreamFactory(creator=creator, live=True)
    saved = post(signed_in, "settings", **{"settings-slow_mode": "15", "settings-followers_min_minutes": "0"})
    assert saved.status_code == 303 and saved["Location"] == PAGE
    rules = ChannelChatSettings.objects.get(creator=creator)
    assert rules.slow_mode_seconds == 15 and not rules.followers_only
    assert ChatSettings.objects.get(stream=live).slow_mode_seconds == 0  # not applied
    post(
        signed_in,
        "settings",
        **{
            "settings-slow_mode": "15",
            "settings-followers_min_minutes": "10",
            "settings-followers_only": "on",
            "settings-apply_to_streams": "on",
        },
    )
    applied = ChatSettings.objects.get(stream=live)
    assert applied.followers_only and applied.followers_min_minutes == 10 and applied.slow_mode_seconds == 15
    page = signed_in.get(PAGE)
    assert "use them now" in page.content.decode()
    form = page.context["settings_form"]
    assert form.initial["slow_mode"] == 15 and form.initial["followers_only"] is True


def test_a_bad_setting_comes_back_on_its_field(signed_in, creator):
    refused = post(signed_in, "settings", **{"settings-slow_mode": "99999", "settings-followers_min_minutes": "0"})
    assert refused.status_code == 400
    assert refused.context["settings_form"].errors["slow_mode"]
    assert not ChannelChatSettings.objects.exists()


def test_moderators_are_added_by_username_and_removed(signed_in, creator):
    bola = UserFactory(username="bola")
    added = post(signed_in, "moderator_add", **{"moderator-username": "@Bola"})
    assert added.status_code == 303
    assert ChatModerator.objects.get(creator=creator).user == bola
    page = signed_in.get(PAGE).content.decode()
    assert "bola now moderates all your streams." in page and "@bola" in page
    unknown = post(signed_in, "moderator_add", **{"moderator-username": "nobody"})
    assert unknown.status_code == 400
    assert "Nobody is called “nobody”" in str(unknown.context["moderator_form"].errors["username"])
    herself = post(signed_in, "moderator_add", **{"moderator-username": "ada"})
    assert herself.status_code == 400 and herself.context["moderator_form"].non_field_errors()
    removed = post(signed_in, "moderator_remove", user_id=str(bola.pk))
    assert removed.status_code == 303 and not ChatModerator.objects.exists()
    again = post(signed_in, "moderator_remove", user_id=str(bola.pk))
    assert again.status_code == 400 and "not a moderator" in again.content.decode()


def test_bans_and_timeouts_are_imposed_listed_and_lifted(signed_in, creator):
    tunde, kemi = UserFactory(username="tunde"), UserFactory(username="kemi")
    timed_out = post(signed_in, "ban", **{"ban-username": "tunde", "ban-duration": "600", "ban-reason": "spam"})
    assert timed_out.status_code == 303
    ban = ChatBan.objects.get(creator=creator, user=tunde)
    assert ban.expires_at is not None and ban.reason == "spam" and ban.moderator == creator
    post(signed_in, "ban", **{"ban-username": "kemi", "ban-duration": "ban"})
    assert ChatBan.objects.get(creator=creator, user=kemi).expires_at is None
    page = signed_in.get(PAGE)
    body = page.content.decode()
    assert "Timed out until" in body and "Banned until lifted" in body and "spam" in body
    assert [b.user for b in page.context["bans"]] == [kemi, tunde]
    lifted = post(signed_in, "ban_lift", user_id=str(tunde.pk))
    assert lifted.status_code == 303 and not ChatBan.objects.filter(user=tunde).exists()
    bad_duration = post(signed_in, "ban", **{"ban-username": "tunde", "ban-duration": "5"})
    assert bad_duration.status_code == 400 and bad_duration.context["ban_form"].errors["duration"]
    herself = post(signed_in, "ban", **{"ban-username": "ada", "ban-duration": "ban"})
    assert herself.status_code == 400 and "cannot ban yourself" in herself.content.decode()


def test_blocked_terms_are_added_and_removed(signed_in, creator):
    added = post(signed_in, "term_add", **{"term-term": "  Wahala "})
    assert added.status_code == 303
    assert ChannelChatSettings.objects.get(creator=creator).blocked_terms == ["wahala"]
    assert "wahala" in signed_in.get(PAGE).content.decode()
    empty = post(signed_in, "term_add", **{"term-term": "   "})
    assert empty.status_code == 400 and empty.context["term_form"].errors["term"]
    removed = post(signed_in, "term_remove", term="wahala")
    assert removed.status_code == 303
    assert ChannelChatSettings.objects.get(creator=creator).blocked_terms == []


def test_it_is_always_the_signed_in_creators_own_channel(signed_in, creator):
    other = UserFactory(username="other")
    viewer = UserFactory()
    chat_channel_ban_create(creator=other, actor=other, user=viewer, reason="theirs")
    chat_channel_moderator_add(creator=other, actor=other, user=UserFactory(username="their_mod"))
    chat_channel_blocked_term_add(creator=other, actor=other, term="theirterm")
    body = signed_in.get(PAGE).content.decode()
    assert "theirs" not in body and "their_mod" not in body and "theirterm" not in body
    assert post(signed_in, "ban_lift", user_id=str(viewer.pk)).status_code == 400  # not banned in *this* channel
    assert ChatBan.objects.filter(creator=other).exists()
    assert post(signed_in, "unknown").status_code == 400
