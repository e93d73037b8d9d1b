from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import client_for
from streams.models import StreamAccess, Subscription
from streams.services import creator_profile_ensure
from streams.tasks import renew_subscriptions_task
from streams.tests.factories import StreamFactory
from wallet.selectors import earnings_exact, wallet_balance
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def premium():
    return StreamFactory(live=True, is_premium=True, price_coins=50)


@pytest.fixture
def fan():
    user = UserFactory()
    coins_grant(user=user, coins=120, reason="test")
    return client_for(user)


def detail(stream):
    return f"/api/v1/streams/{stream.pk}"


def test_premium_needs_a_price(auth_client):
    response = auth_client.post("/api/v1/streams", {"title": "x", "is_premium": True}, format="json")
    assert response.status_code == 400
    ok = auth_client.post("/api/v1/streams", {"title": "x", "is_premium": True, "price_coins": 30}, format="json")
    assert ok.status_code == 201 and ok.json()["price_coins"] == 30 and ok.json()["has_access"] is True  # the owner


def test_buying_access_once(fan, premium, api_client):
    assert fan.get(detail(premium)).json()["has_access"] is False
    assert api_client.get(detail(premium)).json()["has_access"] is False
    bought = fan.post(f"{detail(premium)}/access")
    assert bought.status_code == 201 and bought.json()["has_access"] is True
    again = fan.post(f"{detail(premium)}/access")
    assert again.status_code == 200
    assert wallet_balance(user=fan.user) == 70
    assert earnings_exact(user=premium.creator) == 25
    listed = fan.get("/api/v1/streams").json()["results"]
    assert [row["has_access"] for row in listed] == [True]
    rows = fan.get("/api/v1/currency/transactions?type=access").json()["results"]
    assert [row["amount"] for row in rows] == [-50]


def test_access_errors(fan, auth_client):
    free = StreamFactory(live=True)
    assert fan.post(f"{detail(free)}/access").json()["code"] == "not_premium"
    pricey = StreamFactory(live=True, is_premium=True, price_coins=500)
    response = fan.post(f"{detail(pricey)}/access")
    assert response.status_code == 400 and response.json()["code"] == "insufficient_coins"
    assert not StreamAccess.objects.exists()
    assert client_for(pricey.creator).post(f"{detail(pricey)}/access").json()["code"] == "not_premium"


def test_premium_chat_needs_access(fan, premium):
    url = f"/api/v1/streams/{premium.pk}/chat"
    refused = fan.post(url, {"content": "hi"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "premium_required"
    fan.post(f"{detail(premium)}/access")
    assert fan.post(url, {"content": "hi"}, format="json").status_code == 201


def subscribe_setup(price=40):
    creator = UserFactory()
    profile = creator_profile_ensure(user=creator)
    profile.subscription_price_coins = price
    profile.save()
    return creator


def test_subscribe_cancel_resubscribe(fan):
    creator = subscribe_setup()
    url = f"/api/v1/creators/{creator.username}/subscription"
    started = fan.post(url)
    assert started.status_code == 201 and started.json()["status"] == "active"
    assert fan.post(url).status_code == 200  # already subscribed: no second charge
    assert wallet_balance(user=fan.user) == 80
    assert fan.get(f"/api/v1/creators/{creator.username}").json()["is_subscribed"] is True
    cancelled = fan.delete(url)
    assert cancelled.json()["renews"] is False
    assert fan.get(f"/api/v1/creators/{creator.username}").json()["is_subscribed"] is True  # paid period runs on
    assert fan.post(url).json()["renews"] is True
    assert wallet_balance(user=fan.user) == 80


def test_subscription_errors(fan):
    no_subs = UserFactory()
    assert fan.post(f"/api/v1/creators/{no_subs.username}/subscription").json()["code"] == "subscriptions_disabled"
    own = fan.post(f"/api/v1/creators/{fan.user.username}/subscription")
    assert own.status_code == 400
    assert fan.delete(f"/api/v1/creators/{no_subs.username}/subscription").status_code == 404
    pricey = subscribe_setup(price=500)
    assert fan.post(f"/api/v1/creators/{pricey.username}/subscription").json()["code"] == "insufficient_coins"


def test_subscribers_watch_premium_streams_and_wear_a_badge(fan):
    creator = subscribe_setup()
    stream = StreamFactory(live=True, is_premium=True, price_coins=50, creator=creator)
    fan.post(f"/api/v1/creators/{creator.username}/subscription")
    assert fan.get(detail(stream)).json()["has_access"] is True
    message = fan.post(f"/api/v1/streams/{stream.pk}/chat", {"content": "hi"}, format="json").json()
    assert message["user"]["badges"] == ["subscriber"]


def test_renewal_charges_or_lapses_with_a_notice(fan):
    creator = subscribe_setup(price=40)
    fan.post(f"/api/v1/creators/{creator.username}/subscription")  # 120 -> 80
    Subscription.objects.update(current_period_end=timezone.now() - timedelta(minutes=1))
    assert renew_subscriptions_task.apply().get() == {"renewed": 1, "lapsed": 0, "skipped": 0}
    sub = Subscription.objects.get()
    assert sub.current_period_end > timezone.now() + timedelta(days=29)
    assert wallet_balance(user=fan.user) == 40
    Subscription.objects.update(current_period_end=timezone.now() - timedelta(minutes=1))
    renew_subscriptions_task.apply()  # 40 -> 0
    Subscription.objects.update(current_period_end=timezone.now() - timedelta(minutes=1))
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda f, **kwargs: f()):
        assert renew_subscriptions_task.apply().get()["lapsed"] == 1
    assert Subscription.objects.get().status == "lapsed"
    assert wallet_balance(user=fan.user) == 0
    assert len(mail.outbox) == 1 and "lapsed" in mail.outbox[0].subject
    assert fan.get(f"/api/v1/creators/{creator.username}").json()["is_subscribed"] is False


def test_cancelled_subscriptions_lapse_at_period_end_without_charge(fan):
    creator = subscribe_setup()
    url = f"/api/v1/creators/{creator.username}/subscription"
    fan.post(url)
    fan.delete(url)
    Subscription.objects.update(current_period_end=timezone.now() - timedelta(minutes=1))
    assert renew_subscriptions_task.apply().get()["skipped"] == 1
    assert Subscription.objects.get().status == "lapsed" and wallet_balance(user=fan.user) == 80
