"""Writes for the wallet: purchases through a provider, crediting exactly once, idempotency.

Gateway calls never run inside a database transaction; crediting a payment
locks its Payment row, so the webhook, the verify call and any retry of
either credit the coins once, in any order, any number of times.
"""

import hashlib
import json
import logging
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from livestream.errors import DomainError, NotFound, Unprocessable
from wallet.ledger import Line, account_for, ledger_post, system_account
from wallet.models import Account, CoinPackage, IdempotencyRecord, Payment, Transaction
from wallet.providers import Verification, payment_provider

logger = logging.getLogger(__name__)

PAYMENT_METHODS = ("card", "bank_transfer", "wallet")


def naira_to_kobo(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


# --- Idempotency ---------------------------------------------------------------------------


def request_fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def idempotency_replay(*, user: User, scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The stored first answer for this key, or None. A key reused for another request is refused."""
    record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if record is not None and record.fingerprint != fingerprint:
        raise Unprocessable("This Idempotency-Key was used for a different request.", code="idempotency_key_reused")
    return record


def idempotency_store(
    *, user: User, scope: str, key: str, fingerprint: str, status_code: int, body: dict
) -> IdempotencyRecord:
    """Store the answer inside the caller's transaction; a concurrent twin raises IntegrityError and rolls back."""
    return IdempotencyRecord.objects.create(
        user=user, scope=scope, key=key, fingerprint=fingerprint, status_code=status_code, body=body
    )


# --- Purchases -------------------------------------------------------------------------------


def payment_initiate(*, user: User, package_id, payment_method: str, callback_url: str = "", request=None) -> Payment:
    """Create a pending payment and ask the provider where the buyer pays.

    The Payment row exists before the gateway is called, so a webhook that
    beats our response still finds it; the gateway call holds no lock.
    """
    package = CoinPackage.objects.filter(pk=package_id, is_active=True).first()
    if package is None:
        raise DomainError("No such coin package.", code="invalid_package")
    if payment_method not in PAYMENT_METHODS:
        raise DomainError(f"Use one of {', '.join(PAYMENT_METHODS)}.", code="invalid_payment_method")
    provider = payment_provider()
    payment = Payment.objects.create(
        reference=f"gnl_{uuid.uuid4().hex}",
        user=user,
        package=package,
        coins=package.total_coins,
        amount_kobo=naira_to_kobo(package.price),
        payment_method=payment_method,
        provider=provider.name,
        callback_url=callback_url,
    )
    try:
        url = provider.initialize(
            reference=payment.reference,
            email=user.email or f"{user.pk}@users.invalid",
            amount_kobo=payment.amount_kobo,
            callback_url=callback_url,
            request=request,
        )
    except DomainError:
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.FAILED, failure_reason="provider initialize failed"
        )
        raise
    payment.authorization_url = url
    payment.save(update_fields=["authorization_url"])
    return payment


def payment_confirm(*, verification: Verification, source: str) -> Payment:
    """Apply what the gateway says about a payment: credit once on success, never on a mismatch.

    Safe to call from the webhook, the verify call, and retries of both, concurrently.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(reference=verification.reference).first()
        if payment is None:
            logger.warning("payment %s from %s: unknown reference", verification.reference, source)
            raise NotFound("No such payment.")
        if payment.status != Payment.Status.PENDING:
            return payment  # already settled: nothing moves twice
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
        payment.ledger_transaction = record
        payment.completed_at = timezone.now()
        payment.save(update_fields=["status", "ledger_transaction", "completed_at"])
    return payment


def payment_verify(*, reference: str) -> Payment:
    """Ask the gateway about a payment (outside any lock) and apply the answer."""
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        raise NotFound("No such payment.")
    if payment.status != Payment.Status.PENDING:
        return payment
    return payment_confirm(verification=payment_provider().verify(reference=reference), source="verify")


def coins_grant(*, user: User, coins: int, reason: str) -> Transaction:
    """Staff give coins (support, promotions): minted, recorded like any other movement."""
    if coins <= 0:
        raise DomainError("Grant a positive number of coins.", code="invalid_amount")
    with transaction.atomic():
        return ledger_post(
            kind=Transaction.Kind.GRANT,
            lines=[Line(system_account(Account.Kind.MINT), -coins), Line(account_for(user=user), coins)],
            description=reason,
        )
