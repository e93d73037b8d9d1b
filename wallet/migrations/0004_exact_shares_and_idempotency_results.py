"""Exact revenue shares and idempotency results.

``Entry.amount_micro``: millionths of a coin beyond ``amount``, so a creator's
share of a payment (and the platform's rest) is credited exactly instead of
rounded down per payment. Adding the column with a constant default rewrites
nothing on PostgreSQL.

``IdempotencyRecord.result``: what the key's first request made (a sent
gift's id, a payment's reference), written in the transaction that moved the
money; the stored response body and status go. Existing records keep their
replay: the result is read from the body they stored.
"""

from django.db import migrations, models


def results_from_bodies(apps, schema_editor):
    IdempotencyRecord = apps.get_model("wallet", "IdempotencyRecord")
    for record in IdempotencyRecord.objects.filter(result="").iterator():
        body = record.body if isinstance(record.body, dict) else {}
        record.result = str(body.get("reference") if record.scope == "purchase" else body.get("id") or "")[:64]
        record.save(update_fields=["result"])


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0003_entry_and_reference_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="amount_micro",
            field=models.PositiveIntegerField(
                default=0, help_text="Millionths of a coin added to amount (0-999,999): a revenue share's fraction."
            ),
        ),
        migrations.RemoveConstraint(model_name="entry", name="wallet_entry_not_zero"),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount", 0), ("amount_micro", 0), _negated=True), name="wallet_entry_not_zero"
            ),
        ),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount_micro__lt", 1000000)), name="wallet_entry_micro_below_coin"
            ),
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="result",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(results_from_bodies, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotencyrecord", name="body"),
        migrations.RemoveField(model_name="idempotencyrecord", name="status_code"),
    ]
