"""nginx-rtmp's hooks as services: an encoder connects (the stream goes live) and leaves (it ends now, or
after the reconnect grace period), vanished encoders are noticed, and the one step that ends a live stream.

The HTTP side is streams/hooks.py; the Celery side (drop an encoder, end dropped streams) is streams/tasks.py,
queued here by name after commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from livestream.events import send_event_on_commit
from livestream.signals import signal_on_commit, stream_went_live
from livestream.task_queue import task_on_commit
from streams.media import nginx
from streams.media.config import hls_app_name
from streams.models import Stream
from streams.selectors.media import publish_name, publisher_present
from streams.services.media.webrtc import webrtc_mount_close_on_commit, webrtc_mount_open

logger = logging.getLogger(__name__)

VANISHED_AFTER_SECONDS = 30


class PublishRefused(Exception):
    """nginx-rtmp must refuse this publish (the hook answers 403)."""


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
        if publisher_present(known):
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
            signal_on_commit(stream_went_live, stream_id=stream.pk, creator_id=stream.creator_id)
    logger.info("stream %s: publishing as client %s into %s", stream.pk, client_id, stream.media_app)
    # Before the hook answers: the ladder nginx starts next reads the stream's RTP ports from the mount's file.
    webrtc_mount_open(stream_id=stream.pk)
    return publish_name(stream)


def publish_end(*, key: str, client_id: str) -> None:
    """The encoder left. The stream ends now, or after the reconnect grace period when a worker can wait."""
    with transaction.atomic():
        stream = Stream.objects.select_for_update().filter(stream_key=key).first() if key else None
        if stream is None or stream.publisher_client_id != client_id:
            return  # refused, already stopped from the API, or an older connection's late goodbye
        publisher_release(stream=stream, drop=False)


def live_stream_end(*, stream: Stream) -> Stream:
    """live -> ended: the one step for a stop from the API, an encoder gone for good, and a grace period run out.

    The caller holds the live stream's row lock in a transaction. Viewers are zeroed, an encoder still
    connected is dropped (its publish_done then finds no publisher), and the room hears it after commit.
    """
    stream.status = Stream.Status.ENDED
    stream.ended_at = timezone.now()
    stream.current_viewers = 0
    stream.save(update_fields=["status", "ended_at", "current_viewers", "updated_at"])
    publisher_release(stream=stream, drop=True)
    webrtc_mount_close_on_commit(stream=stream)
    send_event_on_commit({"type": "stream_status", "status": stream.status}, room=stream.pk)
    # Its analytics, rolled up once more now that every minute is in (by name: streams imports no analytics).
    task_on_commit("analytics.tasks.stream_rollup_task", str(stream.pk))
    return stream


def publisher_release(*, stream: Stream, drop: bool) -> None:
    """Forget the stream's encoder: the one step for publish_done, a key rotation and a stop.

    The caller holds the stream's row lock in a transaction. ``drop`` has nginx-rtmp disconnect the encoder
    after commit (it is still connected). A stream left live waits the reconnect grace period for its encoder
    when a worker can wait to end it; where none can (eager Celery: ``make run`` without Redis, or a grace of
    0) it ends now - otherwise nothing would ever end it.
    """
    if not stream.publisher_client_id:
        return
    if drop:
        task_on_commit("streams.tasks.drop_publisher_task", publish_name(stream))
    live = stream.status == Stream.Status.LIVE
    grace = reconnect_grace_seconds() if live else 0
    stream.publisher_client_id = ""
    stream.publisher_dropped_at = timezone.now() if grace else None
    stream.save(update_fields=["publisher_client_id", "publisher_dropped_at", "updated_at"])
    if grace:
        task_on_commit("streams.tasks.end_dropped_streams", countdown=grace + 1)
    elif live:
        live_stream_end(stream=stream)


def reconnect_grace_seconds() -> int:
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
    """End the live streams whose encoder left more than the grace period ago (each in its own transaction,
    checked again under its lock: an encoder may have come back meanwhile); how many ended."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.STREAM_RECONNECT_GRACE_SECONDS)
    overdue = Stream.objects.filter(status=Stream.Status.LIVE, publisher_client_id="", publisher_dropped_at__lte=cutoff)
    ended = 0
    for stream_id in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            stream = overdue.select_for_update().filter(pk=stream_id).first()
            if stream is None:
                continue  # stopped, or its encoder came back, meanwhile
            live_stream_end(stream=stream)
            ended += 1
    return ended
