"""The media pipeline's writes: nginx-rtmp's hooks, recordings made into VODs, thumbnails, clips, health.

nginx-rtmp calls the hooks (streams/hooks.py) as a creator's encoder connects and leaves; Celery runs the
ffmpeg jobs (streams/tasks.py). Each service owns its transaction; ffmpeg never runs inside one.
"""

from __future__ import annotations

import logging
import re
import secrets
import tempfile
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from livestream.errors import Conflict, DomainError
from livestream.events import send_event_on_commit
from livestream.images import image_process
from streams.media import nginx, tools
from streams.media.config import hls_app_name, hls_app_parse, hls_dir, recordings_dir
from streams.models import CLIP_MIN_SECONDS, Clip, CreatorProfile, Recording, Stream

logger = logging.getLogger(__name__)

# 16:9 thumbnail sizes kept for every stream; the largest is Stream.thumbnail.
THUMBNAIL_SIZES = [(1280, 720), (640, 360), (320, 180)]
THUMBNAIL_MIN_UPLOAD = (320, 180)
KEYFRAME_WARN_SECONDS = 2.0
NGINX_BANDWIDTH_WINDOW_SECONDS = 15
VANISHED_AFTER_SECONDS = 30
RECORDING_MAX_ATTEMPTS = 3
# "<hls app>.<stream uuid>-<unix time>.flv", as nginx-rtmp names a recording of a renamed stream.
_RECORDING_NAME = re.compile(
    r"^(?P<app>[a-z]+_[a-z]+)\.(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-\d+\.flv$"
)


class PublishRefused(Exception):
    """nginx-rtmp must refuse this publish (the hook answers 403)."""


# --- Hooks ---------------------------------------------------------------------------


def publish_name(stream: Stream) -> str:
    """The name a live stream has inside nginx-rtmp: "<hls app>.<stream id>", never its key."""
    return f"{stream.media_app}.{stream.pk}"


def publish_begin(*, key: str, client_id: str) -> str:
    """An encoder connected with ``key``: accept it (the stream goes live) and return the stream's new name.

    Refused: an unknown key, an ended stream, or a stream another encoder is publishing now. A stream whose
    encoder dropped comes back within the grace period as the same stream.
    """
    known = (
        Stream.objects.filter(stream_key=key).only("pk", "media_app", "publisher_client_id").first() if key else None
    )
    if known is None:
        raise PublishRefused("unknown stream key")
    # Another client on record: ask nginx whether it is really there - before the transaction, not under its lock.
    presumed_gone = ""
    if known.publisher_client_id and known.publisher_client_id != client_id:
        if _still_publishing(known):
            raise PublishRefused(f"stream {known.pk} is already being published")
        presumed_gone = known.publisher_client_id
        logger.warning("stream %s: publisher %s had gone without a publish_done", known.pk, presumed_gone)
    with transaction.atomic():
        stream = Stream.objects.select_for_update().get(pk=known.pk)
        if stream.status == Stream.Status.ENDED:
            raise PublishRefused(f"stream {stream.pk} has ended")
        if stream.publisher_client_id not in ("", client_id, presumed_gone):
            raise PublishRefused(f"stream {stream.pk} is already being published")  # taken meanwhile
        now = timezone.now()
        was_scheduled = stream.status == Stream.Status.SCHEDULED
        stream.status = Stream.Status.LIVE
        stream.started_at = stream.started_at or now
        stream.media_app = hls_app_name(latency_mode=stream.latency_mode, premium=stream.is_premium)
        stream.publisher_client_id = client_id
        stream.publisher_dropped_at = None
        stream.save(
            update_fields=[
                "status",
                "started_at",
                "media_app",
                "publisher_client_id",
                "publisher_dropped_at",
                "updated_at",
            ]
        )
        if was_scheduled:
            send_event_on_commit({"type": "stream_status", "status": stream.status}, room=stream.pk)
    logger.info("stream %s: publishing as client %s into %s", stream.pk, client_id, stream.media_app)
    return publish_name(stream)


def _still_publishing(stream: Stream) -> bool:
    """Ask nginx-rtmp whether the recorded publisher is really there (it may have died without telling us)."""
    try:
        return nginx.stat(app="live", name=publish_name(stream)) is not None
    except nginx.MediaServerUnavailable:
        return True  # cannot tell: keep the one we know of


def publish_end(*, key: str, client_id: str) -> None:
    """The encoder left. The stream ends now, or after the reconnect grace period when a worker can wait."""
    from streams.services import stream_stop

    with transaction.atomic():
        stream = Stream.objects.select_for_update().filter(stream_key=key).first() if key else None
        if stream is None or stream.publisher_client_id != client_id:
            return  # refused, already stopped from the API, or an older connection's late goodbye
        waits = publisher_release(stream=stream, drop=False)
    if stream.status == Stream.Status.LIVE and not waits:
        stream_stop(stream=stream)


def publisher_release(*, stream: Stream, drop: bool) -> bool:
    """Forget the stream's encoder: the one step for publish_done, a key rotation and a stop.

    The caller holds the stream's row lock in a transaction and has set the status. ``drop`` has nginx-rtmp
    disconnect the encoder after commit (it is still connected). A stream left live starts its reconnect
    grace period; returns whether it did (False where no worker waits: eager Celery, or a grace of 0).
    """
    if not stream.publisher_client_id:
        return False
    name = publish_name(stream)
    live = stream.status == Stream.Status.LIVE
    grace = _reconnect_grace() if live else 0
    stream.publisher_client_id = ""
    stream.publisher_dropped_at = timezone.now() if live else None
    stream.save(update_fields=["publisher_client_id", "publisher_dropped_at", "updated_at"])
    from streams.tasks import drop_publisher_task, end_dropped_streams

    if drop:
        transaction.on_commit(lambda: drop_publisher_task.delay(name))
    if grace:
        transaction.on_commit(lambda: end_dropped_streams.apply_async(countdown=grace + 1))
    return bool(grace)


def _reconnect_grace() -> int:
    """Seconds a dropped stream waits for its encoder; 0 where no worker runs delayed tasks (eager Celery)."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return 0
    return max(settings.STREAM_RECONNECT_GRACE_SECONDS, 0)


def vanished_publishers_mark(*, now: datetime | None = None) -> int:
    """Live streams whose encoder nginx-rtmp no longer has (it died or restarted without a publish_done)
    are marked dropped, so the grace period and then dropped_streams_end apply; how many were marked.

    A stream saved in the last VANISHED_AFTER_SECONDS is left for the next round: nginx lists a publisher
    only once the publish hook has answered.
    """
    now = now or timezone.now()
    candidates = list(
        Stream.objects.filter(status=Stream.Status.LIVE, updated_at__lt=now - timedelta(seconds=VANISHED_AFTER_SECONDS))
        .exclude(publisher_client_id="")
        .only("pk", "media_app", "publisher_client_id")
    )
    if not candidates:
        return 0
    try:
        present = nginx.publishing(app="live")
    except nginx.MediaServerUnavailable:
        return 0  # cannot tell: keep them as they are
    marked = 0
    for stream in candidates:
        if publish_name(stream) in present:
            continue
        marked += Stream.objects.filter(pk=stream.pk, publisher_client_id=stream.publisher_client_id).update(
            publisher_client_id="", publisher_dropped_at=now
        )
        logger.warning("stream %s: its encoder is gone from the media server; marked dropped", stream.pk)
    return marked


def dropped_streams_end(*, now: datetime | None = None) -> int:
    """End the live streams whose encoder left more than the grace period ago; how many ended."""
    from streams.services import stream_stop

    cutoff = (now or timezone.now()) - timedelta(seconds=settings.STREAM_RECONNECT_GRACE_SECONDS)
    ended = 0
    for stream in Stream.objects.filter(
        status=Stream.Status.LIVE, publisher_client_id="", publisher_dropped_at__lte=cutoff
    ).only("pk"):
        try:
            stream_stop(stream=stream)
            ended += 1
        except DomainError:
            continue  # stopped meanwhile
    return ended


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
            from streams.tasks import process_recording

            transaction.on_commit(lambda: process_recording.delay(str(recording.pk)))
    return recording


# --- Recordings ---------------------------------------------------------------------


def recording_process(*, recording_id) -> Recording:
    """Remux the FLV to MP4 (faststart), probe it, store it and its thumbnail: processing -> ready.

    Raises tools.MediaToolError for the task to retry; recording_fail() marks the last failure.
    """
    with transaction.atomic():
        recording = Recording.objects.select_for_update().select_related("stream").get(pk=recording_id)
        if recording.status != Recording.Status.PROCESSING:
            return recording
        recording.attempts = F("attempts") + 1
        recording.save(update_fields=["attempts"])
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
        Recording.objects.filter(pk=recording.pk).update(
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
        recording.error = ""
        recording.save(update_fields=["status", "attempts", "error"])
        from streams.tasks import process_recording

        transaction.on_commit(lambda: process_recording.delay(str(recording.pk)))
    return True


def recordings_prune(*, now: datetime | None = None) -> int:
    """Delete recordings (files and rows) older than their creator's retention; how many went."""
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
        .filter(Q(created_at__lt=oldest_default) | Q(stream__creator_id__in=list(retention)))
    )
    for recording in candidates.iterator(chunk_size=200):
        days = retention.get(recording.stream.creator_id, settings.RECORDING_RETENTION_DAYS)
        if recording.created_at >= now - timedelta(days=days):
            continue
        _recording_files_delete(recording)
        recording.delete()
        pruned += 1
    return pruned


def _recording_files_delete(recording: Recording) -> None:
    """A recording's MP4, thumbnail and FLV, and its clips' files (the rows go with the recording)."""
    for clip in recording.clips.all():
        _delete_file(clip.file)
    _delete_file(recording.file)
    _delete_file(recording.thumbnail)
    Path(recording.source_path).unlink(missing_ok=True)


def _delete_file(field) -> None:
    if field:
        field.storage.delete(field.name)


def stream_files_delete_on_commit(stream: Stream) -> None:
    """Once the caller's transaction deleting ``stream`` commits, delete its files: thumbnails, recordings, clips.

    The rows cascade in the database; storage (possibly S3) is not a transaction, so the files go after commit.
    """
    recordings = list(stream.recordings.prefetch_related("clips"))
    thumbnails = [stream.thumbnail.name, *stream.thumbnail_variants.values()] if stream.thumbnail else []

    def delete() -> None:
        for recording in recordings:
            _recording_files_delete(recording)
        for name in thumbnails:
            default_storage.delete(name)

    transaction.on_commit(delete)


# --- Thumbnails --------------------------------------------------------------------


def thumbnail_set(*, stream: Stream, image, source: str) -> Stream:
    """Make the standard 16:9 sizes of ``image`` and make them the stream's thumbnail.

    An automatic thumbnail never replaces a creator's own (the check is made again under the row lock).
    Raises ValidationError for an upload that is not a usable image.
    """
    made = {}
    for size in THUMBNAIL_SIZES:
        image.seek(0)
        # A creator's upload must be big enough to look right; a frame of a small encoder is scaled up.
        minimum = THUMBNAIL_MIN_UPLOAD if source == Stream.ThumbnailSource.CUSTOM else (16, 16)
        made[size] = image_process(image, size=size, crop=True, min_size=minimum)
    names = {
        f"{w}x{h}": default_storage.save(
            f"thumbnails/{stream.pk}/{source}-{w}x{h}-{secrets.token_hex(6)}.webp", content
        )
        for (w, h), content in made.items()
    }
    largest = f"{THUMBNAIL_SIZES[0][0]}x{THUMBNAIL_SIZES[0][1]}"
    with transaction.atomic():
        locked = Stream.objects.select_for_update().get(pk=stream.pk)
        if source == Stream.ThumbnailSource.AUTO and locked.thumbnail_source == Stream.ThumbnailSource.CUSTOM:
            unused = list(names.values())  # the creator's own wins; deleted below, not while the row is locked
        else:
            unused = [locked.thumbnail.name, *locked.thumbnail_variants.values()] if locked.thumbnail else []
            locked.thumbnail.name = names.pop(largest)
            locked.thumbnail_variants = names
            locked.thumbnail_source = source
            locked.save(update_fields=["thumbnail", "thumbnail_variants", "thumbnail_source", "updated_at"])
        # Storage may be S3: network calls, made once the row lock is released and the new names committed.
        transaction.on_commit(lambda: [default_storage.delete(name) for name in unused if name])
    return locked


def thumbnail_upload(*, stream: Stream, upload) -> Stream:
    """A creator's own thumbnail (wins over automatic ones until removed)."""
    return thumbnail_set(stream=stream, image=upload, source=Stream.ThumbnailSource.CUSTOM)


def thumbnail_remove_custom(*, stream: Stream) -> Stream:
    """Drop the creator's own thumbnail; automatic ones take over again at the next refresh."""
    with transaction.atomic():
        locked = Stream.objects.select_for_update().get(pk=stream.pk)
        if locked.thumbnail_source != Stream.ThumbnailSource.CUSTOM:
            return locked
        old = [locked.thumbnail.name, *locked.thumbnail_variants.values()]
        locked.thumbnail = ""
        locked.thumbnail_variants = {}
        locked.thumbnail_source = Stream.ThumbnailSource.NONE
        locked.save(update_fields=["thumbnail", "thumbnail_variants", "thumbnail_source", "updated_at"])
        transaction.on_commit(lambda: [default_storage.delete(name) for name in old if name])
    return locked


def live_segments(stream: Stream, *, rendition: str = "src", count: int = 1) -> list[Path]:
    """The newest complete HLS segments of a live stream's rendition (those its playlist lists), oldest first."""
    parsed = hls_app_parse(stream.media_app) if stream.media_app else None
    if parsed is None:
        return []
    folder = hls_dir(latency_mode=parsed[0], premium=parsed[1])
    playlist = folder / f"{stream.pk}_{rendition}.m3u8"
    try:
        lines = playlist.read_text().splitlines()
    except OSError:
        return []
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    segments = [folder / Path(name).name for name in names[-count:]]
    return [segment for segment in segments if segment.exists()]


def live_thumbnails_refresh() -> int:
    """Every publishing stream's automatic thumbnail from its newest segment; how many were refreshed.

    One stream's bad segment or frame is logged and skipped, never stops the others.
    """
    refreshed = 0
    live = Stream.objects.filter(status=Stream.Status.LIVE).exclude(publisher_client_id="")
    for stream in live.exclude(thumbnail_source=Stream.ThumbnailSource.CUSTOM):
        try:
            refreshed += live_thumbnail_refresh(stream=stream)
        except (tools.MediaToolError, ValidationError) as exc:
            logger.warning("live thumbnail of %s: %s", stream.pk, exc)
    return refreshed


def live_thumbnail_refresh(*, stream: Stream) -> bool:
    """Take the stream's thumbnail from its newest segment (unless the creator set their own)."""
    if stream.thumbnail_source == Stream.ThumbnailSource.CUSTOM:
        return False
    segments = live_segments(stream)
    if not segments:
        return False
    with tempfile.TemporaryDirectory(prefix="thumbnail-") as work:
        frame = Path(work) / "frame.png"
        tools.frame_grab(segments[-1], frame)
        with frame.open("rb") as image:
            thumbnail_set(stream=stream, image=File(image), source=Stream.ThumbnailSource.AUTO)
    return True


# --- Clips --------------------------------------------------------------------------


def clip_create(
    *,
    stream: Stream,
    user: User,
    start_seconds: float,
    duration_seconds: float,
    title: str = "",
    recording_id=None,
) -> Clip:
    """Queue a highlight cut from one of the stream's ready recordings (the newest, unless one is named)."""
    recordings = stream.recordings.filter(status=Recording.Status.READY)
    recording = (
        recordings.filter(pk=recording_id).first() if recording_id else recordings.order_by("-created_at").first()
    )
    if recording is None:
        raise Conflict(
            "That recording is not ready." if recording_id else "This stream has no ready recording yet.",
            code="recording_not_ready",
        )
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
        from streams.tasks import cut_clip

        transaction.on_commit(lambda: cut_clip.delay(str(clip.pk)))
    return clip


def clip_process(*, clip_id) -> Clip:
    """Cut the clip with ffmpeg and store it: processing -> ready (MediaToolError for the task to retry)."""
    clip = Clip.objects.select_related("recording").get(pk=clip_id)
    if clip.status != Clip.Status.PROCESSING:
        return clip
    with tempfile.TemporaryDirectory(prefix="clip-") as work:
        source = Path(work) / "recording.mp4"
        with clip.recording.file.open("rb") as stored, source.open("wb") as local:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                local.write(chunk)
        target = Path(work) / "clip.mp4"
        tools.clip_cut(source, target, start=clip.start_seconds, duration=clip.duration_seconds)
        with target.open("rb") as video:
            clip.file.save("clip.mp4", File(video), save=False)
    Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.READY, file=clip.file.name, size_bytes=clip.file.size)
    return Clip.objects.get(pk=clip.pk)


def clip_fail(*, clip_id, error: str) -> None:
    Clip.objects.filter(pk=clip_id, status=Clip.Status.PROCESSING).update(status=Clip.Status.FAILED, error=error[:2000])


# --- Health -------------------------------------------------------------------------


def stream_health(*, stream: Stream) -> dict[str, Any]:
    """What the studio shows while live: bitrate, fps, resolution, keyframe interval, and warnings."""
    health: dict[str, Any] = {"publishing": False, "warnings": []}
    if stream.status != Stream.Status.LIVE or not stream.publisher_client_id:
        return health
    try:
        stat = nginx.stat(app="live", name=publish_name(stream))
    except nginx.MediaServerUnavailable:
        health["warnings"].append({"code": "media_server_unavailable", "detail": "The media server did not answer."})
        return health
    if stat is None:
        return health
    keyframe_interval = _keyframe_interval(stream)
    health.update(
        publishing=True,
        bitrate_kbps=stat.bitrate_kbps,
        video_kbps=stat.video_kbps,
        audio_kbps=stat.audio_kbps,
        width=stat.width,
        height=stat.height,
        fps=stat.fps,
        video_codec=stat.video_codec,
        audio_codec=stat.audio_codec,
        seconds_live=stat.seconds_live,
        keyframe_interval_seconds=keyframe_interval,
    )
    # Over 2 s, starts and quality switches suffer; the low-latency preset needs one per 1 s fragment.
    limit = min(KEYFRAME_WARN_SECONDS, settings.HLS_LATENCY_FRAGMENTS.get(stream.latency_mode, KEYFRAME_WARN_SECONDS))
    if keyframe_interval is not None and keyframe_interval > limit + 0.05:
        health["warnings"].append(
            {
                "code": "keyframe_interval",
                "detail": f"Keyframes every {keyframe_interval:.1f} s; set your encoder to {limit:g} s or less "
                "for quick starts, steady quality switching and this stream's latency.",
            }
        )
    if stat.video_kbps == 0 and stat.seconds_live > NGINX_BANDWIDTH_WINDOW_SECONDS:  # nginx measures over 10 s
        health["warnings"].append({"code": "no_video", "detail": "No video is arriving from the encoder."})
    return health


def _keyframe_interval(stream: Stream) -> float | None:
    """Longest gap between source keyframes over the newest segments of the source copy."""
    segments = live_segments(stream, count=3)
    try:
        times = tools.keyframe_times(segments)
    except tools.MediaToolError:
        return None
    gaps = [b - a for a, b in pairwise(times) if b > a]
    return round(max(gaps), 2) if gaps else None
