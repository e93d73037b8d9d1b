"""Recordings: nginx-rtmp's FLV noted at record_done, made into an MP4 VOD with its thumbnail by a Celery task
(ffmpeg never runs inside a transaction), retried by staff, pruned past the creator's retention, and their
files deleted with them."""

from __future__ import annotations

import logging
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from livestream.files import files_delete_on_commit
from livestream.images import image_process
from livestream.task_queue import task_on_commit
from streams.media import tools
from streams.media.config import hls_app_parse, recordings_dir
from streams.models import CreatorProfile, Recording, Stream, recording_keep_days
from streams.services.media.thumbnails import THUMBNAIL_SIZES, thumbnail_set

logger = logging.getLogger(__name__)

RECORDING_MAX_ATTEMPTS = 3
# "<hls app>.<stream uuid>-<unix time>.flv", as nginx-rtmp names a recording of a renamed stream.
_RECORDING_NAME = re.compile(
    r"^(?P<app>[a-z]+_[a-z]+)\.(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-\d+\.flv$"
)


def recording_register(*, path: str) -> Recording | None:
    """nginx-rtmp finished a recording file: note it and hand it to Celery (once per file)."""
    source = Path(path)
    match = _RECORDING_NAME.match(source.name)
    try:
        inside = source.resolve().parent == recordings_dir().resolve()
    except OSError:
        inside = False
    if match is None or not inside or hls_app_parse(match["app"]) is None:
        logger.warning("record_done for a file that is not ours: %s", path)
        return None
    stream = Stream.objects.filter(pk=match["id"]).first()
    if stream is None:
        logger.warning("record_done for a stream that no longer exists: %s", path)
        return None
    with transaction.atomic():
        recording, created = Recording.objects.get_or_create(source_path=str(source), defaults={"stream": stream})
        if created:
            task_on_commit("streams.tasks.process_recording", str(recording.pk))
    return recording


def recording_process(*, recording_id) -> Recording:
    """Remux the FLV to MP4 (faststart), probe it, store it and its thumbnail: processing -> ready.

    Raises tools.MediaToolError for the task to retry; recording_fail() marks the last failure.
    """
    with transaction.atomic():
        recording = Recording.objects.select_for_update().select_related("stream").get(pk=recording_id)
        if recording.status != Recording.Status.PROCESSING:
            return recording
        recording.attempts = F("attempts") + 1
        recording.queued_at = timezone.now()  # started: the stuck-job sweep counts from here
        recording.save(update_fields=["attempts", "queued_at"])
    recording.refresh_from_db()
    source = Path(recording.source_path)
    if not source.exists():
        raise tools.MediaToolError(f"the recording file {source} is missing")
    with tempfile.TemporaryDirectory(prefix="recording-") as work:
        mp4 = Path(work) / "recording.mp4"
        tools.remux_to_mp4(source, mp4)
        probe = tools.probe(mp4)
        if not probe.has_video or probe.duration_seconds <= 0:
            recording_fail(recording_id=recording.pk, error="The recording holds no video.")
            return Recording.objects.get(pk=recording.pk)
        frame = Path(work) / "frame.png"
        tools.frame_grab(mp4, frame, at_seconds=min(probe.duration_seconds / 2, 10.0))
        with frame.open("rb") as image:
            thumbnail = image_process(File(image), size=THUMBNAIL_SIZES[0], crop=True)
        # Files first (object storage is a network call), then one short transaction.
        with mp4.open("rb") as video:
            recording.file.save("recording.mp4", File(video), save=False)
        recording.thumbnail.save("thumbnail.webp", thumbnail, save=False)
        if recording.stream.thumbnail_source != Stream.ThumbnailSource.CUSTOM:  # the ended stream's picture
            with frame.open("rb") as image:
                thumbnail_set(stream=recording.stream, image=File(image), source=Stream.ThumbnailSource.AUTO)
    with transaction.atomic():
        # Only a recording still processing: another run (a requeued or late task) may have finished it.
        finished = Recording.objects.filter(pk=recording.pk, status=Recording.Status.PROCESSING).update(
            status=Recording.Status.READY,
            file=recording.file.name,
            thumbnail=recording.thumbnail.name,
            duration_seconds=round(probe.duration_seconds, 3),
            size_bytes=recording.file.size,
            width=probe.width,
            height=probe.height,
            error="",
            ready_at=timezone.now(),
        )
        if not finished:
            files_delete_on_commit([recording.file.name, recording.thumbnail.name])
            return Recording.objects.get(pk=recording.pk)
    source.unlink(missing_ok=True)
    logger.info("recording %s ready: %.1f s, %s bytes", recording.pk, probe.duration_seconds, recording.file.size)
    return Recording.objects.get(pk=recording.pk)


def recording_fail(*, recording_id, error: str) -> None:
    Recording.objects.filter(pk=recording_id, status=Recording.Status.PROCESSING).update(
        status=Recording.Status.FAILED, error=error[:2000]
    )
    logger.error("recording %s failed: %s", recording_id, error)


def recording_retry(*, recording_id) -> bool:
    """Queue a failed recording again (staff, from the admin); False when it is not failed or its FLV is gone."""
    with transaction.atomic():
        recording = Recording.objects.select_for_update().filter(pk=recording_id).first()
        if recording is None or recording.status != Recording.Status.FAILED:
            return False
        if not Path(recording.source_path).exists():
            return False
        recording.status = Recording.Status.PROCESSING
        recording.attempts = 0
        recording.requeues = 0
        recording.queued_at = timezone.now()
        recording.error = ""
        recording.save(update_fields=["status", "attempts", "requeues", "queued_at", "error"])
        task_on_commit("streams.tasks.process_recording", str(recording.pk))
    return True


def recordings_prune(*, now: datetime | None = None) -> int:
    """Delete recordings (rows, then their files once each deletion commits) kept past their time
    (``recording_keep_days``: the recording's own setting, else its creator's, else the platform's); how many
    went."""
    now = now or timezone.now()
    pruned = 0
    retention = {
        profile.user_id: profile.recording_retention_days
        for profile in CreatorProfile.objects.exclude(recording_retention_days=None).only(
            "user_id", "recording_retention_days"
        )
    }
    oldest_default = now - timedelta(days=settings.RECORDING_RETENTION_DAYS)
    candidates = (
        Recording.objects.select_related("stream")
        .prefetch_related("clips")  # their files go too: not one query per recording
        .filter(
            Q(created_at__lt=oldest_default)
            | Q(stream__creator_id__in=list(retention))
            | Q(retention_days__isnull=False)
        )
    )
    for recording in candidates.iterator(chunk_size=200):
        days = recording_keep_days(
            recording_days=recording.retention_days, creator_days=retention.get(recording.stream.creator_id)
        )
        if recording.created_at >= now - timedelta(days=days):
            continue
        with transaction.atomic():
            _recording_files_delete_on_commit([recording])
            recording.delete()
        pruned += 1
    return pruned


def recording_retention_set(*, recording: Recording, days: int | None) -> Recording:
    """Keep ``recording`` ``days`` days from its making (1-3650), or, with None, as long as its creator's
    setting says (the caller checked that it is the caller's own). A recording already past its new time goes
    at the next daily prune."""
    if days is not None and not 1 <= days <= 3650:
        raise ValidationError({"retention_days": ["Between 1 and 3650 days."]})
    with transaction.atomic(durable=True):
        Recording.objects.filter(pk=recording.pk).update(retention_days=days)
    recording.retention_days = days
    return recording


def recording_delete(*, recording: Recording) -> None:
    """Delete a recording and its clips (its creator from the studio, staff from the admin); their files go once
    the deletion commits."""
    with transaction.atomic():
        recording = Recording.objects.select_for_update().prefetch_related("clips").get(pk=recording.pk)
        _recording_files_delete_on_commit([recording])
        recording.delete()


def _recording_files_delete_on_commit(recordings: list[Recording]) -> None:
    """Once the caller's transaction deleting ``recordings`` commits: their MP4s, thumbnails and FLVs, and their
    clips' files (the clip rows cascade with the recording; prefetch ``clips``)."""
    names, paths = [], []
    for recording in recordings:
        names += [clip.file.name for clip in recording.clips.all()]
        names += [recording.file.name, recording.thumbnail.name]
        paths.append(recording.source_path)
    files_delete_on_commit(names, paths=paths)


def stream_files_delete_on_commit(stream: Stream) -> None:
    """Once the caller's transaction deleting ``stream`` commits, delete its files: thumbnails, recordings, clips.

    The rows cascade in the database; storage (possibly S3) is not a transaction, so the files go after commit.
    """
    _recording_files_delete_on_commit(list(stream.recordings.prefetch_related("clips")))
    if stream.thumbnail:
        files_delete_on_commit([stream.thumbnail.name, *stream.thumbnail_variants.values()])
