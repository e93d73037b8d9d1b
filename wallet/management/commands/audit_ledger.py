"""Recompute every balance from the entries and report drift (exit 1 on any)."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from wallet.models import Account, Entry, Transaction


class Command(BaseCommand):
    help = "Check the ledger: every transaction balances, every wallet equals its entries, nothing negative."

    def handle(self, *args, **options):
        problems: list[str] = []
        unbalanced = Entry.objects.values("transaction_id").annotate(total=Sum("amount")).exclude(total=0).order_by()
        for row in unbalanced[:50]:
            problems.append(f"transaction {row['transaction_id']} sums to {row['total']}, not 0")
        empty = Transaction.objects.filter(entries__isnull=True).count()
        if empty:
            problems.append(f"{empty} transaction(s) have no entries")
        sums = dict(Entry.objects.values_list("account_id").annotate(total=Sum("amount")).order_by())
        checked = 0
        for account in Account.objects.all().iterator():
            derived = sums.get(account.pk, 0) or 0
            checked += 1
            if account.kind == Account.Kind.WALLET and account.balance != derived:
                problems.append(f"wallet {account.pk} stores {account.balance} but its entries sum to {derived}")
            if account.kind in (Account.Kind.WALLET, Account.Kind.EARNINGS) and derived < 0:
                problems.append(f"{account.kind} {account.pk} is negative ({derived})")
        minted = -(
            sums.get(
                Account.objects.filter(kind=Account.Kind.MINT, owner__isnull=True).values_list("pk", flat=True).first(),
                0,
            )
            or 0
        )
        self.stdout.write(f"accounts: {checked}, transactions: {Transaction.objects.count()}, coins issued: {minted}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"ledger drift: {len(problems)} problem(s)")
        self.stdout.write("no drift")
