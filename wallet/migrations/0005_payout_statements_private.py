"""Payout statements are private (wallet.payouts writes them under private/payout-statements/ and the statement
route sends them to their creator and staff): move those written before from their public path.

As streams' 0005_gated_files_private: not atomic, row by row through the storage API (copy, save the row,
delete the old file), so an interrupted migrate loses nothing and the next one finishes it. The column grows to
255 first: private/ and the creator's username must fit in the name.
"""

from django.db import migrations, models

from livestream.protected_media import private_files_move


def move_payout_statements(apps, schema_editor):
    private_files_move(apps.get_model("wallet", "Payout"), "statement")


class Migration(migrations.Migration):
    atomic = False  # each row commits as it moves

    dependencies = [
        ("wallet", "0004_exact_shares_and_idempotency_results"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payout",
            name="statement",
            field=models.FileField(blank=True, max_length=255, upload_to="private/payout-statements/"),
        ),
        migrations.RunPython(move_payout_statements, migrations.RunPython.noop),
    ]
