"""Recompute every balance from the entries and report drift (exit 1 on any)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import BigIntegerField, F, Sum

from wallet.ledger import micro_to_coins, value_micro_sum
from wallet.models import CREATOR_PAYMENT_KINDS, MICRO, Account, Entry, Transaction


class Command(BaseCommand):
    help = (
        "Check the ledger: every transaction balances, every wallet equals its entries, nothing negative, and "
        "every creator's earnings are exactly what their payments owed them, each payment at the revenue share "
        "it recorded (payments from before exact shares recorded none and are not checked)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--shares-since",
            type=datetime.fromisoformat,
            help="check creators' shares only of payments from this time on (default: every payment with a rate)",
        )

    def handle(self, *args, **options):
        if connection.vendor == "postgresql":
            # Without statistics (a new database, autovacuum off) the share check's NOT EXISTS got a plan that ran
            # for minutes over 70,000 gifts; with them it takes about a second. Gathering them is cheap.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE wallet_transaction, wallet_entry, wallet_account")
        problems: list[str] = []
        unbalanced = (
            Entry.objects.values("transaction_id").annotate(total=value_micro_sum()).exclude(total=0).order_by()
        )
        for row in unbalanced[:50]:
            problems.append(f"transaction {row['transaction_id']} sums to {micro_to_coins(row['total'])}, not 0")
        empty = Transaction.objects.filter(entries__isnull=True).count()
        if empty:
            problems.append(f"{empty} transaction(s) have no entries")
        fractional = Entry.objects.filter(account__kind=Account.Kind.WALLET, amount_micro__gt=0).count()
        if fractional:
            problems.append(f"{fractional} wallet entr(ies) hold a fraction of a coin")
        sums = {
            row["account_id"]: row["total"]
            for row in Entry.objects.values("account_id").annotate(total=value_micro_sum()).order_by()
        }
        checked = 0
        for account in Account.objects.all().iterator():
            derived = sums.get(account.pk, 0)
            checked += 1
            if account.kind == Account.Kind.WALLET and account.balance * MICRO != derived:
                problems.append(
                    f"wallet {account.pk} stores {account.balance}; its entries sum to {micro_to_coins(derived)}"
                )
            if account.kind in (Account.Kind.WALLET, Account.Kind.EARNINGS) and derived < 0:
                problems.append(f"{account.kind} {account.pk} is negative ({micro_to_coins(derived)})")
        problems += self._shares(options.get("shares_since"))
        mint = Account.objects.filter(kind=Account.Kind.MINT, owner__isnull=True).values_list("pk", flat=True).first()
        minted = -sums.get(mint, 0) // MICRO
        self.stdout.write(f"accounts: {checked}, transactions: {Transaction.objects.count()}, coins issued: {minted}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"ledger drift: {len(problems)} problem(s)")
        self.stdout.write("no drift")

    def _shares(self, since: datetime | None) -> list[str]:
        """Each creator's earnings from payments equal, exactly, what each payment paid times the rate it recorded."""
        payments = Transaction.objects.filter(kind__in=CREATOR_PAYMENT_KINDS, creator_share_micro__isnull=False)
        if since is not None:
            payments = payments.filter(created_at__gte=since)
        problems = []
        unpaid = payments.filter(creator_share_micro__gt=0).exclude(entries__account__kind=Account.Kind.EARNINGS)
        if unpaid.exists():
            problems.append(f"{unpaid.count()} payment(s) to a creator credit no creator's earnings")
        entries = Entry.objects.filter(transaction__in=payments)
        earned = {
            row["account_id"]: row["total"]
            for row in entries.filter(account__kind=Account.Kind.EARNINGS)
            .values("account_id")
            .annotate(total=value_micro_sum())
            .order_by()
        }
        # What each creator was owed: every payer's debit times its payment's own rate, by the earnings it credited.
        owed = {
            row["creator"]: row["owed"]
            for row in entries.filter(account__kind=Account.Kind.WALLET, amount__lt=0)
            .filter(transaction__entries__account__kind=Account.Kind.EARNINGS)
            .values(creator=F("transaction__entries__account_id"))
            .annotate(owed=Sum(-F("amount") * F("transaction__creator_share_micro"), output_field=BigIntegerField()))
            .order_by()
        }
        for account_id, micro in earned.items():
            if micro != owed.get(account_id, 0):
                problems.append(
                    f"earnings {account_id} got {micro_to_coins(micro)} of payments whose exact share is"
                    f" {micro_to_coins(owed.get(account_id, 0))}"
                )
        return problems
