from unittest import mock

import pytest

from accounts.tests.factories import UserFactory
from conftest import client_for
from gifts.models import SentGift
from gifts.tests.factories import GiftFactory
from streams.tests.factories import StreamFactory
from wallet.selectors import earnings_exact, wallet_balance
from wallet.services import coins_grant
from wallet.tests.ledger_reads import platform_revenue_exact

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream():
    return StreamFactory(live=True)


@pytest.fixture
def gift():
    return GiftFactory(name="Talking Drum", cost_in_coins=20)


@pytest.fixture
def fan():
    user = UserFactory()
    coins_grant(user=user, coins=100, reason="test")
    return client_for(user)


def send(client, stream, gift, quantity=1, key=None, through_drf=False, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/streams/{stream.pk}/gifts" + ("?format=json" if through_drf else ""),  # ?format= goes to DRF
        {"gift_id": str(gift.pk), "quantity": quantity, **extra},
        format="json",
        **headers,
    )


def test_catalogue_filters(api_client):
    GiftFactory(name="Kola", category="traditional", rarity="common")
    GiftFactory(name="Crown", category="premium", rarity="legendary")
    GiftFactory(name="Hidden", is_active=False)
    assert {g["name"] for g in api_client.get("/api/v1/gifts").json()} == {"Kola", "Crown"}
    assert [g["name"] for g in api_client.get("/api/v1/gifts?category=premium").json()] == ["Crown"]
    assert [g["name"] for g in api_client.get("/api/v1/gifts?rarity=common").json()] == ["Kola"]
    row = api_client.get("/api/v1/gifts?rarity=legendary").json()[0]
    assert set(row) == {
        "id",
        "name",
        "description",
        "category",
        "rarity",
        "cost_in_coins",
        "naira_value",
        "image_url",
        "animation",
        "sound_url",
    }
    assert api_client.get("/api/v1/gifts?category=cheap").status_code == 400


def test_send_debits_the_sender_and_pays_creator_and_platform(
    fan, stream, gift, django_capture_on_commit_callbacks, room_events
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(fan, stream, gift, quantity=3, message="Well done!")
    assert response.status_code == 201
    body = response.json()
    assert body["total_coins"] == 60 and body["quantity"] == 3 and body["message"] == "Well done!"
    assert body["sender"]["username"] == fan.user.username and body["gift"]["name"] == "Talking Drum"
    assert wallet_balance(user=fan.user) == 40
    assert earnings_exact(user=stream.creator) == 30  # CREATOR_REVENUE_SHARE 0.5
    assert platform_revenue_exact() == 30
    ((room, event),) = room_events
    assert room == str(stream.pk) and event["type"] == "gift" and event["gift"]["combo"] == 1
    assert event["gift"]["gift"]["animation"] == gift.animation


def test_repeats_within_seconds_count_as_a_combo(fan, stream, gift, django_capture_on_commit_callbacks, room_events):
    bodies = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            bodies.append(send(fan, stream, gift).json())
    assert [event["gift"]["combo"] for _room, event in room_events] == [1, 2, 3]
    assert [body["combo"] for body in bodies] == [1, 2, 3]  # the sender hears it too, not only the room


@pytest.mark.parametrize("through_drf", [False, True], ids=["lean", "drf"])
def test_the_201_body_carries_the_combo_the_room_heard(fan, stream, gift, through_drf, room_events):
    first, second = (send(fan, stream, gift, through_drf=through_drf).json() for _ in range(2))
    assert (first["combo"], second["combo"]) == (1, 2)
    replay = send(fan, stream, gift, key="combo-replay", through_drf=through_drf).json()
    assert send(fan, stream, gift, key="combo-replay", through_drf=through_drf).json() == replay  # replay: same
    assert replay["combo"] == 3


def test_creator_sees_earnings_as_earn(fan, stream, gift):
    send(fan, stream, gift, quantity=2)
    rows = client_for(stream.creator).get("/api/v1/currency/transactions").json()["results"]
    assert [(r["type"], r["amount"]) for r in rows] == [("earn", 20)]
    assert client_for(stream.creator).get("/api/v1/currency/balance").json()["earnings"] == 20


def test_insufficient_coins_moves_nothing(fan, stream, gift):
    response = send(fan, stream, gift, quantity=6)
    assert response.status_code == 400 and response.json()["code"] == "insufficient_coins"
    assert wallet_balance(user=fan.user) == 100
    assert not SentGift.objects.exists() and platform_revenue_exact() == 0


@pytest.mark.parametrize("quantity", [0, 101, "lots"])
def test_quantity_bounds(fan, stream, gift, quantity):
    assert send(fan, stream, gift, quantity=quantity).status_code == 400


@pytest.mark.parametrize("keyed", [False, True], ids=["plain", "idempotency-key"])
def test_invalid_gifts_and_closed_streams(fan, stream, gift, keyed):
    """Refused alike on either path (on PostgreSQL a keyed gift takes the ORM path, a plain one the function)."""
    import uuid

    def refusal(to, what):
        response = send(fan, to, what, key=str(uuid.uuid4()) if keyed else None)
        return response.status_code, response.json()["code"], response.json()["detail"]

    unavailable = (400, "invalid_gift", "That gift is not available.")
    closed = (400, "gifts_disabled", "This stream is not taking gifts right now.")
    missing = (404, "not_found", "No such stream.")
    hidden = GiftFactory(is_active=False)
    assert refusal(stream, hidden) == unavailable
    assert refusal(StreamFactory(ended=True), gift) == closed
    assert refusal(StreamFactory(live=True, allow_gifts=False), gift) == closed
    own = StreamFactory(live=True, creator=fan.user)
    assert refusal(own, gift) == (400, "invalid_gift", "You cannot send gifts to your own stream.")
    assert refusal(StreamFactory(live=True, visibility="private"), gift) == missing
    assert refusal(StreamFactory.build(), hidden) == missing  # no such stream comes before no such gift
    assert (
        fan.post(
            f"/api/v1/streams/{stream.pk}/gifts", {"gift_id": "not-a-uuid", "quantity": 1}, format="json"
        ).status_code
        == 400
    )
    assert wallet_balance(user=fan.user) == 100


def test_sending_needs_a_user(api_client, stream, gift):
    assert send(api_client, stream, gift).status_code == 401


def test_idempotency_key_sends_once(fan, stream, gift):
    first = send(fan, stream, gift, quantity=2, key="tap-1")
    again = send(fan, stream, gift, quantity=2, key="tap-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert wallet_balance(user=fan.user) == 60 and SentGift.objects.count() == 1
    assert send(fan, stream, gift, quantity=3, key="tap-1").status_code == 422


def test_anonymity_holds_in_listings_history_and_leaderboards(
    fan, stream, gift, django_capture_on_commit_callbacks, room_events
):
    with django_capture_on_commit_callbacks(execute=True):
        own_view = send(fan, stream, gift, is_anonymous=True).json()
    assert own_view["sender"]["username"] == fan.user.username  # the sender sees themselves
    assert room_events[-1][1]["gift"]["sender"] is None
    other = client_for(UserFactory())
    listed = other.get(f"/api/v1/streams/{stream.pk}/gifts").json()["results"]
    assert listed[0]["sender"] is None and listed[0]["is_anonymous"] is True
    received = client_for(stream.creator).get(f"/api/v1/users/{stream.creator.pk}/gifts?type=received").json()
    assert received["results"][0]["sender"] is None
    board = other.get(f"/api/v1/streams/{stream.pk}/gifts/leaderboard").json()
    assert board["stream"] == [{"user": None, "coins": 20, "gifts": 1, "rank": 1}]


def test_user_gift_history_is_private(fan, stream, gift, other_user):
    send(fan, stream, gift)
    mine = fan.get(f"/api/v1/users/{fan.user.pk}/gifts?type=sent").json()
    assert mine["count"] == 1 and mine["results"][0]["total_coins"] == 20
    assert client_for(other_user).get(f"/api/v1/users/{fan.user.pk}/gifts").status_code == 403
    staff = client_for(UserFactory(is_staff=True))
    assert staff.get(f"/api/v1/users/{fan.user.pk}/gifts").status_code == 200
    assert fan.get("/api/v1/users/00000000-0000-0000-0000-000000000000/gifts").status_code == 404


def test_leaderboard_ranks_gifters_per_stream_and_creator(stream, gift):
    for coins, quantity in ((100, 1), (100, 4)):
        user = UserFactory()
        coins_grant(user=user, coins=coins, reason="test")
        send(client_for(user), stream, gift, quantity=quantity)
    board = client_for(UserFactory()).get(f"/api/v1/streams/{stream.pk}/gifts/leaderboard").json()
    assert [row["coins"] for row in board["stream"]] == [80, 20]
    assert [row["rank"] for row in board["creator"]] == [1, 2]


# --- The lean gift route (gifts.api.views.stream_gifts) answers as DRF would --------------------------------------


def token_client(user):
    from rest_framework.test import APIClient

    from accounts.services import user_token_get_or_create

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_get_or_create(user=user)}")
    return client


def test_token_clients_send_gifts_and_are_refused_as_drf_refuses(stream, gift):
    viewer = UserFactory(display_name="Tunde")
    coins_grant(user=viewer, coins=50, reason="test")
    client = token_client(viewer)
    sent = send(client, stream, gift, quantity=2, message="  Bravo ")
    assert sent.status_code == 201 and sent["Content-Type"] == "application/json"
    body = sent.json()
    assert body["sender"]["display_name"] == "Tunde" and body["message"] == "Bravo" and body["total_coins"] == 40
    assert wallet_balance(user=viewer) == 10
    # The same refusal through the lean path and through DRF.
    lean, drf = send(client, stream, gift, quantity=2), send(client, stream, gift, quantity=2, through_drf=True)
    assert lean.status_code == drf.status_code == 400
    assert lean.content == drf.content and lean.json()["code"] == "insufficient_coins"
    assert lean["Allow"] == drf["Allow"]
    assert wallet_balance(user=viewer) == 10


def test_a_remembered_token_moves_nothing_once_revoked_or_its_owner_deactivated(stream, gift):
    from accounts.services import user_token_revoke

    viewer = UserFactory()
    coins_grant(user=viewer, coins=100, reason="test")
    client = token_client(viewer)
    assert send(client, stream, gift).status_code == 201  # the token is remembered now
    user_token_revoke(user=viewer)
    refused = send(client, stream, gift)
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    client = token_client(viewer)
    assert send(client, stream, gift).status_code == 201
    viewer.is_active = False
    viewer.save(update_fields=["is_active"])
    assert send(client, stream, gift).status_code == 401
    assert wallet_balance(user=viewer) == 60 and SentGift.objects.filter(sender=viewer).count() == 2


def test_a_renamed_sender_shows_their_new_name_at_once(stream, gift):
    viewer = UserFactory(display_name="Old name")
    coins_grant(user=viewer, coins=100, reason="test")
    client = token_client(viewer)
    assert send(client, stream, gift).json()["sender"]["display_name"] == "Old name"
    viewer.display_name = "New name"
    viewer.save(update_fields=["display_name"])
    assert send(client, stream, gift).json()["sender"]["display_name"] == "New name"


def test_browser_sessions_need_the_csrf_token(stream, gift):
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    viewer = UserFactory()
    coins_grant(user=viewer, coins=100, reason="test")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(viewer)
    path, body = f"/api/v1/streams/{stream.pk}/gifts", {"gift_id": str(gift.pk), "quantity": 1}
    refused = browser.post(path, body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    csrf = _get_new_csrf_string()
    browser.cookies["csrftoken"] = csrf
    assert browser.post(path, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf).status_code == 201
    assert wallet_balance(user=viewer) == 80


def test_a_gift_sent_while_redis_is_down_is_answered_as_sent(fan, stream, gift, django_capture_on_commit_callbacks):
    """The coins moved: the client must hear 201 (a 500 would invite a second, paid, retry)."""
    import redis

    from livestream.events import room_publisher

    broken = mock.Mock()
    broken.pipeline.return_value.execute.side_effect = redis.ConnectionError("Connection refused")
    with (
        mock.patch("livestream.events.redis_enabled", return_value=True),
        mock.patch("livestream.events.redis_sync", return_value=broken),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = send(fan, stream, gift, quantity=2)
        assert room_publisher().flush()  # the event is published from the publisher's thread
    assert response.status_code == 201
    assert broken.pipeline.return_value.publish.called and broken.pipeline.return_value.execute.called
    assert wallet_balance(user=fan.user) == 60


def test_the_lean_route_answers_byte_for_byte_as_the_drf_view(stream, gift):
    """The hot route's 201 and each refusal, against DRF's own answer (?format=json falls back to DRF)."""
    import re

    viewer = UserFactory()
    coins_grant(user=viewer, coins=200, reason="test")
    client = token_client(viewer)

    def masked(response):  # what differs between two gifts by nature: their ids, times and combo
        text = re.sub(rb'"(id|created_at)":"[^"]*"', b'"\\1":"-"', response.content)
        text = re.sub(rb'"combo":\d+', b'"combo":-', text)
        return response.status_code, response["Content-Type"], response["Allow"], text

    cases = [
        (stream, gift),  # 201
        (stream, GiftFactory(is_active=False)),  # invalid_gift
        (StreamFactory(live=True, creator=viewer), gift),  # own stream
        (StreamFactory(live=True, allow_gifts=False), gift),  # gifts_disabled
        (StreamFactory(live=True, visibility="private"), gift),  # not_found
    ]
    for to, what in cases:
        lean = masked(send(client, to, what, quantity=2, message="hi"))
        drf = masked(send(client, to, what, quantity=2, message="hi", through_drf=True))
        assert lean == drf, (to, what)
    assert send(client, stream, gift, quantity=200).json() == send(client, stream, gift, 200, through_drf=True).json()


def test_the_lean_route_steps_aside_when_the_drf_views_policy_changes(stream, gift, monkeypatch):
    """A throttle (or authenticator, or permission) added to StreamGiftsView must apply to every gift."""
    from rest_framework.throttling import UserRateThrottle

    from gifts.api import views

    class OneGift(UserRateThrottle):
        rate = "1/min"

    viewer = UserFactory()
    coins_grant(user=viewer, coins=100, reason="test")
    client = token_client(viewer)
    monkeypatch.setattr(views.StreamGiftsView, "throttle_classes", [OneGift])
    assert send(client, stream, gift).status_code == 201
    assert send(client, stream, gift).status_code == 429
