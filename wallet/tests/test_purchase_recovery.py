"""A purchase whose first gateway call was judged stalled: the buyer is never sent to pay a failed payment, and
a success the gateway reports for one anyway is credited (charged means credited)."""

import logging
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from wallet.models import Payment, Transaction
from wallet.providers import Verification
from wallet.selectors import wallet_balance
from wallet.services import INITIALIZE_FAILED, payment_confirm, payment_initiate, payment_verify
from wallet.tests.factories import CoinPackageFactory

pytestmark = pytest.mark.django_db


class SlowFirstGateway:
    """A gateway whose first initialize answers only after the buyer's retry (same key) judged it stalled."""

    name = "sandbox"

    def __init__(self, on_first_call):
        self.calls: list[str] = []
        self.on_first_call = on_first_call
        self.verified: dict[str, Verification] = {}

    def initialize(self, *, reference, **kwargs):
        self.calls.append(reference)
        if len(self.calls) == 1:
            self.on_first_call(reference)
        return f"https://gateway.example/pay/{reference}"

    def verify(self, *, reference):
        return self.verified[reference]


def age(reference, settings):
    """As if the payment had waited on the gateway past 2 x PAYMENT_PROVIDER_TIMEOUT."""
    stalled = timezone.now() - timedelta(seconds=2 * settings.PAYMENT_PROVIDER_TIMEOUT + 1)
    Payment.objects.filter(reference=reference).update(created_at=stalled)


def test_a_slow_first_gateway_call_never_sends_the_buyer_to_the_failed_payment(settings):
    buyer = UserFactory()
    package = CoinPackageFactory(coins=100, bonus_coins=10)
    retries = []

    def retry_meanwhile(reference):
        age(reference, settings)
        retries.append(
            payment_initiate(user=buyer, package_id=package.pk, payment_method="card", idempotency_key="k-slow")
        )

    gateway = SlowFirstGateway(retry_meanwhile)
    with mock.patch("wallet.services.payment_provider", return_value=gateway):
        answer = payment_initiate(user=buyer, package_id=package.pk, payment_method="card", idempotency_key="k-slow")

    first, replacement = Payment.objects.get(reference=gateway.calls[0]), retries[0]
    assert first.status == "failed" and first.authorization_url == ""  # nobody is sent to pay it
    assert replacement.reference != first.reference
    assert answer.reference == replacement.reference and answer.status == "pending"
    assert answer.authorization_url == f"https://gateway.example/pay/{replacement.reference}"


def test_without_a_replacement_the_late_answer_is_a_clear_conflict(settings):
    """Another retry path failed the payment while the gateway was answering and started nothing under a key."""
    from livestream.errors import Conflict

    buyer = UserFactory()
    package = CoinPackageFactory()

    def fail_meanwhile(reference):
        Payment.objects.filter(reference=reference).update(status="failed", failure_reason=INITIALIZE_FAILED)

    with mock.patch("wallet.services.payment_provider", return_value=SlowFirstGateway(fail_meanwhile)):
        with pytest.raises(Conflict) as refused:
            payment_initiate(user=buyer, package_id=package.pk, payment_method="card")
    assert refused.value.code == "payment_abandoned"
    assert Payment.objects.get().authorization_url == ""


def stalled_payment(**fields) -> Payment:
    package = CoinPackageFactory(coins=100, bonus_coins=10)
    values = {
        "reference": "gnl_stalled",
        "user": UserFactory(),
        "package": package,
        "coins": 110,
        "amount_kobo": 50000,
        "payment_method": "card",
        "provider": "paystack",
        "status": Payment.Status.FAILED,
        "failure_reason": INITIALIZE_FAILED,
        "completed_at": timezone.now(),
    }
    return Payment.objects.create(**{**values, **fields})


def test_a_gateway_success_on_a_payment_failed_at_initialize_is_credited_once(caplog):
    payment = stalled_payment()
    success = Verification(payment.reference, "success", 50000, "NGN")
    with caplog.at_level(logging.WARNING, logger="wallet.services"):
        for source in ("webhook", "verify", "webhook"):
            settled = payment_confirm(verification=success, source=source)
    assert settled.status == "success" and settled.ledger_transaction is not None
    assert wallet_balance(user=payment.user) == 110
    assert Transaction.objects.filter(kind="purchase", reference=payment.reference).count() == 1
    assert any("failed at initialize" in r.getMessage() and payment.reference in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("verification", "fields"),
    [
        (("success", 40000, "NGN"), {}),  # wrong amount
        (("success", 50000, "USD"), {}),  # wrong currency
        (("failed", 50000, "NGN"), {}),  # not a success
        (("success", 50000, "NGN"), {"failure_reason": "webhook: failed"}),  # failed by the gateway, not by us
    ],
)
def test_nothing_else_revives_a_failed_payment(verification, fields):
    payment = stalled_payment(**fields)
    settled = payment_confirm(verification=Verification(payment.reference, *verification), source="webhook")
    assert settled.status == "failed" and wallet_balance(user=payment.user) == 0
    assert not Transaction.objects.filter(kind="purchase").exists()


def test_the_buyers_return_from_checkout_asks_the_gateway_about_a_payment_failed_at_initialize():
    payment = stalled_payment()
    gateway = SlowFirstGateway(lambda reference: None)
    gateway.verified[payment.reference] = Verification(payment.reference, "success", 50000, "NGN")
    with mock.patch("wallet.services.payment_provider", return_value=gateway):
        assert payment_verify(reference=payment.reference).status == "success"
    assert wallet_balance(user=payment.user) == 110


def test_a_payment_the_gateway_never_heard_of_reads_as_failed_not_a_gateway_error():
    """Paystack answers verify for a reference its initialize never took with a 400: the buyer got a 502 on every
    look at a payment that had simply failed."""
    from wallet.providers import ProviderError

    payment = stalled_payment()
    gateway = SlowFirstGateway(lambda reference: None)
    with mock.patch("wallet.services.payment_provider", return_value=gateway):
        with mock.patch.object(gateway, "verify", side_effect=ProviderError("Transaction reference not found")):
            answered = payment_verify(reference=payment.reference)
    assert answered.status == "failed" and answered.failure_reason == INITIALIZE_FAILED
    assert wallet_balance(user=payment.user) == 0


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgres_a_retry_racing_a_slow_gateway_call_leaves_one_payable_payment(settings):
    """Real threads and commits: the first request waits at the gateway while its retry replaces it."""
    from django.db import connections

    from wallet.providers import SandboxProvider

    buyer, package = UserFactory(), CoinPackageFactory()
    at_gateway, release = threading.Event(), threading.Event()
    outcome = {}

    def slow_initialize(self, *, reference, **kwargs):
        if not at_gateway.is_set():
            at_gateway.set()
            release.wait(30)
        return f"https://gateway.example/pay/{reference}"

    def first_request():
        try:
            outcome["first"] = payment_initiate(
                user=buyer, package_id=package.pk, payment_method="card", idempotency_key="k-race"
            )
        except Exception as exc:  # noqa: BLE001 - inspected below
            outcome["first"] = exc
        finally:
            connections.close_all()

    with mock.patch.object(SandboxProvider, "initialize", slow_initialize):
        thread = threading.Thread(target=first_request)
        thread.start()
        assert at_gateway.wait(30)
        stalled = Payment.objects.get()
        age(stalled.reference, settings)
        retry = payment_initiate(user=buyer, package_id=package.pk, payment_method="card", idempotency_key="k-race")
        release.set()
        thread.join(30)

    stalled.refresh_from_db()
    assert stalled.status == "failed" and stalled.authorization_url == ""
    assert isinstance(outcome["first"], Payment) and outcome["first"].reference == retry.reference
    assert outcome["first"].authorization_url == retry.authorization_url != ""
    assert Payment.objects.filter(status="pending").get().reference == retry.reference
