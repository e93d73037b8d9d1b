"""files_delete_on_commit: files go once the rows naming them are gone, and a failed delete never fails the write."""

import logging
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from livestream.files import files_delete_on_commit

pytestmark = pytest.mark.django_db


def test_files_go_only_once_the_transaction_commits(django_capture_on_commit_callbacks, tmp_path):
    names = [
        default_storage.save("thumbnails/a.webp", ContentFile(b"a")),
        default_storage.save("b.mp4", ContentFile(b"b")),
    ]
    flv = tmp_path / "source.flv"
    flv.write_bytes(b"flv")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            files_delete_on_commit([*names, ""], paths=[flv])
            assert all(default_storage.exists(name) for name in names) and flv.exists()
    assert not any(default_storage.exists(name) for name in names) and not flv.exists()


def test_nothing_goes_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    name = default_storage.save("kept.mp4", ContentFile(b"k"))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            files_delete_on_commit([name])
            raise RuntimeError
    assert default_storage.exists(name)


def test_a_file_that_cannot_be_deleted_is_logged_and_the_others_still_go(django_capture_on_commit_callbacks, caplog):
    stuck, other = (
        default_storage.save("stuck.mp4", ContentFile(b"s")),
        default_storage.save("other.mp4", ContentFile(b"o")),
    )
    real_delete = default_storage.delete

    def delete(name):
        if name == stuck:
            raise TimeoutError("storage timed out")
        real_delete(name)

    with mock.patch.object(default_storage, "delete", side_effect=delete), caplog.at_level(logging.ERROR):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                files_delete_on_commit([stuck, other])
    assert default_storage.exists(stuck) and not default_storage.exists(other)
    assert f"file {stuck} was left behind" in caplog.text
