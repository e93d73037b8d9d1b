"""The verified badge wherever a user is embedded: the pages' server-rendered names (stream cards, the watch page)
carry it with words for screen readers; every API body and event that embeds a user carries ``is_verified`` for the
scripts (chat lines, gift moments, top gifters, replays: gnlVerifiedBadge in static/js/chat-line.js, checked in
their browser tests)."""

import pytest

from accounts.selectors import user_payload
from accounts.tests.factories import UserFactory
from chat.models import ChatMessage
from conftest import client_for
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db

BADGE = (
    '<span class="verified" title="Verified creator"><span aria-hidden="true">✔</span>'
    '<span class="visually-hidden">(verified)</span></span>'
)


def test_cards_and_the_watch_page_show_the_badge_in_words_too(client):
    verified = UserFactory(display_name="Ada", is_verified=True)
    plain = UserFactory(display_name="Bola")
    live = StreamFactory(creator=verified, live=True, title="Verified lesson")
    StreamFactory(creator=plain, live=True, title="Plain lesson")
    home = client.get("/").content.decode()
    assert home.count(BADGE) == 1
    assert BADGE in client.get(f"/streams/{live.pk}/").content.decode()
    assert (
        'visually-hidden">(verified)' not in client.get(f"/streams/{StreamFactory(creator=plain).pk}/").content.decode()
    )


def test_every_embedded_user_carries_is_verified():
    creator = UserFactory(is_verified=True)
    fan = UserFactory(is_verified=True)
    coins_grant(user=fan, coins=100, reason="test")
    stream = StreamFactory(creator=creator, live=True)
    ChatMessage.objects.create(stream=stream, user=fan, content="Hello")
    gift_send(stream_id=stream.pk, sender=fan, gift_id=GiftFactory().pk, quantity=1)
    client = client_for(UserFactory())
    assert client.get(f"/api/v1/streams/{stream.pk}").json()["creator"]["is_verified"] is True
    assert client.get(f"/api/v1/creators/{creator.username}").json()["is_verified"] is True
    chat = client.get(f"/api/v1/streams/{stream.pk}/chat").json()
    assert chat["results"][0]["user"]["is_verified"] is True
    board = client.get(f"/api/v1/streams/{stream.pk}/gifts/leaderboard").json()
    assert board["stream"][0]["user"]["is_verified"] is True
    assert user_payload(fan)["is_verified"] is True  # chat and gift events are built from it
