"""Payouts: a creator's earned coins out as naira, through the provider's transfers.

The coins leave the earnings account (back to the mint: redeemed) in the same
transaction that records the Payout, under a lock on the creator's earnings
account row - gifts never take that lock, they only append entries, so a
payout never blocks a gift and two payouts never pay the same coins. A payout
pays whole coins; the fraction of a coin that exact shares leave
(``Entry.amount_micro``) stays in earnings for the next one. The
transfer call happens after commit, outside any lock; if it fails, a reversal
returns the coins to earnings.

Where the naira go is the creator's PayoutDestination, which they set up themselves: the bank (from the
provider's list, cached a day), the account number, whose name the bank resolves (a paid call at Paystack:
the API throttles it, and an answer is remembered a few minutes so "check, then save" asks once), and the
provider's transfer recipient, created before anything is written.
"""

import csv
import io
import logging
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from livestream.errors import DomainError, InvalidTransition, PermissionDenied
from livestream.private_files import private_name
from livestream.signals import payout_decided, signal_on_commit
from wallet.ledger import Line, account_balance_micro, account_for, ledger_post, system_account
from wallet.models import CREATOR_PAYMENT_KINDS, MICRO, Account, Entry, Payout, PayoutDestination, Transaction
from wallet.providers import AccountNotFound, Bank, ProviderError, payment_provider

logger = logging.getLogger(__name__)


def payout_kobo(coins: int, rate: Decimal) -> int:
    """What ``coins`` are paid at ``rate`` naira a coin, in kobo (rounded half up)."""
    return int((Decimal(coins) * rate * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def payout_create(*, creator: User) -> Payout | None:
    """Move the creator's whole earnings into a pending payout, or None (below the minimum, no destination)."""
    destination = PayoutDestination.objects.filter(user=creator).first()
    if destination is None:
        return None
    earnings = account_for(user=creator, kind=Account.Kind.EARNINGS)
    rate = Decimal(str(settings.PAYOUT_NAIRA_PER_COIN))
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=earnings.pk)  # one payout at a time per creator
        balance = account_balance_micro(earnings) // MICRO  # whole coins; the fraction waits for the next payout
        if balance < settings.PAYOUT_MINIMUM_COINS:
            return None
        previous = Payout.objects.filter(creator=creator).aggregate(end=Max("period_end"))["end"]
        reference = f"gnlpo_{uuid.uuid4().hex}"
        ledger_post(
            kind=Transaction.Kind.PAYOUT,
            lines=[Line(earnings, -balance), Line(system_account(Account.Kind.MINT), balance)],
            reference=reference,
            description="Payout",
        )
        return Payout.objects.create(
            creator=creator,
            coins=balance,
            naira_per_coin=rate,
            amount_kobo=payout_kobo(balance, rate),
            provider=payment_provider().name,
            provider_reference=reference,
            recipient_code=destination.recipient_code,
            period_start=previous,
            period_end=timezone.now(),
        )


def _coins(micro: int) -> str:
    """Whole coins as they are; a share's fraction to the millionth."""
    coins, rest = divmod(micro, MICRO)
    return str(coins) if not rest else f"{coins}.{rest:06d}".rstrip("0")


def payout_statement(payout: Payout) -> None:
    """A CSV of what the creator earned in the payout's period, stored with the payout."""
    earnings = account_for(user=payout.creator, kind=Account.Kind.EARNINGS)
    # What creators were paid in the period; a failed payout's coins coming back were earned in an earlier one.
    entries = Entry.objects.filter(
        account=earnings,
        amount__gte=0,
        transaction__kind__in=CREATOR_PAYMENT_KINDS,
        created_at__lte=payout.period_end,
    )
    if payout.period_start is not None:
        entries = entries.filter(created_at__gt=payout.period_start)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "type", "description", "coins"])
    total = 0
    for entry in entries.select_related("transaction").order_by("created_at"):
        micro = entry.value_micro
        writer.writerow(
            [entry.created_at.isoformat(), entry.transaction.kind, entry.transaction.description, _coins(micro)]
        )
        total += micro
    naira, kobo = divmod(payout.amount_kobo, 100)
    writer.writerow([])
    writer.writerow(["earned in period", "", "", _coins(total)])
    writer.writerow(["paid out", "", f"at NGN {payout.naira_per_coin} per coin", payout.coins])
    writer.writerow(["amount", "", "NGN", f"{naira}.{kobo:02d}"])
    name = f"{payout.creator.username}-{payout.period_end:%Y%m%d}-{payout.provider_reference}.csv"
    # Private: never a public /media/ link; its creator and staff download it (payout_statement_url).
    stored = payout.statement.storage.save(
        private_name(f"payout-statements/{name}"), ContentFile(out.getvalue().encode())
    )
    payout.statement.name = stored
    Payout.objects.filter(pk=payout.pk).update(statement=stored)


def payout_statement_url(payout: Payout) -> str | None:
    """Where the payout's creator (and staff) download its statement: an authenticated API route that answers
    404 to anyone else; None before the statement is written."""
    return reverse("api-payout-statement", kwargs={"payout_id": payout.pk}) if payout.statement else None


def payout_send(*, payout_id) -> Payout:
    """Transfer a pending payout's naira (no lock held); a failure returns the coins to earnings."""
    payout = Payout.objects.select_related("creator").get(pk=payout_id)
    if payout.status != Payout.Status.PENDING:
        return payout
    if not payout.statement:
        payout_statement(payout)
    naira, kobo = divmod(payout.amount_kobo, 100)
    try:
        outcome = payment_provider().transfer(
            reference=payout.provider_reference,
            recipient=payout.recipient_code,
            amount_kobo=payout.amount_kobo,
            reason=f"Great Nigeria Library Live earnings: NGN {naira}.{kobo:02d}",
        )
    except DomainError as exc:
        return payout_fail(payout_id=payout.pk, reason=f"transfer failed: {exc.detail}")
    if outcome == "success":
        paid = Payout.objects.filter(pk=payout.pk, status=Payout.Status.PENDING).update(
            status=Payout.Status.PAID, paid_at=timezone.now()
        )
        if paid:
            signal_on_commit(
                payout_decided,
                payout_id=payout.pk,
                creator_id=payout.creator_id,
                status="paid",
                amount_kobo=payout.amount_kobo,
                attempt=payout.attempts,
            )
    elif outcome == "failed":
        return payout_fail(payout_id=payout.pk, reason="the provider refused the transfer")
    return Payout.objects.get(pk=payout.pk)


def payout_fail(*, payout_id, reason: str) -> Payout:
    """Mark a pending payout failed and give its coins back to the creator's earnings, once."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status != Payout.Status.PENDING:
            return payout
        earnings = account_for(user=payout.creator, kind=Account.Kind.EARNINGS)
        ledger_post(
            kind=Transaction.Kind.PAYOUT_REVERSAL,
            lines=[Line(system_account(Account.Kind.MINT), -payout.coins), Line(earnings, payout.coins)],
            reference=payout.provider_reference,
            description="Payout returned",
        )
        payout.status = Payout.Status.FAILED
        payout.failure_reason = reason[:200]
        payout.save(update_fields=["status", "failure_reason"])
        signal_on_commit(
            payout_decided,
            payout_id=payout.pk,
            creator_id=payout.creator_id,
            status="failed",
            amount_kobo=payout.amount_kobo,
            attempt=payout.attempts,
        )
    logger.warning("payout %s failed: %s", payout.provider_reference, reason)
    return payout


def payout_retry(*, payout_id) -> Payout:
    """Staff retry a failed payout: take its coins from earnings again (if still there) and resend."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status != Payout.Status.FAILED:
            raise InvalidTransition("Only a failed payout can be retried.")
        earnings = account_for(user=payout.creator, kind=Account.Kind.EARNINGS)
        Account.objects.select_for_update().get(pk=earnings.pk)
        balance = account_balance_micro(earnings) // MICRO
        if balance < payout.coins:
            raise DomainError("Those earnings are no longer there to pay out.", code="insufficient_coins")
        payout.provider_reference = f"gnlpo_{uuid.uuid4().hex}"  # a new transfer, a new reference
        ledger_post(
            kind=Transaction.Kind.PAYOUT,
            lines=[Line(earnings, -payout.coins), Line(system_account(Account.Kind.MINT), payout.coins)],
            reference=payout.provider_reference,
            description="Payout (retry)",
        )
        destination = PayoutDestination.objects.filter(user=payout.creator).first()
        if destination is not None:
            payout.recipient_code = destination.recipient_code
        payout.status = Payout.Status.PENDING
        payout.failure_reason = ""
        payout.attempts += 1
        payout.save()
    return payout_send(payout_id=payout.pk)


def creators_with_earnings() -> list:
    return list(
        Account.objects.filter(kind=Account.Kind.EARNINGS, owner__payout_destination__isnull=False).values_list(
            "owner_id", flat=True
        )
    )


# --- Where payouts go -----------------------------------------------------------------------------

BANKS_CACHE_SECONDS = 24 * 60 * 60
RESOLVED_CACHE_SECONDS = 10 * 60
NUBAN = re.compile(r"\d{10}")


@dataclass(frozen=True)
class AccountPreview:
    """A bank account as its bank names it, before (or as) it becomes a payout destination."""

    bank_code: str
    bank_name: str
    account_number: str
    account_name: str


def _provider_unreachable(what: str) -> ProviderError:
    name = "Paystack" if settings.PAYMENT_PROVIDER == "paystack" else "The payment provider"
    return ProviderError(f"{name} could not be reached to {what}; nothing was changed. Try again in a minute.")


def payout_banks() -> list[Bank]:
    """The banks payouts can go to, by name: the provider's list, kept a day (ProviderError if unreachable)."""
    key = f"wallet:payout-banks:{settings.PAYMENT_PROVIDER}"
    banks = cache.get(key)
    if banks is None:
        try:
            banks = payment_provider().banks()
        except ProviderError as exc:
            raise _provider_unreachable("list the banks") from exc
        if banks:  # an empty list is the provider's hiccup, not an answer worth a day
            cache.set(key, [(bank.code, bank.name) for bank in banks], BANKS_CACHE_SECONDS)
        return banks
    return [Bank(code, name) for code, name in banks]


def _bank(bank_code: str) -> Bank:
    for bank in payout_banks():
        if bank.code == bank_code:
            return bank
    raise ValidationError({"bank_code": ValidationError("Choose your bank from the list.", code="invalid_bank")})


def _account_number(account_number: str) -> str:
    number = re.sub(r"[\s-]", "", account_number or "")
    if not NUBAN.fullmatch(number):
        raise ValidationError(
            {
                "account_number": ValidationError(
                    "Enter your 10-digit account number (NUBAN).", code="invalid_account_number"
                )
            }
        )
    return number


def payouts_open(*, user: User) -> bool:
    """Whether the user may set up where payouts go: a creator who has been paid (an earnings account). Looking
    an account number up at a bank tells whose it is, so it is not open to every account that signs up."""
    return Account.objects.filter(owner=user, kind=Account.Kind.EARNINGS).exists()


def payout_account_resolve(*, user: User, bank_code: str, account_number: str) -> AccountPreview:
    """Whose account this is, as the bank says: the name a creator confirms before saving it as their payout
    destination. PermissionDenied (``payouts_not_open``) for a user with no earnings yet; field errors
    (ValidationError) for an unknown bank, a number that is not ten digits, or one the bank does not know
    (``account_not_found``); ProviderError (502) when the provider cannot be reached. A resolved account is
    remembered for a few minutes (each lookup is a paid call at Paystack)."""
    if not payouts_open(user=user):
        raise PermissionDenied(
            "A payout account can be set up once you have earned coins (gifts, premium access or subscriptions).",
            code="payouts_not_open",
        )
    bank = _bank(bank_code)
    number = _account_number(account_number)
    key = f"wallet:payout-account:{settings.PAYMENT_PROVIDER}:{bank.code}:{number}"
    name = cache.get(key)
    if name is None:
        try:
            name = payment_provider().resolve_account(account_number=number, bank_code=bank.code).account_name
        except AccountNotFound as exc:
            raise ValidationError({"account_number": ValidationError(exc.detail, code=exc.code)}) from exc
        except ProviderError as exc:
            raise _provider_unreachable("check the account") from exc
        cache.set(key, name, RESOLVED_CACHE_SECONDS)
    return AccountPreview(bank.code, bank.name, number, name)


def payout_destination_set(*, user: User, bank_code: str, account_number: str) -> PayoutDestination:
    """Make this bank account where the creator's payouts go.

    The bank resolves the account's name and the provider registers a transfer recipient for it, both before
    anything is written and with no lock held; then the destination is saved (the name, the bank, the
    recipient and the number's last four digits: never the whole number). Errors as payout_account_resolve
    gives them; nothing changes on any of them. Payouts already pending keep the recipient they were made for.
    """
    account = payout_account_resolve(user=user, bank_code=bank_code, account_number=account_number)
    provider = payment_provider()
    try:
        recipient = provider.create_transfer_recipient(
            account_name=account.account_name, account_number=account.account_number, bank_code=account.bank_code
        )
    except AccountNotFound as exc:
        raise ValidationError({"account_number": ValidationError(exc.detail, code=exc.code)}) from exc
    except ProviderError as exc:
        raise _provider_unreachable("save the account for payouts") from exc
    with transaction.atomic(durable=True):
        destination, _ = PayoutDestination.objects.update_or_create(
            user=user,
            defaults={
                "recipient_code": recipient,
                "provider": provider.name,
                "bank_code": account.bank_code,
                "bank_name": account.bank_name[:80],
                "account_name": account.account_name[:100],
                "account_last4": account.account_number[-4:],
            },
        )
    logger.info("payout destination of %s set: %s ****%s", user.pk, account.bank_name, account.account_number[-4:])
    return destination
