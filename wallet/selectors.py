"""Reads for the wallet: balances, statements, packages."""

from django.db.models import Case, CharField, F, QuerySet, Sum, Value, When

from accounts.models import User
from livestream.errors import NotFound
from wallet.ledger import account_balance
from wallet.models import Account, CoinPackage, Entry, Payment, Payout, Transaction

# What a movement is called in a user's statement.
EARNED_KINDS = [Transaction.Kind.GIFT, Transaction.Kind.ACCESS, Transaction.Kind.SUBSCRIPTION]
STATEMENT_TYPES = ("purchase", "gift", "earn", "payout", "refund", "access", "subscription", "grant")


def package_list() -> QuerySet[CoinPackage]:
    return CoinPackage.objects.filter(is_active=True)


def wallet_summary(*, user: User) -> dict:
    """Spendable coins, lifetime purchased and spent, and (for creators) earnings."""
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
    return {
        "balance": wallet.balance if wallet else 0,
        "lifetime_purchased": totals["purchased"],
        "lifetime_spent": totals["spent"],
        "earnings": account_balance(earnings) if earnings else 0,
        "lifetime_earned": Entry.objects.filter(account=earnings, amount__gt=0).aggregate(t=Sum("amount"))["t"] or 0
        if earnings
        else 0,
    }


def statement(*, user: User, kind: str | None = None) -> QuerySet[Entry]:
    """Every entry on the user's wallet and earnings accounts, newest first, with a `type` annotation."""
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
