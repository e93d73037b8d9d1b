"""The gift panel's first paint on the watch page: who gets it, what it knows before any script runs."""

from decimal import Decimal

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from streams.tests.factories import StreamFactory
from wallet.models import CoinPackage
from wallet.selectors import coin_naira_rate

pytestmark = pytest.mark.django_db


def page(stream, user=None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(f"/streams/{stream.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_signed_in_viewer_of_a_live_stream_gets_the_panel_with_their_threshold_and_the_coin_price():
    CoinPackage.objects.create(name="Starter", coins=100, price=Decimal("500.00"))
    CoinPackage.objects.create(name="Patron", coins=10000, bonus_coins=2000, price=Decimal("50000.00"))
    viewer = UserFactory(gift_confirm_threshold=250)
    stream = StreamFactory(live=True)
    html = page(stream, viewer)
    assert '<button type="button" id="gift-open"' in html
    assert 'data-threshold="250"' in html and 'value="250"' in html
    assert 'data-naira-per-coin="5.0000"' in html
    assert f'href="/wallet/?next=/streams/{stream.pk}/"' in html
    for tab in ("All", "Traditional", "Modern", "Premium"):
        assert f">{tab}</button>" in html
    assert '<div id="gift-stage" class="gift-stage" aria-live="polite"></div>' in html  # over the video


def test_the_button_waits_for_a_scheduled_stream_to_go_live():
    html = page(StreamFactory(), UserFactory())
    assert 'id="gift-panel"' in html
    assert 'aria-controls="gift-panel" hidden>' in html


@pytest.mark.parametrize("who", ["owner", "anonymous", "premium without access", "gifts off", "ended"])
def test_no_panel_for_those_who_cannot_send(who):
    creator, viewer = UserFactory(), UserFactory()
    stream = StreamFactory(
        creator=creator,
        live=who != "ended",
        ended=who == "ended",
        is_premium=who == "premium without access",
        price_coins=50 if who == "premium without access" else None,
        allow_gifts=who != "gifts off",
    )
    user = {"owner": creator, "anonymous": None}.get(who, viewer)
    html = page(stream, user)
    assert 'id="gift-panel"' not in html and 'id="gift-open"' not in html
    assert 'id="gift-sound"' in html  # everyone may hear the room's gifts
    if who == "anonymous":
        assert "Log in to send a gift" in html


def test_the_coin_price_is_the_entry_packages_without_its_bonus():
    assert coin_naira_rate() is None  # nothing on sale: no naira shown
    CoinPackage.objects.create(name="Fan", coins=500, bonus_coins=50, price=Decimal("2500.00"))
    CoinPackage.objects.create(name="Starter", coins=300, price=Decimal("1000.00"))
    CoinPackage.objects.create(name="Retired", coins=10, price=Decimal("1.00"), is_active=False)
    assert coin_naira_rate() == Decimal("3.3333")
