"""Paying for premium streams and subscriptions under concurrency, on PostgreSQL: real threads, real locks."""

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from streams.models import StreamAccess, Subscription
from streams.services import creator_profile_ensure
from streams.services.monetization import stream_access_buy, subscription_start
from streams.tests.factories import StreamFactory
from wallet.selectors import wallet_balance
from wallet.services import coins_grant
from wallet.tests.concurrency import run_concurrently

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("coins", [150, 1000])  # enough for one month; for every tap
def test_a_double_tapped_first_subscription_charges_once_and_answers_every_tap(coins):
    creator, fan = UserFactory(), UserFactory()
    profile = creator_profile_ensure(user=creator)
    profile.subscription_price_coins = 100
    profile.save()
    coins_grant(user=fan, coins=coins, reason="test")

    results = run_concurrently(4, lambda _: subscription_start(subscriber=fan, creator=creator))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(charged for _, charged in results) == [False, False, False, True]
    assert {subscription.pk for subscription, _ in results} == {Subscription.objects.get().pk}
    assert Subscription.objects.get().status == "active" and wallet_balance(user=fan) == coins - 100
    call_command("audit_ledger")


def test_a_double_tapped_access_purchase_charges_once():
    stream = StreamFactory(live=True, is_premium=True, price_coins=40)
    fan = UserFactory()
    coins_grant(user=fan, coins=100, reason="test")

    results = run_concurrently(4, lambda _: stream_access_buy(stream=stream, user=fan))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert StreamAccess.objects.count() == 1 and wallet_balance(user=fan) == 60
    call_command("audit_ledger")
