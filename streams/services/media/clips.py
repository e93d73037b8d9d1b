"""Highlights: a creator's cut of a recording, queued here and made by ffmpeg in a Celery task."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from livestream.errors import Conflict
from livestream.files import files_delete_on_commit
from livestream.task_queue import task_on_commit
from streams.media import tools
from streams.models import CLIP_MIN_SECONDS, Clip, Recording, Stream
from streams.selectors.media import recording_of_stream, recording_ready_newest

CLIP_MAX_ATTEMPTS = 3  # cut_clip's tries in all (its retries and the stuck-job sweep's requeues)


def clip_create(
    *,
    stream: Stream,
    user: User,
    start_seconds: float,
    duration_seconds: float,
    title: str = "",
    recording_id=None,
) -> Clip:
    """Queue a highlight cut from one of the stream's ready recordings (the newest, unless one is named).

    A named recording the stream does not have (another stream's, or none) is a ValidationError on
    ``recording`` (400): no wait would make it this stream's. One of its own still processing is a Conflict
    (409 ``recording_not_ready``), as is a stream with no ready recording yet.
    """
    if recording_id:
        recording = recording_of_stream(stream=stream, recording_id=recording_id)
        if recording is None:
            raise ValidationError({"recording": ["No such recording of this stream."]})
        if recording.status != Recording.Status.READY:
            raise Conflict("That recording is not ready.", code="recording_not_ready")
    else:
        recording = recording_ready_newest(stream=stream)
        if recording is None:
            raise Conflict("This stream has no ready recording yet.", code="recording_not_ready")
    if not CLIP_MIN_SECONDS <= duration_seconds <= settings.CLIP_MAX_SECONDS:
        raise ValidationError({"duration": [f"A clip lasts {CLIP_MIN_SECONDS} to {settings.CLIP_MAX_SECONDS} s."]})
    if start_seconds < 0 or start_seconds + duration_seconds > (recording.duration_seconds or 0) + 0.5:
        raise ValidationError(
            {"start": [f"The clip must lie within the recording (0 to {recording.duration_seconds:.1f} s)."]}
        )
    clip = Clip(
        stream=stream,
        recording=recording,
        created_by=user,
        title=title.strip(),
        start_seconds=start_seconds,
        duration_seconds=duration_seconds,
    )
    clip.full_clean(exclude=["file"])
    with transaction.atomic():
        clip.save()
        task_on_commit("streams.tasks.cut_clip", str(clip.pk))
    return clip


def clip_process(*, clip_id) -> Clip:
    """Cut the clip with ffmpeg and store it: processing -> ready (MediaToolError for the task to retry)."""
    clip = Clip.objects.select_related("recording").get(pk=clip_id)
    if clip.status != Clip.Status.PROCESSING:
        return clip
    Clip.objects.filter(pk=clip.pk).update(queued_at=timezone.now())  # started: the stuck-job sweep counts from here
    with tempfile.TemporaryDirectory(prefix="clip-") as work:
        source = Path(work) / "recording.mp4"
        with clip.recording.file.open("rb") as stored, source.open("wb") as local:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                local.write(chunk)
        target = Path(work) / "clip.mp4"
        tools.clip_cut(source, target, start=clip.start_seconds, duration=clip.duration_seconds)
        with target.open("rb") as video:
            clip.file.save("clip.mp4", File(video), save=False)
    with transaction.atomic():
        # Only a clip still processing: another run (a requeued or late task) may have finished it.
        finished = Clip.objects.filter(pk=clip.pk, status=Clip.Status.PROCESSING).update(
            status=Clip.Status.READY, file=clip.file.name, size_bytes=clip.file.size
        )
        if not finished:
            files_delete_on_commit([clip.file.name])
    return Clip.objects.get(pk=clip.pk)


def clip_fail(*, clip_id, error: str) -> None:
    Clip.objects.filter(pk=clip_id, status=Clip.Status.PROCESSING).update(status=Clip.Status.FAILED, error=error[:2000])


def clip_delete(*, clip: Clip) -> None:
    """Delete a clip (its creator from the studio, staff from the admin); its file goes once the deletion commits."""
    with transaction.atomic():
        clip = Clip.objects.select_for_update().get(pk=clip.pk)
        files_delete_on_commit([clip.file.name])
        clip.delete()
