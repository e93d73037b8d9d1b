"""Payout statements are private (wallet.payouts writes them under private/payout-statements/ and the statement
route sends them to their creator and staff): move those written before from their public path.

As streams' 0005_gated_files_private: not atomic, row by row through the storage API (copy, save the row,
delete the old file), so an interrupted migrate loses nothing and the next one finishes it. The column grows to
255 first: private/ and the creator's username must fit in the name.
"""

from django.db import migrations, models


# Frozen here (as it was when this migration was written): a later edit of the app's code cannot change what an
# old migration does. Row by row: copy, save the row's new name, then delete the old file; so an interruption
# anywhere loses nothing, and running it again finishes the job (a copy cut short is made again, a finished one
# kept, a public copy left after its row was saved deleted). A row whose file is gone is left as it is.
PRIVATE_PREFIX = "private/"


def private_files_move(model, field: str) -> dict[str, int]:
    """Move the files of historical ``model``'s FileField ``field`` stored outside the private prefix to the same
    name under it, through the storage API (local disk or object storage alike)."""
    storage = model._meta.get_field(field).storage
    max_length = model._meta.get_field(field).max_length
    rows = model._default_manager.order_by("pk")
    counts = {"moved": 0, "missing": 0, "leftovers_deleted": 0}
    public = rows.exclude(**{field: ""}).exclude(**{f"{field}__startswith": PRIVATE_PREFIX})
    for pk, old in list(public.values_list("pk", field)):
        if not storage.exists(old):
            counts["missing"] += 1
            continue
        new = PRIVATE_PREFIX + old
        if storage.exists(new) and storage.size(new) != storage.size(old):
            storage.delete(new)  # a copy cut short by an interruption
        if not storage.exists(new):
            with storage.open(old, "rb") as source:
                new = storage.save(new, source, max_length=max_length)
        if model._default_manager.filter(pk=pk, **{field: old}).update(**{field: new}):
            storage.delete(old)
            counts["moved"] += 1
    # A run interrupted after saving a row and before deleting the old file left that public copy behind.
    for name in list(rows.filter(**{f"{field}__startswith": PRIVATE_PREFIX}).values_list(field, flat=True)):
        old = name[len(PRIVATE_PREFIX) :]
        if storage.exists(old) and storage.exists(name) and storage.size(old) == storage.size(name):
            storage.delete(old)
            counts["leftovers_deleted"] += 1
    return counts


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
