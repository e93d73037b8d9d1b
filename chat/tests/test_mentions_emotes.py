"""Issue 12's chat pieces on the server: @username mentions resolved, who @ suggests, the curated emote set,
and the history's `after` cursor for a client catching up after a reconnect."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import UserFactory
from chat.admin import EmoteForm
from chat.demo import seed as seed_emotes
from chat.emotes import emote_codes, is_emotes_only
from chat.models import ChatMessage, ChatModerator, ChatSettings, Emote
from chat.services import MAX_MENTIONS, chat_message_send
from conftest import client_for
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream():
    return StreamFactory(live=True)


def png(size=(64, 64), colour="green") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return SimpleUploadedFile("emote.png", out.getvalue(), content_type="image/png")


def emote(code: str, **fields) -> Emote:
    item = Emote(code=code, **fields)
    item.image.save("e.webp", png(), save=True)
    return item


# --- mentions ---------------------------------------------------------------------------------------------


def test_the_server_resolves_at_usernames_to_mentions_in_order_any_case(stream, user):
    ada, bola = UserFactory(username="Ada_O"), UserFactory(username="bola.k")
    message = chat_message_send(
        stream_id=stream.pk, user=user, content="hi @ada_o and @Bola.K. and @nobody, mail me at x@ada_o.com"
    )
    assert message.mentions == [str(ada.pk), str(bola.pk)]


def test_mentions_merge_the_ids_sent_with_the_names_typed_without_duplicates(stream, user):
    ada, bola = UserFactory(username="ada"), UserFactory(username="bola")
    message = chat_message_send(stream_id=stream.pk, user=user, content="@ada @bola @ada", mentions=[str(bola.pk)])
    assert message.mentions == [str(bola.pk), str(ada.pk)]


def test_an_inactive_user_is_not_mentioned(stream, user):
    UserFactory(username="gone", is_active=False)
    assert chat_message_send(stream_id=stream.pk, user=user, content="@gone hello").mentions == []


def test_mentions_are_bounded_to_twenty(stream, user):
    people = [UserFactory(username=f"p{n:02d}") for n in range(25)]
    content = " ".join(f"@{person.username}" for person in people)
    message = chat_message_send(stream_id=stream.pk, user=user, content=content)
    assert message.mentions == [str(person.pk) for person in people[:MAX_MENTIONS]]


def test_mentions_reach_the_room_in_the_message_event(stream, user, room_events, django_capture_on_commit_callbacks):
    ada = UserFactory(username="ada")
    with django_capture_on_commit_callbacks(execute=True):
        chat_message_send(stream_id=stream.pk, user=user, content="well done @ada")
    assert room_events[-1][1]["message"]["mentions"] == [str(ada.pk)]


# --- who @ suggests ---------------------------------------------------------------------------------------


def mentionable(client, stream, q, **params):
    return client.get(f"/api/v1/streams/{stream.pk}/chat/mentionable", {"q": q, **params})


def test_mentionable_suggests_the_creator_moderators_and_recent_chatters_only(stream, user):
    stream.creator.username = "adaeze"
    stream.creator.save()
    moderator = UserFactory(username="adamu")
    ChatModerator.objects.create(stream=stream, user=moderator)
    chatter = UserFactory(username="adaora")
    ChatMessage.objects.create(stream=stream, user=chatter, content="hi")
    UserFactory(username="adanna")  # on the platform, never in this chat
    elsewhere = UserFactory(username="adakun")
    ChatMessage.objects.create(stream=StreamFactory(live=True), user=elsewhere, content="hi")

    response = mentionable(client_for(user), stream, "ADA")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["username"] for row in rows] == ["adaeze", "adamu", "adaora"]
    assert rows[0]["badges"] == ["creator"] and rows[1]["badges"] == ["moderator"]
    assert set(rows[0]) >= {"id", "username", "display_name", "is_verified"}


def test_mentionable_matches_display_names_and_is_bounded(stream, user):
    for n in range(30):
        ChatMessage.objects.create(stream=stream, user=UserFactory(username=f"zz{n:02d}"), content="hi")
    ChatMessage.objects.create(stream=stream, user=UserFactory(username="x1", display_name="Chidi"), content="hi")
    client = client_for(user)
    assert len(mentionable(client, stream, "zz").json()["results"]) == 8
    assert len(mentionable(client, stream, "zz", limit=20).json()["results"]) == 20
    assert len(mentionable(client, stream, "zz", limit=100).json()["results"]) == 20  # capped, as lists are
    assert mentionable(client, stream, "zz", limit=0).status_code == 400
    assert [row["username"] for row in mentionable(client, stream, "chi").json()["results"]] == ["x1"]
    assert mentionable(client, stream, "").status_code == 400
    assert mentionable(client, stream, "a" * 31).status_code == 400
    assert mentionable(client, stream, "%").json()["results"] == []  # no LIKE wildcard


def test_mentionable_needs_a_user_and_keeps_private_and_premium_rooms_private(api_client, user):
    private = StreamFactory(live=True, visibility="private")
    premium = StreamFactory(live=True, is_premium=True, price_coins=50)
    free = StreamFactory(live=True)
    assert mentionable(api_client, free, "a").status_code == 401
    assert mentionable(client_for(user), private, "a").status_code == 404
    response = mentionable(client_for(user), premium, "a")
    assert response.status_code == 403 and response.json()["code"] == "premium_required"
    assert mentionable(client_for(premium.creator), premium, "a").status_code == 200


# --- the emote set ----------------------------------------------------------------------------------------


def test_curated_emotes_count_in_emote_only_mode_and_inactive_ones_do_not(stream, user):
    emote("naija")
    emote("retired", is_active=False)
    assert {"naija", "fire"} <= emote_codes() and "retired" not in emote_codes()
    assert is_emotes_only(":naija: :NAIJA: 🎉") and not is_emotes_only(":retired:")
    ChatSettings.objects.create(stream=stream, emote_only=True)
    assert chat_message_send(stream_id=stream.pk, user=user, content=":naija:").content == ":naija:"


def test_the_emote_api_lists_active_emotes_from_our_media(api_client):
    emote("hype", sort_order=2)
    emote("naija", sort_order=1)
    emote("retired", is_active=False)
    rows = api_client.get("/api/v1/emotes").json()["results"]
    assert [row["code"] for row in rows] == ["naija", "hype"]
    assert rows[0]["image_url"].startswith("/media/emotes/naija/") and rows[0]["image_url"].endswith(".webp")


def test_the_admin_form_validates_and_reencodes_the_image_and_folds_the_code():
    form = EmoteForm(data={"code": ":Naija:", "is_active": True, "sort_order": 0}, files={"image": png((300, 150))})
    assert form.is_valid(), form.errors
    item = form.save()
    assert item.code == "naija" and item.image.name.endswith(".webp")
    with Image.open(item.image.path) as stored:
        assert stored.format == "WEBP" and max(stored.size) <= 112

    bad = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    form = EmoteForm(data={"code": "broken", "is_active": True, "sort_order": 0}, files={"image": bad})
    assert not form.is_valid() and "image" in form.errors
    form = EmoteForm(data={"code": "no spaces!", "is_active": True, "sort_order": 0}, files={"image": png()})
    assert not form.is_valid() and "code" in form.errors


def test_the_admin_changes_reach_chat_at_once(admin_client):
    assert "naija" not in emote_codes()
    response = admin_client.post(
        "/admin/chat/emote/add/", {"code": "naija", "image": png(), "is_active": "on", "sort_order": 0}
    )
    assert response.status_code == 302
    assert "naija" in emote_codes()


def test_seed_demo_draws_the_emotes_once():
    assert list(seed_emotes()) == ["chat: 4 emotes"]
    assert list(seed_emotes()) == ["chat: 4 emotes"]
    assert all(item.image.name.endswith(".webp") for item in Emote.objects.all())


# --- catching up: ?after= ---------------------------------------------------------------------------------


def test_history_after_a_message_or_a_time_gives_the_oldest_newer_ones_newest_first(api_client, stream, user):
    base = timezone.now() - timedelta(minutes=1)
    messages = []
    for n in range(6):
        message = ChatMessage.objects.create(stream=stream, user=user, content=f"m{n}")
        ChatMessage.objects.filter(pk=message.pk).update(created_at=base + timedelta(seconds=n))
        messages.append(message)
    url = f"/api/v1/streams/{stream.pk}/chat"
    body = api_client.get(url, {"after": str(messages[1].pk), "limit": 3}).json()
    assert [row["content"] for row in body["results"]] == ["m4", "m3", "m2"]
    when = (base + timedelta(seconds=3)).isoformat()
    assert [row["content"] for row in api_client.get(url, {"after": when}).json()["results"]] == ["m5", "m4"]
    unknown = api_client.get(url, {"after": "7b1f7a8e-0000-4000-8000-000000000000"})
    assert unknown.status_code == 400 and "after" in unknown.json()
    assert api_client.get(url, {"after": "yesterday"}).status_code == 400


# --- the watch page knows the viewer's role and the rules ---------------------------------------------------


def test_the_watch_page_tells_chat_the_viewers_role_the_rules_and_the_emote_set(client, stream, user):
    ChatSettings.objects.create(stream=stream, slow_mode_seconds=30, emote_only=True)
    emote("naija")
    ChatModerator.objects.create(stream=stream, user=user)
    client.force_login(user)
    html = client.get(f"/streams/{stream.pk}/").content.decode()
    assert 'data-role="moderator"' in html and "You moderate this chat" in html
    assert "Slow mode: 1 message every 30 s" in html and "Emote only" in html
    assert 'data-emote="naija"' in html and 'aria-label=":naija:"' in html
    assert 'role="log" aria-live="polite"' in html

    client.force_login(UserFactory())
    html = client.get(f"/streams/{stream.pk}/").content.decode()
    assert 'data-role=""' in html and "You moderate" not in html
