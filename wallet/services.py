"""Writes for the wallet: purchases through a provider, crediting exactly once, paying creators, idempotency.

This module and ``wallet.selectors`` are the wallet's whole public face: other
apps pay creators, grant coins and keep Idempotency-Keys through these, never
through the ledger or the models.

Gateway calls never run inside a database transaction; crediting a payment
locks its Payment row, so the webhook, the verify call and any retry of
either credit the coins once, in any order, any number of times.
"""

import hashlib
import json
import logging
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from livestream.errors import Conflict, DomainError, NotFound, Unprocessable
from livestream.origins import return_url_clean
from wallet.ledger import InsufficientCoins as InsufficientCoins  # for other apps: they never import the ledger
from wallet.ledger import Line, account_for, ledger_post, pay_creator, system_account
from wallet.models import CREATOR_PAYMENT_KINDS, Account, CoinPackage, IdempotencyRecord, Payment, Transaction
from wallet.providers import ProviderError, Verification, payment_provider

logger = logging.getLogger(__name__)

PAYMENT_METHODS = ("card", "bank_transfer", "wallet")


def naira_to_kobo(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# --- Paying creators -----------------------------------------------------------------------------


def creator_pay(
    *,
    kind: str,
    payer: User,
    creator_id,
    total: int,
    reference: str = "",
    description: str = "",
) -> Transaction:
    """A viewer pays a creator ``total`` whole coins for a gift, premium access or a subscription.

    Caller holds the transaction (this joins it). The payer's wallet is debited
    by one conditional UPDATE (InsufficientCoins, and nothing written, when it
    cannot pay); the creator's earnings get exactly CREATOR_REVENUE_SHARE of
    it, to the millionth of a coin, and the platform the exact rest, as
    appended entries: no lock on the creator, however many pay them at once.
    Returns the ledger transaction (to link from what was bought).
    """
    if kind not in CREATOR_PAYMENT_KINDS:
        raise ValueError(f"{kind!r} is not a payment to a creator.")
    if total <= 0:
        raise DomainError("A payment is a positive number of coins.", code="invalid_amount")
    return pay_creator(
        kind=kind,
        payer_id=payer.pk,
        creator_id=creator_id,
        total=total,
        reference=reference,
        description=description,
    )


# --- Idempotency ---------------------------------------------------------------------------


def request_fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def idempotency_claim(*, user: User, scope: str, key: str, fingerprint: str) -> IdempotencyRecord:
    """Claim ``key`` for this request inside the caller's transaction (the one that moves the money).

    Returns the key's record: with an empty ``result`` when this request is the
    first (store what it made with idempotency_complete, in the same
    transaction), or with the first request's ``result`` to replay. The same
    key for a different request (another ``fingerprint``) is refused
    (Unprocessable, ``idempotency_key_reused``). A concurrent request with the
    same key waits on the key's unique index until the first one commits (then
    it replays) or rolls back (then it goes ahead): money moves once.
    """
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the caller's transaction usable
            return IdempotencyRecord.objects.create(user=user, scope=scope, key=key, fingerprint=fingerprint)
    except IntegrityError:
        record = IdempotencyRecord.objects.get(user=user, scope=scope, key=key)
    if record.fingerprint != fingerprint:
        raise Unprocessable("This Idempotency-Key was used for a different request.", code="idempotency_key_reused")
    return record


def idempotency_complete(record: IdempotencyRecord, *, result) -> None:
    """Store what the key's first request made. Caller holds the transaction that claimed the key."""
    record.result = str(result)
    IdempotencyRecord.objects.filter(pk=record.pk).update(result=record.result)


# --- Purchases -------------------------------------------------------------------------------


def payment_initiate(
    *,
    user: User,
    package_id,
    payment_method: str,
    callback_url: str = "",
    idempotency_key: str | None = None,
) -> Payment:
    """Create a pending payment and ask the provider where the buyer pays.

    The pending Payment (and, with ``idempotency_key``, the key's record) is
    committed before the gateway is called, so a webhook that beats our
    response still finds it, a retry with the key finds it, and no lock is
    held during the call. A retry with the key returns the first payment; if
    the gateway failed the first time (or never answered), it starts a new
    payment under the same key; while the first is still at the gateway it
    is a Conflict (``idempotency_request_in_progress``).
    """
    package = CoinPackage.objects.filter(pk=package_id, is_active=True).first()
    if package is None:
        raise DomainError("No such coin package.", code="invalid_package")
    if payment_method not in PAYMENT_METHODS:
        raise DomainError(f"Use one of {', '.join(PAYMENT_METHODS)}.", code="invalid_payment_method")
    # The gateway sends the payer's browser there: never to another site (phishing) or another port or scheme.
    return_url = return_url_clean(callback_url)
    provider = payment_provider()
    with transaction.atomic(durable=True):
        record = None
        if idempotency_key:
            fingerprint = request_fingerprint(
                {"package_id": str(package_id), "payment_method": payment_method, "callback_url": callback_url}
            )
            record = idempotency_claim(user=user, scope="purchase", key=idempotency_key, fingerprint=fingerprint)
            if record.result:
                first = Payment.objects.select_for_update().get(reference=record.result)
                if not _payment_start_again(first):
                    return first
        payment = Payment.objects.create(
            reference=f"gnl_{uuid.uuid4().hex}",
            user=user,
            package=package,
            coins=package.total_coins,
            amount_kobo=naira_to_kobo(package.price),
            payment_method=payment_method,
            provider=provider.name,
            callback_url=return_url,
        )
        if record is not None:
            idempotency_complete(record, result=payment.reference)
    try:
        url = provider.initialize(
            reference=payment.reference,
            email=user.email or f"{user.pk}@users.invalid",
            amount_kobo=payment.amount_kobo,
            callback_url=return_url,
        )
    except DomainError:
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.FAILED, failure_reason=INITIALIZE_FAILED, completed_at=timezone.now()
        )
        raise
    # Only while still pending: a retry with the key may have judged this call stalled, failed the payment and
    # started another one meanwhile; the buyer must never be sent to pay a payment we gave up on.
    if Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(authorization_url=url):
        payment.authorization_url = url
        return payment
    return _payment_after_late_initialize(payment, record=record)


def _payment_after_late_initialize(payment: Payment, *, record: IdempotencyRecord | None) -> Payment:
    """What to answer when the gateway's answer came after the payment stopped being pending."""
    payment.refresh_from_db()
    if payment.status == Payment.Status.SUCCESS:
        return payment  # settled meanwhile: nothing left to pay
    logger.warning(
        "payment %s: the gateway answered after the payment was given up (%s)",
        payment.reference,
        payment.failure_reason,
    )
    if record is not None:
        record.refresh_from_db()
        if record.result and record.result != payment.reference:
            replacement = Payment.objects.get(reference=record.result)
            if replacement.authorization_url or replacement.status != Payment.Status.PENDING:
                return replacement
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; try again shortly.",
                code="idempotency_request_in_progress",
            )
    raise Conflict(
        "The payment gateway answered too late and this payment was abandoned; nothing was charged. "
        "Start the purchase again.",
        code="payment_abandoned",
    )


INITIALIZE_FAILED = "provider initialize failed"


def _payment_start_again(first: Payment) -> bool:
    """Whether a retry with the first payment's key starts a new payment (caller holds the payment's lock).

    The first answer is replayed once the buyer was given somewhere to pay (or
    it settled). A payment the gateway never set up (it failed, or the
    process died during the call) is retried with a new one; one still at the
    gateway is a Conflict.
    """
    if first.authorization_url or first.status == Payment.Status.SUCCESS:
        return False
    if first.status == Payment.Status.FAILED and first.failure_reason == INITIALIZE_FAILED:
        return True
    if first.status == Payment.Status.PENDING:
        stalled = first.created_at < timezone.now() - timedelta(seconds=2 * settings.PAYMENT_PROVIDER_TIMEOUT)
        if not stalled:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; try again shortly.",
                code="idempotency_request_in_progress",
            )
        first.status = Payment.Status.FAILED
        first.failure_reason = INITIALIZE_FAILED
        first.completed_at = timezone.now()
        first.save(update_fields=["status", "failure_reason", "completed_at"])
        return True
    return False


def payment_confirm(*, verification: Verification, source: str) -> Payment:
    """Apply what the gateway says about a payment: credit once on success, never on a mismatch.

    Safe to call from the webhook, the verify call, and retries of both, concurrently. A settled payment
    stays as it is, except one we failed only because its gateway call failed or stalled
    (``INITIALIZE_FAILED``): the buyer may have paid it anyway, so a verified success of the right amount
    and currency is credited (and logged).
    """
    with transaction.atomic(durable=True):
        payment = Payment.objects.select_for_update().filter(reference=verification.reference).first()
        if payment is None:
            logger.warning("payment %s from %s: unknown reference", verification.reference, source)
            raise NotFound("No such payment.")
        revived = _initialize_failed(payment) and _verified_success(payment, verification)
        if payment.status != Payment.Status.PENDING and not revived:
            return payment  # already settled: nothing moves twice
        if revived:
            # We gave up on it (its gateway call failed or stalled), but the buyer paid at the gateway anyway:
            # charged means credited.
            logger.warning(
                "payment %s from %s: paid although it failed at initialize (%s); crediting it",
                payment.reference,
                source,
                payment.failure_reason,
            )
        if verification.status == "pending":
            return payment
        if verification.status != "success":
            payment.status = Payment.Status.FAILED
            payment.failure_reason = f"{source}: {verification.status}"[:200]
            payment.completed_at = timezone.now()
            payment.save(update_fields=["status", "failure_reason", "completed_at"])
            return payment
        if verification.amount_kobo != payment.amount_kobo or verification.currency.upper() != payment.currency:
            logger.error(
                "payment %s from %s: paid %s %s, expected %s %s; nothing credited",
                payment.reference,
                source,
                verification.amount_kobo,
                verification.currency,
                payment.amount_kobo,
                payment.currency,
            )
            payment.status = Payment.Status.FAILED
            payment.failure_reason = f"{source}: amount or currency mismatch"
            payment.completed_at = timezone.now()
            payment.save(update_fields=["status", "failure_reason", "completed_at"])
            return payment
        record = ledger_post(
            kind=Transaction.Kind.PURCHASE,
            lines=[
                Line(system_account(Account.Kind.MINT), -payment.coins),
                Line(account_for(user=payment.user), payment.coins),
            ],
            reference=payment.reference,
            description=f"Bought {payment.package.name}",
        )
        payment.status = Payment.Status.SUCCESS
        payment.failure_reason = ""
        payment.ledger_transaction = record
        payment.completed_at = timezone.now()
        payment.save(update_fields=["status", "failure_reason", "ledger_transaction", "completed_at"])
    return payment


def _initialize_failed(payment: Payment) -> bool:
    """A payment we failed ourselves because its gateway call failed or stalled (the gateway never said no)."""
    return payment.status == Payment.Status.FAILED and payment.failure_reason == INITIALIZE_FAILED


def _verified_success(payment: Payment, verification: Verification) -> bool:
    return (
        verification.status == "success"
        and verification.amount_kobo == payment.amount_kobo
        and verification.currency.upper() == payment.currency
    )


def payment_verify(*, reference: str) -> Payment:
    """Ask the gateway about a payment (outside any lock) and apply the answer."""
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        raise NotFound("No such payment.")
    if payment.status != Payment.Status.PENDING and not _initialize_failed(payment):
        return payment
    try:
        verification = payment_provider().verify(reference=reference)
    except ProviderError:
        if _initialize_failed(payment):
            # Most often the gateway never took this reference (its initialize failed): it has simply failed.
            # Were it paid after all, the gateway's webhook still credits it.
            return payment
        raise
    return payment_confirm(verification=verification, source="verify")


SANDBOX_OUTCOMES = ("success", "failed")


def payment_sandbox_settle(*, reference: str, status: str) -> Payment:
    """The sandbox gateway reports a payment's outcome (``success`` or ``failed``), as a real gateway would.

    Development and tests only: NotFound when PAYMENT_PROVIDER is not ``sandbox`` or the reference is no
    sandbox payment. Settles through payment_confirm, so paying twice credits once.
    """
    if settings.PAYMENT_PROVIDER != "sandbox":
        raise NotFound("The sandbox gateway is off.")
    if status not in SANDBOX_OUTCOMES:
        raise DomainError("The sandbox reports success or failed.", code="invalid_status")
    payment = Payment.objects.filter(reference=reference, provider="sandbox").first()
    if payment is None:
        raise NotFound("No such payment.")
    verification = Verification(reference, status, payment.amount_kobo, payment.currency)
    return payment_confirm(verification=verification, source="sandbox")


def coins_grant(*, user: User, coins: int, reason: str) -> Transaction:
    """Staff give coins (support, promotions): minted, recorded like any other movement."""
    if coins <= 0:
        raise DomainError("Grant a positive number of coins.", code="invalid_amount")
    with transaction.atomic():  # not durable: seed_demo grants inside its own transaction
        return ledger_post(
            kind=Transaction.Kind.GRANT,
            lines=[Line(system_account(Account.Kind.MINT), -coins), Line(account_for(user=user), coins)],
            description=reason,
        )
