"""Reads for the wallet: balances, statements, packages, and what other apps need to pay through it."""

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.conf import settings
from django.db.models import Case, CharField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from livestream.errors import NotFound
from wallet import ledger
from wallet.ledger import account_balance_micro, micro_to_coins
from wallet.models import (
    CREATOR_PAYMENT_KINDS,
    MICRO,
    Account,
    CoinPackage,
    Entry,
    Payment,
    Payout,
    PayoutDestination,
    Transaction,
)
from wallet.payouts import payout_kobo

# What a movement is called in a user's statement.
STATEMENT_TYPES = ("purchase", "gift", "earn", "payout", "refund", "access", "subscription", "grant")


def naira_text(amount_kobo: int, *, always_kobo: bool = False) -> str:
    """Kobo as people read naira: "₦2,500", or "₦2,500.50" when there are kobo ("₦2,500.00" with
    ``always_kobo``, for an amount being charged or paid out). Integer arithmetic: no float near money. The one
    way the platform writes an amount of naira (pages, admin, notifications)."""
    whole, kobo = divmod(amount_kobo, 100)
    return f"₦{whole:,}.{kobo:02d}" if kobo or always_kobo else f"₦{whole:,}"


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
        lifetime_micro = ledger.sum_micro(
            Entry.objects.filter(account=earnings, amount__gte=0, transaction__kind__in=CREATOR_PAYMENT_KINDS)
        )
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


def creator_earned_from(*, creator_id, transactions: Iterable) -> dict:
    """What a creator earned from some payments, exact to the millionth of a coin: the earnings entries of the
    ledger transactions in ``transactions`` (sets of transaction ids - lists, or values querysets another app
    builds from its own rows: a stream's gifts, its access sales), by kind and in all, with the naira a payout
    pays for the whole coins of it (``PAYOUT_NAIRA_PER_COIN``). One query.

    Returns ``{"total", "gift", "access", "subscription"}`` as ``Decimal`` coins (six places) and ``naira``
    (two places).
    """
    matches = Q()
    for ids in transactions:
        matches |= Q(transaction_id__in=ids)
    by_kind = dict.fromkeys(CREATOR_PAYMENT_KINDS, 0)
    if matches:
        rows = (
            Entry.objects.filter(
                matches,
                account__owner_id=creator_id,
                account__kind=Account.Kind.EARNINGS,
                transaction__kind__in=CREATOR_PAYMENT_KINDS,
            )
            .values("transaction__kind")
            .annotate(total=ledger.value_micro_sum())
        )
        for row in rows:
            by_kind[row["transaction__kind"]] = row["total"]
    total = sum(by_kind.values())
    rate = Decimal(str(settings.PAYOUT_NAIRA_PER_COIN))
    return {
        "total": micro_to_coins(total),
        **{str(kind): micro_to_coins(value) for kind, value in by_kind.items()},
        "naira": (Decimal(payout_kobo(total // MICRO, rate)) / 100).quantize(Decimal("0.01")),  # as a payout pays
    }


def creator_share_rate_micro() -> int:
    """CREATOR_REVENUE_SHARE in millionths (500,000 for a half): what the gift function takes."""
    return ledger.creator_share_rate_micro()


def platform_account_id():
    """The platform revenue account's id, or None before its first payment (whoever pays first creates it).

    Remembered per process once read: it never changes."""
    return ledger.system_account_id_if_any(Account.Kind.PLATFORM)


def statement(*, user: User, kind: str | None = None) -> QuerySet[Entry]:
    """Every entry on the user's wallet and earnings accounts, newest first, with a `type` annotation.

    An entry's ``amount`` is whole coins rounded down; ``amount_micro`` holds the rest of a share (earnings).
    """
    entries = (
        Entry.objects.filter(account__owner=user)
        .select_related("transaction")
        .annotate(
            type=Case(
                When(
                    account__kind=Account.Kind.EARNINGS, transaction__kind__in=CREATOR_PAYMENT_KINDS, then=Value("earn")
                ),
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


def coin_naira_rate() -> Decimal | None:
    """What one coin costs in naira at list price: the entry package's price over its coins, bonus coins left out
    (larger packages only add bonus coins). None while no package is on sale. Pages show ≈ naira with it
    (the gift panel)."""
    entry = package_list().order_by("coins", "price").values_list("price", "coins").first()
    if entry is None:
        return None
    price, coins = entry
    return (price / coins).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# --- Payouts, as their creator sees them ------------------------------------------------------------

PAYOUT_BEAT_ENTRY = "run-payouts"


def payout_destination_get(*, user: User) -> PayoutDestination | None:
    return PayoutDestination.objects.filter(user=user).first()


def payout_list(*, user: User) -> QuerySet[Payout]:
    """The creator's payouts, newest first."""
    return Payout.objects.filter(creator=user).order_by("-created_at", "-id")


def payout_next_run(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """When beat next runs the automatic payouts (``wallet.tasks.run_payouts``), read from its schedule: the
    first time after ``now`` its crontab matches. None when the job is not scheduled on a crontab."""
    entry = settings.CELERY_BEAT_SCHEDULE.get(PAYOUT_BEAT_ENTRY) or {}
    schedule = entry.get("schedule")
    if not isinstance(schedule, crontab):
        return None
    zone = ZoneInfo(settings.CELERY_TIMEZONE)
    now = (now or timezone.now()).astimezone(zone)
    for offset in range(366):
        day = (now + dt.timedelta(days=offset)).date()
        # celery counts weekdays from Sunday (0), Python from Monday.
        if (day.weekday() + 1) % 7 not in schedule.day_of_week or day.day not in schedule.day_of_month:
            continue
        if day.month not in schedule.month_of_year:
            continue
        for hour in sorted(schedule.hour):
            for minute in sorted(schedule.minute):
                moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                if moment > now:
                    return moment
    return None


def payout_summary(*, user: User) -> dict:
    """What a creator's money page leads with: earnings (whole coins a payout pays, and exact), their naira at
    PAYOUT_NAIRA_PER_COIN (in kobo), the minimum a payout needs, how far there is still to go, and when the
    next automatic payout runs."""
    exact = earnings_exact(user=user)
    whole = int(exact)  # rounded down: a payout pays whole coins
    rate = Decimal(str(settings.PAYOUT_NAIRA_PER_COIN))
    minimum = settings.PAYOUT_MINIMUM_COINS
    return {
        "earnings": whole,
        "earnings_exact": exact,
        "earnings_kobo": payout_kobo(whole, rate),
        "naira_per_coin": rate,
        "minimum": minimum,
        "minimum_kobo": payout_kobo(minimum, rate),
        "to_go": max(0, minimum - whole),
        "next_run": payout_next_run(),
    }


# --- Analytics: a creator's revenue, from the ledger ---------------------------------------------------------


def creator_subscription_payments(*, creator_id, start: dt.datetime, end: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """Who paid the creator for a subscription (a first month or a renewal) in [start, end), and when:
    ``(payer id, paid at)`` from the payers' wallet debits in the ledger, oldest first. One query."""
    return list(
        Entry.objects.filter(
            account__kind=Account.Kind.WALLET,
            amount__lt=0,
            transaction__kind="subscription",
            transaction__created_at__gte=start,
            transaction__created_at__lt=end,
            transaction__entries__account__owner_id=creator_id,
            transaction__entries__account__kind=Account.Kind.EARNINGS,
        )
        .order_by("transaction__created_at")
        .values_list("account__owner_id", "transaction__created_at")
    )


def creator_revenue_by_day(*, creator_id, start: dt.datetime, end: dt.datetime, tzinfo) -> dict:
    """What viewers paid the creator in [start, end), by day in ``tzinfo`` and kind (gift, access, subscription):
    ``{day: {kind: {"coins": whole coins the payers' wallets paid, "earned_micro": the creator's exact share}}}``.
    Read from the ledger's entries of those payments (the creator's earnings credit, the payer's debit). Two
    queries."""
    payments = Entry.objects.filter(
        account__owner_id=creator_id,
        account__kind=Account.Kind.EARNINGS,
        transaction__kind__in=CREATOR_PAYMENT_KINDS,
        transaction__created_at__gte=start,
        transaction__created_at__lt=end,
    )
    by_day: dict = {}

    def cell(row) -> dict:
        kinds = by_day.setdefault(row["day"], {})
        return kinds.setdefault(row["transaction__kind"], {"coins": 0, "earned_micro": 0})

    day = TruncDate("transaction__created_at", tzinfo=tzinfo)
    earned = (
        payments.annotate(day=day)
        .values("day", "transaction__kind")
        .annotate(micro=ledger.value_micro_sum())
        .order_by()
    )
    for row in earned:
        cell(row)["earned_micro"] += row["micro"]
    paid = (
        Entry.objects.filter(
            transaction__in=payments.values("transaction_id"), account__kind=Account.Kind.WALLET, amount__lt=0
        )
        .annotate(day=day)
        .values("day", "transaction__kind")
        .annotate(coins=Sum("amount"))
        .order_by()
    )
    for row in paid:
        cell(row)["coins"] += -row["coins"]
    return by_day


def creator_earned_micro(*, creator_id, transactions: QuerySet) -> int:
    """The creator's exact share (millionths of a coin) of these ledger transactions (a subquery of ids)."""
    return ledger.sum_micro(
        Entry.objects.filter(
            transaction__in=transactions, account__owner_id=creator_id, account__kind=Account.Kind.EARNINGS
        )
    )


def creator_payouts_by_day(*, creator_id, start: dt.datetime, end: dt.datetime, tzinfo) -> dict:
    """Coins paid out (or on their way: failed payouts left out) to the creator in [start, end), by day in
    ``tzinfo``. One query."""
    rows = (
        Payout.objects.filter(creator_id=creator_id, created_at__gte=start, created_at__lt=end)
        .exclude(status=Payout.Status.FAILED)
        .annotate(day=TruncDate("created_at", tzinfo=tzinfo))
        .values("day")
        .annotate(coins=Sum("coins"))
        .order_by()
    )
    return {row["day"]: row["coins"] for row in rows}


def payout_naira_per_coin() -> Decimal:
    """What a payout pays the creator per coin earned (PAYOUT_NAIRA_PER_COIN): ≈ naira of earnings."""
    return Decimal(str(settings.PAYOUT_NAIRA_PER_COIN))
