"""The stream's studio page (broadcasting and the live dashboard), its earnings route, and the watch page that no
longer shows the stream key."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from gifts.selectors import stream_earnings
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.models import Stream
from streams.services.monetization import stream_access_buy
from streams.tests.factories import StreamFactory
from wallet.selectors import earnings_exact
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db


def studio(stream, user=None) -> str:
    client = Client()
    client.force_login(user or stream.creator)
    response = client.get(reverse("studio-stream", args=[stream.pk]))
    assert response.status_code == 200
    return response.content.decode()


def funded(coins: int):
    user = UserFactory()
    coins_grant(user=user, coins=coins, reason="test")
    return user


# --- who sees the page -------------------------------------------------------------------------------------


def test_the_studio_stream_page_needs_sign_in(client):
    stream = StreamFactory()
    response = client.get(reverse("studio-stream", args=[stream.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["viewer", "staff"])
def test_another_users_stream_is_a_404_in_the_studio_even_for_staff(who):
    stream = StreamFactory(live=True)
    client = Client()
    client.force_login(UserFactory(is_staff=who == "staff"))
    assert client.get(reverse("studio-stream", args=[stream.pk])).status_code == 404


def test_the_page_has_the_server_but_never_the_key_and_the_key_comes_from_the_api(settings):
    stream = StreamFactory(live=True)
    html = studio(stream)
    assert settings.RTMP_INGEST_URL in html
    assert stream.stream_key not in html  # not even hidden: the page asks for it on Reveal or Copy
    assert 'id="stream-key"' in html and "Reveal" in html and "Copy key" in html and "Reset key" in html
    assert "An encoder that is connected now is dropped" in html  # the rotation's confirmation says so
    owner = APIClient()
    owner.force_authenticate(stream.creator)
    assert owner.get(f"/api/v1/streams/{stream.pk}").json()["stream_key"] == stream.stream_key


# --- encoder settings from the pipeline's own configuration --------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "keyframe", "tune"),
    [(Stream.Latency.LOW, "1", True), (Stream.Latency.NORMAL, "2", False), (Stream.Latency.HIGH, "2", False)],
)
def test_encoder_settings_fit_the_latency_mode(mode, keyframe, tune, settings):
    settings.HLS_SOURCE_KBPS_ESTIMATE = 2800
    html = studio(StreamFactory(latency_mode=mode))
    assert f"<dt>Keyframe interval</dt><dd>{keyframe} s</dd>" in html
    assert f"Keyframe every {keyframe} s or less" in html  # the checklist asks for the same
    assert f'-force_key_frames "expr:gte(t,n_forced*{keyframe})"' in html.replace("&quot;", '"')
    assert "-b:v 2800k -maxrate 2800k" in html and "<dd>2,800 kbps for 1280×720 at 30 fps" in html
    assert "<dt>Rate control</dt><dd>CBR</dd>" in html and "<dd>veryfast</dd>" in html and "<dd>main</dd>" in html
    assert ("-tune zerolatency" in html) is tune
    assert f"{settings.RTMP_INGEST_URL}/STREAM_KEY" in html


def test_the_rotation_confirmation_names_the_reconnect_grace(settings):
    settings.STREAM_RECONNECT_GRACE_SECONDS = 45
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert "A live stream waits 45 s for it to come back with the new key, then ends." in studio(StreamFactory())
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker to wait: the stream ends at once
    assert "A live stream ends when its encoder is dropped." in studio(StreamFactory())


# --- the page by status ----------------------------------------------------------------------------------------


def test_a_scheduled_stream_waits_for_the_encoder_with_its_checklist_player_and_chat():
    html = studio(StreamFactory())
    assert "the stream goes live as soon as it connects" in html
    assert 'id="end-stream"' in html and 'id="end-stream" aria-haspopup="dialog" hidden' in html
    for part in ('id="go-live"', 'data-check="encoder"', 'data-check="playback"', 'id="player-box"', 'id="chat"'):
        assert part in html
    assert "/static/js/health.js" in html and "/static/js/studio-key.js" in html


def test_a_live_stream_offers_to_end_it_and_gives_the_creator_the_moderation_tools():
    html = studio(StreamFactory(live=True, current_viewers=7, peak_viewers=9))
    assert 'id="end-stream" aria-haspopup="dialog">' in html and 'id="end-dialog"' in html
    assert '<dd id="studio-viewers">7</dd>' in html and '<dd id="studio-peak">9</dd>' in html
    assert 'data-role="creator"' in html and "You moderate this chat" in html


def test_an_ended_stream_shows_what_happened_without_key_checklist_or_player():
    stream = StreamFactory(ended=True)
    html = studio(stream)
    assert "This broadcast has ended." in html and "After the broadcast" in html
    for part in ('id="stream-key"', 'id="go-live"', 'id="player-box"', 'id="end-stream"', "health.js"):
        assert part not in html


# --- gifts and earnings ------------------------------------------------------------------------------------------


def test_the_gift_feed_and_the_earnings_match_the_ledger(settings, django_assert_max_num_queries):
    settings.CREATOR_REVENUE_SHARE = "0.5"
    stream = StreamFactory(live=True, is_premium=True, price_coins=15)
    drum, star = GiftFactory(name="Talking Drum", cost_in_coins=7), GiftFactory(name="Star", cost_in_coins=3)
    amaka, tunde = funded(500), funded(500)
    gift_send(stream_id=stream.pk, sender=amaka, gift_id=drum.pk, quantity=3, message="Ẹ kú iṣẹ́")
    gift_send(stream_id=stream.pk, sender=tunde, gift_id=star.pk, quantity=1, is_anonymous=True)
    stream_access_buy(stream=stream, user=tunde)
    other = StreamFactory(live=True, creator=stream.creator)  # the same creator's other stream counts elsewhere
    gift_send(stream_id=other.pk, sender=amaka, gift_id=star.pk, quantity=5)

    with django_assert_max_num_queries(2):
        earned = stream_earnings(stream=stream)
    # 21 + 3 coins of gifts and 15 of access, half of each to the creator: 19.5 coins, the half kept exactly.
    assert earned["coins_exact"] == Decimal("19.500000") and earned["coins"] == 19
    assert earned["gifts_exact"] == Decimal("12.000000") and earned["access_exact"] == Decimal("7.500000")
    assert earned["gift_count"] == 2 and earned["gift_coins"] == 24
    assert earned["naira"] == Decimal("95.00")  # 19 whole coins at the payout rate (5.00)
    # All the creator's earnings are this stream's and the other's: nothing is counted twice or lost.
    other_earned = stream_earnings(stream=other)["coins_exact"]
    assert earned["coins_exact"] + other_earned == earnings_exact(user=stream.creator) == Decimal("27")

    html = studio(stream)
    assert "Talking Drum" in html and "Ẹ kú iṣẹ́" in html
    assert f"<strong>{amaka.display_name or amaka.username}</strong>" in html
    assert "<strong>Someone</strong> sent 1× Star" in html  # anonymous stays anonymous, to the creator too
    assert 'title="19.500000 coins exactly">19 coins</span>' in html and "≈ ₦95.00" in html


def test_the_earnings_route_is_the_creators_own():
    stream = StreamFactory(live=True)
    gift_send(stream_id=stream.pk, sender=funded(50), gift_id=GiftFactory(cost_in_coins=10).pk, quantity=1)
    url = f"/api/v1/streams/{stream.pk}/earnings"
    owner = APIClient()
    owner.force_authenticate(stream.creator)
    body = owner.get(url).json()
    assert body == {
        "coins": 5,
        "coins_exact": "5.000000",
        "gifts_exact": "5.000000",
        "access_exact": "0.000000",
        "naira": "25.00",
        "gift_count": 1,
        "gift_coins": 10,
    }
    viewer = APIClient()
    viewer.force_authenticate(UserFactory())
    response = viewer.get(url)
    assert response.status_code == 403
    assert APIClient().get(url).status_code == 401
    private = StreamFactory(visibility=Stream.Visibility.PRIVATE)
    assert viewer.get(f"/api/v1/streams/{private.pk}/earnings").status_code == 404
    staff = APIClient()
    staff.force_authenticate(UserFactory(is_staff=True))
    assert staff.get(url).json()["coins"] == 5


# --- the watch page no longer shows the key ---------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "live", "ended"])
def test_the_watch_page_never_shows_the_key_and_sends_its_owner_to_the_studio(status):
    stream = StreamFactory(**({status: True} if status != "scheduled" else {}))
    owner = Client()
    owner.force_login(stream.creator)
    html = owner.get(reverse("stream-detail", args=[stream.pk])).content.decode()
    assert stream.stream_key not in html
    assert f'href="{reverse("studio-stream", args=[stream.pk])}"' in html and "Open in the studio" in html
    assert "stream-health" not in html and "health.js" not in html  # the health panel moved to the studio
    viewer = Client()
    viewer.force_login(UserFactory())
    assert "Open in the studio" not in viewer.get(reverse("stream-detail", args=[stream.pk])).content.decode()
