"""No value vanishes in rounding: over any sequence of payments a creator earns the exact share, within a coin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import UserFactory
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.models import Subscription
from streams.services import creator_profile_ensure
from streams.services.monetization import stream_access_buy, subscription_renew, subscription_start
from streams.tests.factories import StreamFactory
from wallet.selectors import earnings_exact, wallet_balance, wallet_summary
from wallet.services import coins_grant
from wallet.tests.ledger_reads import earnings_balance, ledger_total_micro

pytestmark = pytest.mark.django_db

payments = st.lists(
    st.one_of(
        st.tuples(st.just("gift"), st.integers(1, 30), st.integers(1, 100)),  # cost, quantity
        st.tuples(st.just("access"), st.integers(1, 99), st.just(1)),  # price
        st.tuples(st.just("subscription"), st.integers(1, 99), st.integers(1, 3)),  # price, renewals
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(share=st.sampled_from(["0.5", "0.7", "0.333333", "0.05", "1", "0"]), sequence=payments)
def test_a_creator_earns_the_exact_share_of_what_was_paid(share, sequence):
    from django.conf import settings as django_settings

    old_share, django_settings.CREATOR_REVENUE_SHARE = django_settings.CREATOR_REVENUE_SHARE, share
    try:
        creator, payer = UserFactory(), UserFactory()
        coins_grant(user=payer, coins=1_000_000, reason="test")
        paid = 0
        for kind, price, count in sequence:
            if kind == "gift":
                stream = StreamFactory(live=True, creator=creator)
                gift = GiftFactory(cost_in_coins=price)
                gift_send(stream_id=stream.pk, sender=payer, gift_id=gift.pk, quantity=count)
                paid += price * count
            elif kind == "access":
                stream_access_buy(stream=StreamFactory(is_premium=True, price_coins=price, creator=creator), user=payer)
                paid += price
            else:
                other = UserFactory()  # a creator of their own, so every subscription is a new one
                profile = creator_profile_ensure(user=other)
                profile.subscription_price_coins = price
                profile.save()
                subscription, _ = subscription_start(subscriber=payer, creator=other)
                for _ in range(count - 1):
                    due = timezone.now() - timedelta(minutes=1)
                    Subscription.objects.filter(pk=subscription.pk).update(current_period_end=due)
                    assert subscription_renew(subscription_id=subscription.pk) == "renewed"
                paid_other = price * count
                assert abs(earnings_exact(user=other) - Decimal(share) * paid_other) < 1
                assert earnings_exact(user=other) == Decimal(share) * paid_other
        exact_share = Decimal(share) * paid
        assert abs(earnings_exact(user=creator) - exact_share) < 1
        assert earnings_exact(user=creator) == exact_share  # to the millionth: nothing rounded at all
        assert exact_share - 1 < earnings_balance(user=creator) <= exact_share  # whole coins: what a payout pays
        summary = wallet_summary(user=creator)
        assert Decimal(summary["earnings_exact"]) == exact_share and summary["earnings"] == int(exact_share)
        assert wallet_balance(user=payer) == 1_000_000 - paid - sum(
            price * count for kind, price, count in sequence if kind == "subscription"
        )
        assert ledger_total_micro() == 0  # the ledger sums to zero
    finally:
        django_settings.CREATOR_REVENUE_SHARE = old_share


def test_one_coin_gifts_earn_their_creator_half_of_them():
    """As reported: 7,869 one-coin gifts earned their creator 0 coins (101 here: each gift was rounded alone)."""
    stream = StreamFactory(live=True)
    gift = GiftFactory(cost_in_coins=1)
    sender = UserFactory()
    coins_grant(user=sender, coins=101, reason="test")
    for _ in range(101):
        gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1)
    assert earnings_exact(user=stream.creator) == Decimal("50.5")
    assert earnings_balance(user=stream.creator) == 50
