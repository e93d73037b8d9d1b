"""Recordings and clips stored before files were gated sat at public paths (recordings/..., clips/...). The
migration 0005_gated_files_private moves them under private/ through the storage API, row by row (copy, save
the row, delete the old file), so an interruption anywhere loses nothing and the next migrate finishes it."""

import importlib
import re
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from livestream.views import file_response
from streams.models import Clip, Recording
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db

VIDEO = b"\x00\x00\x00\x18ftypmp42 an old recording" * 50
migration = importlib.import_module("streams.migrations.0005_gated_files_private")


def old_recording(stream=None, content: bytes = VIDEO) -> Recording:
    """A recording as stored before: its file at the public path of the time."""
    stream = stream or StreamFactory(ended=True)
    recording = Recording.objects.create(
        stream=stream, status=Recording.Status.READY, source_path=f"/nowhere/{stream.pk}-{Recording.objects.count()}"
    )
    name = default_storage.save(f"recordings/{stream.pk}/{recording.pk}-oldsecret.mp4", ContentFile(content))
    thumbnail = default_storage.save(f"recordings/{stream.pk}/{recording.pk}-abcd1234.webp", ContentFile(b"webp"))
    Recording.objects.filter(pk=recording.pk).update(file=name, thumbnail=thumbnail)
    recording.refresh_from_db()
    return recording


def old_clip(recording: Recording) -> Clip:
    clip = Clip.objects.create(
        stream=recording.stream,
        recording=recording,
        created_by=recording.stream.creator,
        start_seconds=0,
        duration_seconds=5,
        status=Clip.Status.READY,
    )
    name = default_storage.save(f"clips/{recording.stream_id}/{clip.pk}-oldsecret.mp4", ContentFile(b"clip" * 100))
    Clip.objects.filter(pk=clip.pk).update(file=name)
    clip.refresh_from_db()
    return clip


def migrate() -> None:
    migration.move_gated_files(django_apps, None)


def read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def test_recordings_and_clips_stored_before_move_under_private_and_play_by_signed_links(settings):
    recording = old_recording()
    clip = old_clip(recording)
    old_names = {recording.file.name, clip.file.name}
    migrate()
    recording.refresh_from_db()
    clip.refresh_from_db()
    assert recording.file.name == "private/" + f"recordings/{recording.stream_id}/{recording.pk}-oldsecret.mp4"
    assert clip.file.name == "private/" + f"clips/{recording.stream_id}/{clip.pk}-oldsecret.mp4"
    assert read(recording.file.name) == VIDEO and read(clip.file.name) == b"clip" * 100
    assert not any(default_storage.exists(name) for name in old_names)  # no public copy left
    assert recording.thumbnail.name.startswith("recordings/") and default_storage.exists(recording.thumbnail.name)

    settings.DEBUG = True
    for name in old_names:
        assert Client().get(f"/media/{name}").status_code == 404
    url = Client().get(f"/api/v1/streams/{recording.stream_id}/recordings").json()[0]["url"]
    response = Client().get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == VIDEO


def test_running_it_again_changes_nothing():
    recording = old_recording()
    new_style = old_recording()
    new_style.file.save("again.mp4", ContentFile(b"stored private already"))
    migrate()
    names = dict(Recording.objects.values_list("pk", "file"))
    migrate()
    assert dict(Recording.objects.values_list("pk", "file")) == names
    assert names[recording.pk].startswith("private/") and read(names[recording.pk]) == VIDEO
    assert read(names[new_style.pk]) == b"stored private already"


def test_a_failure_midway_loses_no_file_and_the_next_run_finishes():
    first, second = old_recording(), old_recording()
    real_save = default_storage.save
    calls = []

    def save_then_fail(name, content, max_length=None):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(name, content, max_length=max_length)

    with mock.patch.object(default_storage, "save", side_effect=save_then_fail), pytest.raises(OSError):
        migrate()
    rows = dict(Recording.objects.values_list("pk", "file"))
    moved = [pk for pk, name in rows.items() if name.startswith("private/")]
    assert len(moved) == 1  # the first row moved whole; the second still names its old, intact file
    assert all(read(name) == VIDEO for name in rows.values())
    migrate()
    for recording in (first, second):
        recording.refresh_from_db()
        assert recording.file.name.startswith("private/") and read(recording.file.name) == VIDEO
        assert not default_storage.exists(recording.file.name.removeprefix("private/"))


def test_a_copy_cut_short_is_made_again_and_a_finished_one_is_kept():
    cut_short, finished = old_recording(), old_recording()
    default_storage.save("private/" + cut_short.file.name, ContentFile(VIDEO[:100]))  # the run died mid-copy
    default_storage.save("private/" + finished.file.name, ContentFile(VIDEO))  # died before saving the row
    migrate()
    for recording in (cut_short, finished):
        recording.refresh_from_db()
        assert recording.file.name.startswith("private/") and read(recording.file.name) == VIDEO
    assert sorted(default_storage.listdir(f"private/recordings/{cut_short.stream_id}")[1]) == [
        cut_short.file.name.rsplit("/", 1)[1]
    ]


def test_a_public_copy_left_after_the_row_was_saved_is_deleted_but_nothing_else():
    recording = old_recording()
    old = recording.file.name
    default_storage.save("private/" + old, ContentFile(VIDEO))
    Recording.objects.filter(pk=recording.pk).update(file="private/" + old)  # died before deleting the old file
    other = old_recording()
    Recording.objects.filter(pk=other.pk).update(file="private/" + other.file.name)
    default_storage.save("private/" + other.file.name, ContentFile(b"different bytes"))
    migrate()
    assert not default_storage.exists(old) and read("private/" + old) == VIDEO
    assert default_storage.exists(other.file.name)  # not the same file: kept


def test_a_row_whose_file_is_gone_is_left_as_it_is():
    recording = old_recording()
    default_storage.delete(recording.file.name)
    migrate()
    assert Recording.objects.get(pk=recording.pk).file.name == recording.file.name


def test_on_object_storage_it_moves_through_the_same_storage_api():
    """django-storages' S3 storage offers exists/open/save/size/delete as local disk does; the move uses no
    more than those (a fake storage that records the calls stands in for it)."""
    recording = old_recording()
    storage = mock.Mock(wraps=default_storage)
    with mock.patch.object(Recording._meta.get_field("file"), "storage", storage):
        migration.private_files_move(Recording, "file")
    used = {call[0] for call in storage.method_calls}
    assert used <= {"exists", "open", "save", "size", "delete"} and {"save", "delete"} <= used
    recording.refresh_from_db()
    assert recording.file.name.startswith("private/")


def test_on_object_storage_the_videos_stay_where_they_are_and_still_play():
    """Object storage signs every URL it makes: recordings and clips are private there under their old names,
    so the migration does not download and upload every video again; staff's and viewers' links still open."""
    recording = old_recording()
    clip = old_clip(recording)
    old_names = (recording.file.name, clip.file.name)
    signed = "https://bucket.example.com/recordings/x.mp4?X-Amz-Signature=abc"
    object_storage = mock.Mock(wraps=default_storage)
    with (
        mock.patch.object(Recording._meta.get_field("file"), "storage", object_storage),
        mock.patch.object(Clip._meta.get_field("file"), "storage", object_storage),
    ):
        migrate()
    assert object_storage.method_calls == []
    assert (Recording.objects.get(pk=recording.pk).file.name, Clip.objects.get(pk=clip.pk).file.name) == old_names
    with (
        mock.patch("livestream.views.storage_signs_urls", return_value=True),
        mock.patch.object(default_storage, "url", return_value=signed),
    ):
        response = file_response(recording.file.name)
    assert (response.status_code, response["Location"]) == (302, signed)


def test_a_recordings_name_keeps_its_whole_secret_part():
    """FileField's default max_length (100) made the storage cut the secret part of private names to a few
    characters; the column is 255 long now."""
    recording = Recording.objects.create(stream=StreamFactory(ended=True), source_path="/nowhere/x.flv")
    recording.file.save("recording.mp4", ContentFile(VIDEO))
    clip = old_clip(recording)
    clip.file.save("clip.mp4", ContentFile(b"clip"))
    assert re.fullmatch(
        rf"private/recordings/{recording.stream_id}/{recording.pk}-[\w-]{{22}}\.mp4", recording.file.name
    ), recording.file.name
    assert re.fullmatch(rf"private/clips/{recording.stream_id}/{clip.pk}-[\w-]{{22}}\.mp4", clip.file.name)


@pytest.mark.django_db(transaction=True)
def test_migrate_moves_them_as_a_migration():
    # The stream first, with today's models (other apps' receivers, search's, write tables that migrating streams
    # back to 0004 removes); then back to 0004, a recording stored the old way, and forward again, come what may.
    stream = StreamFactory(ended=True)
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("streams", "0004_media_pipeline")])
        old_apps = executor.loader.project_state([("streams", "0004_media_pipeline")]).apps
        historical = old_apps.get_model("streams", "Recording")
        name = default_storage.save(f"recordings/{stream.pk}/x-oldsecret.mp4", ContentFile(VIDEO))
        row = historical.objects.create(stream_id=stream.pk, status="ready", source_path="/nowhere/m.flv", file=name)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    assert Recording.objects.get(pk=row.pk).file.name == "private/" + name
    assert read("private/" + name) == VIDEO and not default_storage.exists(name)
