"""The double-entry ledger: accounts, conditional wallet updates, balanced postings.

The caller holds ``transaction.atomic()``. Wallet rows are updated in one
fixed order (by id) with a single conditional UPDATE each, so concurrent
postings never deadlock and a wallet never goes below zero (the UPDATE
refuses, and a CHECK constraint backs it up). Earnings, platform and mint
accounts take no lock: their entries are appended and their balance is the
sum of their entries.

Revenue shares are exact: a creator's share of a payment and the platform's
rest are credited to the millionth of a coin (``Entry.amount_micro``), never
rounded, so no fraction of a payment vanishes however small the payments.
What a user spends (a wallet) is whole coins, and so is what a payout pays.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, F, QuerySet, Sum

from accounts.models import User
from livestream.errors import DomainError
from wallet.models import MICRO, Account, Entry, Transaction
from wallet.models import micro_to_coins as micro_to_coins  # where the ledger's readers look for it


class InsufficientCoins(DomainError):
    default_detail = "You do not have enough coins."
    default_code = "insufficient_coins"


@dataclass(frozen=True)
class Line:
    account: Account
    amount: int


def account_for(*, user: User, kind: str = Account.Kind.WALLET) -> Account:
    """The user's wallet or earnings account, created on first need."""
    account = Account.objects.filter(owner=user, kind=kind).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(owner=user, kind=kind)
    except IntegrityError:  # created concurrently
        return Account.objects.get(owner=user, kind=kind)


def system_account(kind: str) -> Account:
    """The platform revenue account or the mint."""
    account = Account.objects.filter(owner__isnull=True, kind=kind).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(kind=kind)
    except IntegrityError:
        return Account.objects.get(owner__isnull=True, kind=kind)


_system_ids: dict[str, object] = {}
_earnings_ids: dict[object, object] = {}


def _remember(cache: dict, key, account_id) -> None:
    """Keep ``account_id`` once it is surely committed: now, or when the caller's transaction commits."""
    transaction.on_commit(lambda: cache.__setitem__(key, account_id))  # runs at once outside a transaction


def system_account_id(kind: str):
    """The platform or mint account's id, remembered per process (it never changes)."""
    if kind in _system_ids:
        return _system_ids[kind]
    account_id = system_account(kind).pk
    _remember(_system_ids, kind, account_id)
    return account_id


def system_account_id_if_any(kind: str):
    """The platform or mint account's id if it exists yet (None otherwise): a read, it creates nothing."""
    if kind in _system_ids:
        return _system_ids[kind]
    account_id = Account.objects.filter(owner__isnull=True, kind=kind).values_list("pk", flat=True).first()
    if account_id is not None:
        _remember(_system_ids, kind, account_id)
    return account_id


def earnings_account_id(user_id):
    """A creator's earnings account id, created on first need and remembered per process."""
    if user_id in _earnings_ids:
        return _earnings_ids[user_id]
    account_id = account_for(user=User(pk=user_id), kind=Account.Kind.EARNINGS).pk
    _remember(_earnings_ids, user_id, account_id)
    return account_id


def wallet_debit_by_owner(*, owner_id, amount: int):
    """Take ``amount`` from the owner's wallet in one statement: (account id, balance after).

    Raises InsufficientCoins when the wallet is missing or cannot pay; caller holds the transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wallet_account SET balance = balance - %s"
            " WHERE owner_id = %s AND kind = 'wallet' AND balance >= %s RETURNING id, balance",
            [amount, owner_id.hex if connection.vendor == "sqlite" else owner_id, amount],
        )
        row = cursor.fetchone()
    if row is None:
        raise InsufficientCoins()
    account_id = row[0] if connection.vendor != "sqlite" else uuid.UUID(row[0])
    return account_id, row[1]


def ledger_post_debit(
    *,
    kind: str,
    payer_id,
    amount: int,
    credits: list[tuple[object, int]],
    reference: str = "",
    description: str = "",
    creator_share_micro: int | None = None,
) -> Transaction:
    """The hot path: one wallet pays ``amount`` whole coins to lock-free accounts. Caller holds the transaction.

    ``credits`` are (account id, millionths of a coin) and sum to ``amount`` coins exactly. Three statements:
    the conditional debit, the transaction, its entries in one INSERT. ``creator_share_micro``: the revenue
    share a payment to a creator used, recorded on its transaction.
    """
    if sum(micro for _, micro in credits) != amount * MICRO:
        raise ValueError("A ledger transaction must balance to zero.")
    wallet_id, balance = wallet_debit_by_owner(owner_id=payer_id, amount=amount)
    record = Transaction.objects.create(
        kind=kind, reference=reference, description=description[:200], creator_share_micro=creator_share_micro
    )
    entries = [Entry(transaction=record, account_id=wallet_id, amount=-amount, balance_after=balance)]
    for to, micro in credits:
        if micro:
            coins, rest = divmod(micro, MICRO)
            entries.append(Entry(transaction=record, account_id=to, amount=coins, amount_micro=rest))
    Entry.objects.bulk_create(entries)
    return record


def creator_share_rate() -> Decimal:
    """CREATOR_REVENUE_SHARE as an exact Decimal between 0 and 1, of at most six decimal places."""
    rate = Decimal(str(settings.CREATOR_REVENUE_SHARE))
    if not 0 <= rate <= 1 or (rate * MICRO) % 1:
        raise ImproperlyConfigured("CREATOR_REVENUE_SHARE must be between 0 and 1 with at most six decimal places.")
    return rate


def creator_share_rate_micro() -> int:
    """CREATOR_REVENUE_SHARE in millionths (500,000 for a half)."""
    return int(creator_share_rate() * MICRO)


def pay_creator(
    *, kind: str, payer_id, creator_id, total: int, reference: str = "", description: str = ""
) -> Transaction:
    """A viewer pays a creator (gift, access, subscription): the creator's exact share to their earnings,
    the exact rest to the platform, the payer debited by one conditional UPDATE; the transaction records the
    rate, so an audit checks each payment against the rate it used. Caller holds the transaction."""
    rate_micro = creator_share_rate_micro()
    to_creator = total * rate_micro
    return ledger_post_debit(
        kind=kind,
        payer_id=payer_id,
        amount=total,
        credits=[
            (earnings_account_id(creator_id), to_creator),
            (system_account_id(Account.Kind.PLATFORM), total * MICRO - to_creator),
        ],
        reference=reference,
        description=description,
        creator_share_micro=rate_micro,
    )


def _wallet_move(account_id, amount: int) -> int | None:
    """Add ``amount`` (negative: debit) to a wallet unless it would go below zero; the new balance or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wallet_account SET balance = balance + %s WHERE id = %s AND balance + %s >= 0 RETURNING balance",
            [amount, account_id.hex if connection.vendor == "sqlite" else account_id, amount],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def ledger_post(*, kind: str, lines: Iterable[Line], reference: str = "", description: str = "") -> Transaction:
    """Write one balanced transaction. Caller holds transaction.atomic().

    Raises InsufficientCoins (and writes nothing, once the caller's atomic block
    rolls back) if a wallet line would take a wallet below zero.
    """
    lines = [line for line in lines if line.amount]
    if sum(line.amount for line in lines) != 0:
        raise ValueError("A ledger transaction must balance to zero.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_post needs the caller's transaction.atomic().")
    balances: dict = {}
    wallet_lines = [line for line in lines if line.account.kind == Account.Kind.WALLET]
    for line in sorted(wallet_lines, key=lambda line: str(line.account.pk)):  # one fixed lock order
        balance = _wallet_move(line.account.pk, line.amount)
        if balance is None:
            raise InsufficientCoins()
        balances[line.account.pk] = balance
    record = Transaction.objects.create(kind=kind, reference=reference, description=description[:200])
    Entry.objects.bulk_create(
        [
            Entry(
                transaction=record,
                account=line.account,
                amount=line.amount,
                balance_after=balances.get(line.account.pk),
            )
            for line in lines
        ]
    )
    return record


def value_micro_sum() -> Sum:
    """The aggregate of entries' values in millionths of a coin (``Entry.value_micro`` in SQL), for annotate()."""
    return Sum(F("amount") * MICRO + F("amount_micro"), output_field=BigIntegerField(), default=0)


def sum_micro(entries: QuerySet[Entry]) -> int:
    """What these entries sum to, in millionths of a coin (0 for none)."""
    return entries.aggregate(total=value_micro_sum())["total"]


def account_balance_micro(account: Account) -> int:
    """An account's exact balance in millionths of a coin (stored for wallets, the sum of entries otherwise)."""
    if account.kind == Account.Kind.WALLET:
        return account.balance * MICRO
    return sum_micro(Entry.objects.filter(account=account))


def account_balance(account: Account) -> int:
    """Whole coins: stored for wallets; the sum of entries, rounded down, for everything else."""
    if account.kind == Account.Kind.WALLET:
        return account.balance
    return account_balance_micro(account) // MICRO


def account_balance_exact(account: Account) -> Decimal:
    """The exact balance in coins, to the millionth."""
    return micro_to_coins(account_balance_micro(account))
