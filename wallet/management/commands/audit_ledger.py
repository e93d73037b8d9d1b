"""Recompute every balance from the entries and report drift (exit 1 on any)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F, Sum

from wallet.ledger import creator_share_rate
from wallet.models import MICRO, Account, Entry, Transaction

# Payments to a creator, whose share must be exact (within one coin per creator, over all of them).
SHARED_KINDS = [Transaction.Kind.GIFT, Transaction.Kind.ACCESS, Transaction.Kind.SUBSCRIPTION]
# The migration from which shares are exact; payments before it were rounded down one by one.
EXACT_SHARES_MIGRATION = ("wallet", "0004_exact_shares_and_idempotency_results")


def exact_shares_since() -> datetime | None:
    app, name = EXACT_SHARES_MIGRATION
    return MigrationRecorder.Migration.objects.filter(app=app, name=name).values_list("applied", flat=True).first()


class Command(BaseCommand):
    help = (
        "Check the ledger: every transaction balances, every wallet equals its entries, nothing negative, and "
        "every creator's earnings are the exact CREATOR_REVENUE_SHARE of what was paid them (within one coin)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--shares-since",
            type=datetime.fromisoformat,
            help="check creators' shares of payments from this time on (default: since exact shares began)",
        )

    def handle(self, *args, **options):
        problems: list[str] = []
        unbalanced = (
            Entry.objects.values("transaction_id")
            .annotate(coins=Sum("amount"), micro=Sum("amount_micro"))
            .annotate(total=F("coins") * MICRO + F("micro"))
            .exclude(total=0)
            .order_by()
        )
        for row in unbalanced[:50]:
            problems.append(f"transaction {row['transaction_id']} sums to {row['total'] / MICRO}, not 0")
        empty = Transaction.objects.filter(entries__isnull=True).count()
        if empty:
            problems.append(f"{empty} transaction(s) have no entries")
        fractional = Entry.objects.filter(account__kind=Account.Kind.WALLET, amount_micro__gt=0).count()
        if fractional:
            problems.append(f"{fractional} wallet entr(ies) hold a fraction of a coin")
        sums = {
            row["account_id"]: (row["coins"] or 0) * MICRO + (row["micro"] or 0)
            for row in Entry.objects.values("account_id")
            .annotate(coins=Sum("amount"), micro=Sum("amount_micro"))
            .order_by()
        }
        checked = 0
        for account in Account.objects.all().iterator():
            derived = sums.get(account.pk, 0)
            checked += 1
            if account.kind == Account.Kind.WALLET and account.balance * MICRO != derived:
                problems.append(f"wallet {account.pk} stores {account.balance}; its entries sum to {derived / MICRO}")
            if account.kind in (Account.Kind.WALLET, Account.Kind.EARNINGS) and derived < 0:
                problems.append(f"{account.kind} {account.pk} is negative ({derived / MICRO})")
        problems += self._shares(options.get("shares_since") or exact_shares_since())
        mint = Account.objects.filter(kind=Account.Kind.MINT, owner__isnull=True).values_list("pk", flat=True).first()
        minted = -sums.get(mint, 0) // MICRO
        self.stdout.write(f"accounts: {checked}, transactions: {Transaction.objects.count()}, coins issued: {minted}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"ledger drift: {len(problems)} problem(s)")
        self.stdout.write("no drift")

    def _shares(self, since: datetime | None) -> list[str]:
        """Each creator's earnings from payments equal the exact share of what those payments paid, within a coin."""
        rate_micro = int(creator_share_rate() * MICRO)
        payments = Transaction.objects.filter(kind__in=SHARED_KINDS)
        if since is not None:
            payments = payments.filter(created_at__gte=since)
        problems = []
        if rate_micro:
            unpaid = payments.exclude(entries__account__kind=Account.Kind.EARNINGS).count()
            if unpaid:
                problems.append(f"{unpaid} payment(s) to a creator credit no creator's earnings")
        entries = Entry.objects.filter(transaction__in=payments)
        earned = {
            row["account_id"]: row["coins"] * MICRO + row["micro"]
            for row in entries.filter(account__kind=Account.Kind.EARNINGS)
            .values("account_id")
            .annotate(coins=Sum("amount"), micro=Sum("amount_micro"))
            .order_by()
        }
        paid = {
            row["creator"]: -row["coins"]
            for row in entries.filter(account__kind=Account.Kind.WALLET, amount__lt=0)
            .filter(transaction__entries__account__kind=Account.Kind.EARNINGS)
            .values(creator=F("transaction__entries__account_id"))
            .annotate(coins=Sum("amount"))
            .order_by()
        }
        for account_id, micro in earned.items():
            owed = paid.get(account_id, 0) * rate_micro
            if abs(micro - owed) >= MICRO:
                problems.append(
                    f"earnings {account_id} got {micro / MICRO} of payments whose exact share is {owed / MICRO}"
                )
        return problems
