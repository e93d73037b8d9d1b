"""Money under concurrency, on PostgreSQL: real threads, real row locks, real commits."""

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from livestream.errors import Conflict
from wallet.models import IdempotencyRecord, Payment, Transaction
from wallet.providers import SandboxProvider, Verification
from wallet.selectors import wallet_balance
from wallet.services import payment_confirm, payment_initiate
from wallet.tests.concurrency import run_concurrently
from wallet.tests.factories import CoinPackageFactory

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def test_webhook_and_verify_racing_credit_once():
    buyer = UserFactory()
    package = CoinPackageFactory(coins=300, bonus_coins=0)
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
    assert wallet_balance(user=buyer) == 300
    assert Transaction.objects.filter(kind="purchase", reference="gnl_race").count() == 1
    call_command("audit_ledger")


def test_the_same_purchase_key_racing_creates_one_payment():
    """One key, many requests at once: one pending payment, one gateway call; the rest replay it or wait."""
    buyer = UserFactory()
    package = CoinPackageFactory()
    calls = []
    initialize = SandboxProvider.initialize

    def counted(self, **kwargs):
        calls.append(kwargs["reference"])
        return initialize(self, **kwargs)

    def attempt(_):
        return payment_initiate(user=buyer, package_id=package.pk, payment_method="card", idempotency_key="buy-1")

    SandboxProvider.initialize = counted
    try:
        results = run_concurrently(12, attempt)
    finally:
        SandboxProvider.initialize = initialize
    payments = [r for r in results if isinstance(r, Payment)]
    unexpected = [r for r in results if not isinstance(r, Payment | Conflict)]
    assert not unexpected, unexpected
    assert Payment.objects.filter(user=buyer).count() == 1 and len(calls) == 1
    assert {p.reference for p in payments} == {calls[0]}
    assert IdempotencyRecord.objects.get(user=buyer, key="buy-1").result == calls[0]
