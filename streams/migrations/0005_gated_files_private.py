"""Recordings and clips are gated files (livestream/private_files.py): those stored before sit at public paths
(recordings/..., clips/...), still served as /media/ links on local disk. Move them under private/.

A migration rather than a command, because every way the project starts (make run, make serve, a deploy)
already runs migrate before serving, and it runs once. It is safe to interrupt: not atomic, so each row is
committed as it moves (copy, save the row, then delete the old file); an interrupted migration is not recorded
as applied, so the next migrate runs it again and finishes (private_files_move). Files go through the storage
API. On object storage (which signs every URL) the videos are private already and stay where they are.
Stream and recording thumbnails stay public: they are the stream's picture.

The columns grow to 255 first: at 100, private/ names would not fit (and new ones had their secret part cut).
"""

import streams.models
from django.core.files.storage import FileSystemStorage
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


def move_gated_files(apps, schema_editor):
    Recording, Clip = apps.get_model("streams", "Recording"), apps.get_model("streams", "Clip")
    if not isinstance(Recording._meta.get_field("file").storage, FileSystemStorage):
        # Object storage signs every URL it makes: these files are private there already, under any name
        # (file_response and the streams' media selectors accept the old ones). Copying every video through
        # this process would only cost time and traffic.
        return
    private_files_move(Recording, "file")
    private_files_move(Clip, "file")


class Migration(migrations.Migration):
    atomic = False  # each row commits as it moves: a file is never deleted under a row that could roll back

    dependencies = [
        ("streams", "0004_media_pipeline"),
    ]

    operations = [
        migrations.AlterField(
            model_name="clip",
            name="file",
            field=models.FileField(blank=True, max_length=255, upload_to=streams.models.upload_to_clip),
        ),
        migrations.AlterField(
            model_name="recording",
            name="file",
            field=models.FileField(blank=True, max_length=255, upload_to=streams.models.upload_to_recording),
        ),
        # Moving files back out of private/ would publish them again: the reverse leaves them where they are.
        migrations.RunPython(move_gated_files, migrations.RunPython.noop),
    ]
