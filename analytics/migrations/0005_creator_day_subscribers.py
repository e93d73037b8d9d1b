"""Each creator day keeps how many were subscribed at its end; forgetting how far each creator was rolled up
makes the next rollup (a read, or beat) recompute their past days with it (as 0004 did for the gifter days)."""

from django.db import migrations, models


def forget_rollup_progress(apps, schema_editor):
    apps.get_model("analytics", "CreatorRollup").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0004_gifter_days_backfill")]

    operations = [
        migrations.AddField(
            model_name="creatorday",
            name="subscribers",
            field=models.PositiveIntegerField(
                default=0, help_text="Subscribed at the end of the day (so far, today): a paid month covers that moment."
            ),
        ),
        migrations.RunPython(forget_rollup_progress, migrations.RunPython.noop),
    ]
