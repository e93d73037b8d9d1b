"""Money under concurrency, on PostgreSQL: real threads, real row locks, real commits."""

import threading

import pytest
from django.core.management import call_command
from django.db import connections

from accounts.tests.factories import UserFactory
from gifts.models import SentGift
from gifts.services import gift_send
from streams.tests.factories import StreamFactory
from wallet.ledger import InsufficientCoins, account_balance, account_for
from wallet.models import Transaction
from wallet.providers import Verification
from wallet.services import coins_grant, payment_confirm, request_fingerprint
from gifts.tests.factories import GiftFactory
from wallet.tests.factories import CoinPackageFactory

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(count: int, target) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def worker(index: int):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # noqa: BLE001 - each thread's outcome is inspected
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


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
    assert account_for(user=sender).balance == 0
    assert account_balance(account_for(user=stream.creator, kind="earnings")) == 85
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
    earned = account_balance(account_for(user=stream.creator, kind="earnings"))
    assert earned == 50 * 3  # floor(7 * 0.5) each; the platform keeps the odd coin
    assert sum(account_for(user=s).balance for s in senders) == 0
    call_command("audit_ledger")


def test_webhook_and_verify_racing_credit_once():
    buyer = UserFactory()
    package = CoinPackageFactory(coins=300, bonus_coins=0)
    from wallet.models import Payment

    payment = Payment.objects.create(
        reference="gnl_race",
        user=buyer,
        package=package,
        coins=300,
        amount_kobo=50000,
        payment_method="card",
        provider="paystack",
    )
    verification = Verification(payment.reference, "success", 50000, "NGN")
    results = run_concurrently(
        20, lambda n: payment_confirm(verification=verification, source="webhook" if n % 2 else "verify")
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert account_for(user=buyer).balance == 300
    assert Transaction.objects.filter(kind="purchase", reference="gnl_race").count() == 1
    call_command("audit_ledger")


def test_the_same_idempotency_key_racing_sends_one_gift():
    sender = UserFactory()
    coins_grant(user=sender, coins=1000, reason="test")
    stream = StreamFactory(live=True)
    gift = GiftFactory(cost_in_coins=10)
    fingerprint = request_fingerprint({"gift": str(gift.pk)})

    def attempt(_):
        from django.db import IntegrityError

        try:
            return gift_send(
                stream_id=stream.pk,
                sender=sender,
                gift_id=gift.pk,
                quantity=1,
                idempotency_key="double-tap",
                fingerprint=fingerprint,
            )
        except IntegrityError:
            return "replayed"

    results = run_concurrently(16, attempt)
    assert sum(isinstance(r, SentGift) for r in results) == 1
    assert results.count("replayed") == 15
    assert account_for(user=sender).balance == 990
    call_command("audit_ledger")
