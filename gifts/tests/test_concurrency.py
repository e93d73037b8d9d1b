"""Gifts under concurrency, on PostgreSQL: real threads, real row locks, real commits."""

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from gifts.models import SentGift
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.tests.factories import StreamFactory
from wallet.selectors import earnings_exact, wallet_balance
from wallet.services import InsufficientCoins, coins_grant
from wallet.tests.concurrency import run_concurrently

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_gifts_from_one_wallet_that_can_afford_some():
    sender = UserFactory()
    coins_grant(user=sender, coins=170, reason="test")  # 17 gifts of 10
    stream = StreamFactory(live=True)
    gift = GiftFactory(cost_in_coins=10)
    results = run_concurrently(50, lambda _: gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1))
    successes = [r for r in results if isinstance(r, SentGift)]
    refused = [r for r in results if isinstance(r, InsufficientCoins)]
    assert len(successes) == 17 and len(refused) == 33, [
        r for r in results if not isinstance(r, SentGift | InsufficientCoins)
    ]
    assert wallet_balance(user=sender) == 0
    assert earnings_exact(user=stream.creator) == 85
    call_command("audit_ledger")


def test_fifty_wallets_gift_one_creator_at_once():
    stream = StreamFactory(live=True)
    gift = GiftFactory(cost_in_coins=7)
    senders = [UserFactory() for _ in range(50)]
    for sender in senders:
        coins_grant(user=sender, coins=7, reason="test")
    results = run_concurrently(
        50, lambda n: gift_send(stream_id=stream.pk, sender=senders[n], gift_id=gift.pk, quantity=1)
    )
    assert all(isinstance(r, SentGift) for r in results), results
    assert SentGift.objects.filter(stream=stream).count() == 50
    assert earnings_exact(user=stream.creator) == 50 * 7 / 2  # 3.5 each: no half coin goes to the platform
    assert sum(wallet_balance(user=s) for s in senders) == 0
    call_command("audit_ledger")


@pytest.mark.parametrize("path", ["function", "orm"])
def test_the_same_idempotency_key_racing_sends_one_gift(path, monkeypatch):
    """Sixteen requests with one key at once: one gift, one debit, and every request answered with that gift."""
    from gifts import services

    monkeypatch.setattr(services, "_uses_function", lambda: path == "function")
    sender = UserFactory()
    coins_grant(user=sender, coins=1000, reason="test")
    stream = StreamFactory(live=True)
    gift = GiftFactory(cost_in_coins=10)

    def attempt(_):
        return gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1, idempotency_key="double-tap")

    results = run_concurrently(16, attempt)
    assert all(isinstance(r, SentGift) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert SentGift.objects.filter(sender=sender).count() == 1
    assert wallet_balance(user=sender) == 990
    call_command("audit_ledger")
