"""Reads of the ledger that only tests need: totals, exact balances and every row two gift paths wrote.

Production code reads balances through ``wallet.selectors``; these live with the tests that use them.
"""

from decimal import Decimal

from accounts.models import User
from wallet.ledger import account_balance_micro, micro_to_coins, sum_micro
from wallet.models import MICRO, Account, Entry, IdempotencyRecord, Transaction


def ledger_total_micro() -> int:
    """Every entry summed, in millionths of a coin: zero, since every transaction balances."""
    return sum_micro(Entry.objects.all())


def earnings_balance(*, user: User) -> int:
    """A creator's earnings in whole coins (rounded down): what a payout can pay now."""
    account = Account.objects.filter(owner=user, kind=Account.Kind.EARNINGS).first()
    return account_balance_micro(account) // MICRO if account else 0


def platform_account() -> Account | None:
    return Account.objects.filter(owner__isnull=True, kind=Account.Kind.PLATFORM).first()


def platform_revenue_exact() -> Decimal:
    """The platform's share of every payment so far, to the millionth of a coin."""
    account = platform_account()
    return micro_to_coins(account_balance_micro(account) if account else 0)


def ledger_rows(*, users: list[User], exclude_kinds: tuple[str, ...] = ()) -> dict:
    """Everything the ledger holds for these users, as plain rows (oldest first): their accounts with stored and
    exact balances, the transactions touching them and those transactions' entries, their idempotency records.
    For tests that compare what two implementations wrote."""

    def rows(queryset, *order):
        return [
            {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}
            for row in queryset.order_by(*order)
        ]

    accounts = list(Account.objects.filter(owner__in=users).order_by("owner_id", "kind"))
    transactions = Transaction.objects.filter(entries__account__in=accounts).exclude(kind__in=exclude_kinds).distinct()
    return {
        "accounts": [
            {
                "id": a.pk,
                "kind": a.kind,
                "owner_id": a.owner_id,
                "balance": a.balance,
                "exact": micro_to_coins(account_balance_micro(a)),
            }
            for a in accounts
        ],
        "transactions": rows(transactions, "created_at"),
        "entries": rows(Entry.objects.filter(transaction__in=transactions), "transaction__created_at", "id"),
        "idempotency records": rows(IdempotencyRecord.objects.filter(user__in=users), "key"),
    }
