"""The creators' top gifters now come from ``CreatorGifterDay``, which rollups fill from the last rollup on:
forgetting how far each creator was rolled up makes the next rollup (a read, or beat) start again from the day
they joined, so their past days get their gifter rows too."""

from django.db import migrations


def forget_rollup_progress(apps, schema_editor):
    apps.get_model("analytics", "CreatorRollup").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_lost_followers")]

    operations = [migrations.RunPython(forget_rollup_progress, migrations.RunPython.noop)]
