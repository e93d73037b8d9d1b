"""Reads for the wallet: balances, statements, packages, and what other apps need to pay through it."""

from decimal import Decimal

from django.db.models import Case, CharField, F, QuerySet, Sum, Value, When

from accounts.models import User
from livestream.errors import NotFound
from wallet import ledger
from wallet.ledger import account_balance_micro, micro_to_coins
from wallet.models import MICRO, Account, CoinPackage, Entry, Payment, Payout, Transaction

# What a movement is called in a user's statement.
EARNED_KINDS = [Transaction.Kind.GIFT, Transaction.Kind.ACCESS, Transaction.Kind.SUBSCRIPTION]
STATEMENT_TYPES = ("purchase", "gift", "earn", "payout", "refund", "access", "subscription", "grant")


def package_list() -> QuerySet[CoinPackage]:
    return CoinPackage.objects.filter(is_active=True)


def wallet_summary(*, user: User) -> dict:
    """Spendable coins, lifetime purchased and spent, and (for creators) earnings.

    ``earnings`` and ``lifetime_earned`` are whole coins (rounded down: what a
    payout can pay); ``earnings_exact`` and ``lifetime_earned_exact`` are the
    same to the millionth of a coin, as decimal strings, fractions of shares
    included.
    """
    accounts = {account.kind: account for account in Account.objects.filter(owner=user)}
    wallet = accounts.get(Account.Kind.WALLET)
    totals = {"purchased": 0, "spent": 0}
    if wallet is not None:
        rows = Entry.objects.filter(account=wallet).values("transaction__kind").annotate(total=Sum("amount"))
        for row in rows:
            if row["transaction__kind"] == Transaction.Kind.PURCHASE:
                totals["purchased"] += row["total"]
            elif row["total"] < 0:
                totals["spent"] += -row["total"]
    earnings = accounts.get(Account.Kind.EARNINGS)
    earned_micro = lifetime_micro = 0
    if earnings is not None:
        earned_micro = account_balance_micro(earnings)
        # What creators were paid, never a failed payout's coins coming back (they were earned once already).
        credits = Entry.objects.filter(account=earnings, amount__gte=0, transaction__kind__in=EARNED_KINDS).aggregate(
            coins=Sum("amount"), micro=Sum("amount_micro")
        )
        lifetime_micro = (credits["coins"] or 0) * MICRO + (credits["micro"] or 0)
    return {
        "balance": wallet.balance if wallet else 0,
        "lifetime_purchased": totals["purchased"],
        "lifetime_spent": totals["spent"],
        "earnings": earned_micro // MICRO,
        "earnings_exact": str(micro_to_coins(earned_micro)),
        "lifetime_earned": lifetime_micro // MICRO,
        "lifetime_earned_exact": str(micro_to_coins(lifetime_micro)),
    }


def wallet_balance(*, user: User) -> int:
    """The coins a user can spend."""
    return Account.objects.filter(owner=user, kind=Account.Kind.WALLET).values_list("balance", flat=True).first() or 0


def earnings_exact(*, user: User) -> Decimal:
    """A creator's earnings not yet paid out, to the millionth of a coin."""
    account = Account.objects.filter(owner=user, kind=Account.Kind.EARNINGS).first()
    return micro_to_coins(account_balance_micro(account) if account else 0)


def earnings_balance(*, user: User) -> int:
    """A creator's earnings in whole coins (rounded down): what a payout can pay now."""
    account = Account.objects.filter(owner=user, kind=Account.Kind.EARNINGS).first()
    return account_balance_micro(account) // MICRO if account else 0


def platform_revenue_exact() -> Decimal:
    """The platform's share of every payment so far, to the millionth of a coin."""
    account = Account.objects.filter(owner__isnull=True, kind=Account.Kind.PLATFORM).first()
    return micro_to_coins(account_balance_micro(account) if account else 0)


def creator_share_micro(total: int) -> int:
    """A creator's exact share of a payment of ``total`` coins, in millionths of a coin."""
    return ledger.creator_share_micro(total)


def creator_share_coins(total: int) -> int:
    """The whole coins of a creator's share of ``total`` (rounded down; the ledger keeps the exact share)."""
    return ledger.creator_share_micro(total) // MICRO


def creator_share_rate_micro() -> int:
    """CREATOR_REVENUE_SHARE in millionths (500,000 for a half): what the gift function takes."""
    return int(ledger.creator_share_rate() * MICRO)


def platform_account_id():
    """The platform revenue account's id (remembered per process; created on first need)."""
    return ledger.system_account_id(Account.Kind.PLATFORM)


def statement(*, user: User, kind: str | None = None) -> QuerySet[Entry]:
    """Every entry on the user's wallet and earnings accounts, newest first, with a `type` annotation.

    An entry's ``amount`` is whole coins rounded down; ``amount_micro`` holds the rest of a share (earnings).
    """
    entries = (
        Entry.objects.filter(account__owner=user)
        .select_related("transaction")
        .annotate(
            type=Case(
                When(account__kind=Account.Kind.EARNINGS, transaction__kind__in=EARNED_KINDS, then=Value("earn")),
                When(transaction__kind=Transaction.Kind.PAYOUT_REVERSAL, then=Value("payout")),
                default=F("transaction__kind"),
                output_field=CharField(),
            )
        )
        .order_by("-created_at", "-id")
    )
    if kind:
        entries = entries.filter(type=kind)
    return entries


def payment_get(*, reference: str, user: User | None = None, provider: str | None = None) -> Payment:
    """A payment by reference (the buyer's own when ``user`` is given); NotFound otherwise."""
    payments = Payment.objects.filter(reference=reference)
    if user is not None:
        payments = payments.filter(user=user)
    if provider is not None:
        payments = payments.filter(provider=provider)
    payment = payments.first()
    if payment is None:
        raise NotFound("No such payment.")
    return payment


def payout_get(*, payout_id, user: User) -> Payout:
    """A payout its creator or staff may see; NotFound for anyone else (others' payouts are private)."""
    payouts = Payout.objects.filter(pk=payout_id)
    if not user.is_staff:
        payouts = payouts.filter(creator=user)
    payout = payouts.first()
    if payout is None:
        raise NotFound("No such payout.")
    return payout


def ledger_total_micro() -> int:
    """Every entry summed, in millionths of a coin: zero, since every transaction balances."""
    sums = Entry.objects.aggregate(coins=Sum("amount"), micro=Sum("amount_micro"))
    return (sums["coins"] or 0) * MICRO + (sums["micro"] or 0)


def ledger_rows(*, users: list[User], exclude_kinds: tuple[str, ...] = ()) -> dict:
    """Everything the ledger holds for these users, as plain rows (oldest first): their accounts with stored and
    exact balances, the transactions touching them and those transactions' entries, their idempotency records.
    For audits and for tests that compare what two implementations wrote."""
    from wallet.models import IdempotencyRecord

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
