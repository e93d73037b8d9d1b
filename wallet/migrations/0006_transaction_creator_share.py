"""Each payment to a creator records the revenue share it used.

``Transaction.creator_share_micro``: the CREATOR_REVENUE_SHARE a gift, an
access or a subscription paid its creator, in millionths. ``audit_ledger``
checks each payment against its own rate, so changing the setting is not
drift. Both gift paths write it (the ORM through ``wallet.ledger.pay_creator``,
the plpgsql function since gifts migration 0007).

Payments since exact shares began (0004) are given the rate in force when
this migration runs: the only one they can have used unless the setting
changed in between, which an audit after the upgrade would then report.
Payments before 0004 were rounded down one by one and keep no rate (the
audit does not check them).
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

CREATOR_PAYMENT_KINDS = ("gift", "access", "subscription")


def record_todays_rate(apps, schema_editor):
    Transaction = apps.get_model("wallet", "Transaction")
    recorder = MigrationRecorder(schema_editor.connection)
    since = (
        recorder.migration_qs.filter(app="wallet", name="0004_exact_shares_and_idempotency_results")
        .values_list("applied", flat=True)
        .first()
    )
    payments = Transaction.objects.filter(kind__in=CREATOR_PAYMENT_KINDS, creator_share_micro__isnull=True)
    if since is not None:
        payments = payments.filter(created_at__gte=since)
    payments.update(creator_share_micro=int(Decimal(str(settings.CREATOR_REVENUE_SHARE)) * 1_000_000))


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0005_payout_statements_private"),
    ]

    operations = [
        migrations.AddField(
            model_name="transaction",
            name="creator_share_micro",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="A payment to a creator: the CREATOR_REVENUE_SHARE it used, in millionths (500,000 for a half).",
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("creator_share_micro__lte", 1000000)), name="wallet_transaction_share_at_most_all"
            ),
        ),
        migrations.RunPython(record_todays_rate, migrations.RunPython.noop),
    ]
