"""Recordings and clips whose processing task was lost (a broker outage after commit) are queued again by beat,
and marked failed once their retry budget is spent; a job finished twice stays finished once."""

import contextlib
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.utils import timezone

from livestream.celery import app as celery_app
from streams.models import Clip, Recording
from streams.services import media
from streams.services.media.clips import CLIP_MAX_ATTEMPTS
from streams.services.media.recordings import RECORDING_MAX_ATTEMPTS
from streams.tasks import cut_clip, process_recording, requeue_stuck_media
from streams.tests.factories import StreamFactory
from streams.tests.test_media_services import _media_server_root, fake_tools, flv_for, ready_recording  # noqa: F401 (autouse)

pytestmark = pytest.mark.django_db

STUCK = timedelta(minutes=16)  # past the default 15


@pytest.fixture(autouse=True)
def _eager_celery():
    """Eager with Redis too (REDIS_URL makes Celery use the broker): the tasks the sweep queues run here."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def stuck_recording(settings, *, requeues=0, since=STUCK) -> Recording:
    stream = StreamFactory(ended=True)
    recording = Recording.objects.create(stream=stream, source_path=str(flv_for(stream, settings)), requeues=requeues)
    Recording.objects.filter(pk=recording.pk).update(queued_at=timezone.now() - since)
    return recording


def stuck_clip(*, requeues=0, since=STUCK) -> Clip:
    stream = StreamFactory(ended=True)
    recording = ready_recording(stream)
    clip = Clip.objects.create(
        stream=stream, recording=recording, created_by=stream.creator, start_seconds=0, duration_seconds=5
    )
    Clip.objects.filter(pk=clip.pk).update(queued_at=timezone.now() - since, requeues=requeues)
    return clip


def sweep(django_capture_on_commit_callbacks) -> dict:
    """Beat's run, with eager Celery: the tasks it queues run after its commits."""
    with django_capture_on_commit_callbacks(execute=True):
        return requeue_stuck_media.apply().get()


def test_the_sweep_is_in_the_beat_schedule_and_the_stuck_time_is_a_setting():
    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["streams.tasks.requeue_stuck_media"] <= 15 * 60
    assert django_settings.MEDIA_PROCESSING_STUCK_MINUTES == 15


def test_a_recording_whose_task_was_lost_is_processed_by_the_sweep(settings, django_capture_on_commit_callbacks):
    recording = stuck_recording(settings)
    with contextlib.ExitStack() as stack:
        for patch in fake_tools((1280, 720)):
            stack.enter_context(patch)
        assert sweep(django_capture_on_commit_callbacks) == {"requeued": 1, "failed": 0}
    recording.refresh_from_db()
    assert (recording.status, recording.requeues) == (Recording.Status.READY, 1)


def test_a_clip_whose_task_was_lost_is_cut_by_the_sweep(django_capture_on_commit_callbacks):
    clip = stuck_clip()
    with mock.patch("streams.media.tools.clip_cut", side_effect=lambda src, dst, **_: dst.write_bytes(b"clip")):
        assert sweep(django_capture_on_commit_callbacks) == {"requeued": 1, "failed": 0}
    clip.refresh_from_db()
    assert (clip.status, clip.requeues, clip.size_bytes) == (Clip.Status.READY, 1, 5 - 1)


def test_a_job_processing_for_less_than_the_setting_is_left_alone(settings, django_capture_on_commit_callbacks):
    settings.MEDIA_PROCESSING_STUCK_MINUTES = 30
    recording = stuck_recording(settings, since=timedelta(minutes=20))
    clip = stuck_clip(since=timedelta(minutes=20))
    with mock.patch("streams.tasks.process_recording.delay") as queued, mock.patch("streams.tasks.cut_clip.delay"):
        assert sweep(django_capture_on_commit_callbacks) == {"requeued": 0, "failed": 0}
    queued.assert_not_called()
    assert Recording.objects.get(pk=recording.pk).status == Clip.objects.get(pk=clip.pk).status == "processing"


def test_past_the_retry_budget_the_sweep_gives_up_to_failed(settings, django_capture_on_commit_callbacks):
    recording = stuck_recording(settings, requeues=RECORDING_MAX_ATTEMPTS - 1)
    clip = stuck_clip(requeues=CLIP_MAX_ATTEMPTS - 1)
    with mock.patch("streams.tasks.process_recording.delay") as queued, mock.patch("streams.tasks.cut_clip.delay"):
        assert sweep(django_capture_on_commit_callbacks) == {"requeued": 0, "failed": 2}
    queued.assert_not_called()
    for job in (Recording.objects.get(pk=recording.pk), Clip.objects.get(pk=clip.pk)):
        assert job.status == "failed" and "gave up" in job.error


def test_a_requeue_lost_again_is_requeued_again_until_the_budget(settings, django_capture_on_commit_callbacks):
    """The broker is still down: each sweep's task is lost too; the recording gets its tries, then fails."""
    recording = stuck_recording(settings)
    outcomes = []
    with mock.patch("streams.tasks.process_recording.delay"):  # lost
        for _ in range(RECORDING_MAX_ATTEMPTS):
            outcomes.append(sweep(django_capture_on_commit_callbacks))
            Recording.objects.filter(pk=recording.pk).update(queued_at=timezone.now() - STUCK)
    assert [o["requeued"] for o in outcomes] == [1] * (RECORDING_MAX_ATTEMPTS - 1) + [0]
    assert Recording.objects.get(pk=recording.pk).status == Recording.Status.FAILED


def test_a_recording_finished_by_another_run_meanwhile_keeps_that_runs_files(
    settings, django_capture_on_commit_callbacks
):
    """A late lost task and its requeue both run: the second to finish must not overwrite the first's files."""
    recording = stuck_recording(settings)
    first = ready_recording(recording.stream)  # what the other run stored (beside where this run stores)

    def other_run_finishes(src, dst):
        dst.write_bytes(b"mp4")
        Recording.objects.filter(pk=recording.pk).update(
            status=Recording.Status.READY, file=first.file.name, thumbnail=first.thumbnail.name
        )

    with contextlib.ExitStack() as stack:
        for patch in fake_tools((1280, 720))[1:]:
            stack.enter_context(patch)
        stack.enter_context(mock.patch("streams.media.tools.remux_to_mp4", side_effect=other_run_finishes))
        stack.enter_context(django_capture_on_commit_callbacks(execute=True))
        assert process_recording.apply(args=[str(recording.pk)]).get() == "ready"
    recording.refresh_from_db()
    assert (recording.file.name, recording.thumbnail.name) == (first.file.name, first.thumbnail.name)
    for name in (first.file.name, first.thumbnail.name):  # the second run's copies are deleted, not left behind
        folder, file = name.rsplit("/", 1)
        assert default_storage.listdir(folder)[1] == [file]


def test_a_clip_finished_by_another_run_meanwhile_keeps_that_runs_file():
    clip = stuck_clip()

    def other_run_finishes(src, dst, **_):
        dst.write_bytes(b"second")
        Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.READY, file="clips/first.mp4", size_bytes=5)

    with mock.patch("streams.media.tools.clip_cut", side_effect=other_run_finishes):
        assert cut_clip.apply(args=[str(clip.pk)]).get() == "ready"
    clip.refresh_from_db()
    assert (clip.file.name, clip.size_bytes) == ("clips/first.mp4", 5)
    assert media.clip_process(clip_id=clip.pk).file.name == "clips/first.mp4"  # and a third run does nothing
