"""Display names stored before accounts/names.py existed, cleaned as the validator cleans new ones (issue 11):
control, bidi, zero-width and other invisible characters stripped, badge characters removed, a name with
nothing visible left replaced by the username. Names already clean are not written. Reversing does nothing:
the characters removed are the ones no name may hold."""

from django.db import migrations

from accounts.names import display_name_repair

BATCH = 1000


def clean_display_names(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    changed = []
    rows = User.objects.exclude(display_name="").values_list("pk", "username", "display_name").order_by("pk")
    for pk, username, display_name in rows.iterator(chunk_size=BATCH):
        repaired = display_name_repair(display_name, username=username)
        if repaired != display_name:
            changed.append(User(pk=pk, display_name=repaired))
        if len(changed) >= BATCH:
            User.objects.bulk_update(changed, ["display_name"])
            changed = []
    User.objects.bulk_update(changed, ["display_name"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(clean_display_names, migrations.RunPython.noop, elidable=True)]
