"""Recordings and clips are gated files (livestream/protected_media.py): those stored before sit at public paths
(recordings/..., clips/...), still served as /media/ links on local disk. Move them under private/.

A migration rather than a command, because every way the project starts (make run, make serve, a deploy)
already runs migrate before serving, and it runs once. It is safe to interrupt: not atomic, so each row is
committed as it moves (copy, save the row, then delete the old file); an interrupted migration is not recorded
as applied, so the next migrate runs it again and finishes (private_files_move). Files go through the storage
API, so object storage moves alike. Stream and recording thumbnails stay public: they are the stream's picture.

The columns grow to 255 first: at 100, private/ names would not fit (and new ones had their secret part cut).
"""

import streams.models
from django.db import migrations, models

from livestream.protected_media import private_files_move


def move_gated_files(apps, schema_editor):
    private_files_move(apps.get_model("streams", "Recording"), "file")
    private_files_move(apps.get_model("streams", "Clip"), "file")


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
