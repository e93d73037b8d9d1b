"""Celery tasks for streams: subscription renewals and the media pipeline's jobs (ffmpeg runs here).

Each takes ids, fetches and calls a service; services queue them by name after commit
(``livestream.task_queue.task_on_commit``) and never import this module.
"""

import logging

from celery import shared_task

from streams.media import nginx
from streams.media.tools import MediaToolError
from streams.services.media.clips import CLIP_MAX_ATTEMPTS, clip_fail, clip_process
from streams.services.media.publishing import dropped_streams_end, vanished_publishers_mark
from streams.services.media.recordings import (
    RECORDING_MAX_ATTEMPTS,
    recording_fail,
    recording_process,
    recordings_prune,
)
from streams.services.media.requeue import media_jobs_requeue_stuck
from streams.services.media.thumbnails import live_thumbnails_refresh
from streams.services.media.webrtc import webrtc_mount_close, webrtc_mounts_reconcile
from streams.services.monetization import subscription_renew, subscriptions_due

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def renew_subscriptions_task() -> dict:
    """Renew every due subscription, each in its own transaction (beat runs this every 15 minutes)."""
    outcome = {"renewed": 0, "lapsed": 0, "skipped": 0}
    for subscription_id in subscriptions_due():
        outcome[subscription_renew(subscription_id=subscription_id)] += 1
    return outcome


def _ffmpeg_job(task, work, fail) -> str:
    """Run ``work`` (returns the job's status); on an ffmpeg failure retry, and after the last try ``fail``
    with ffmpeg's words (an eager task does not retry)."""
    try:
        return work()
    except MediaToolError as exc:
        if task.request.retries >= task.max_retries or task.request.is_eager:
            fail(str(exc))
            return "failed"
        raise task.retry(exc=exc) from exc


@shared_task(bind=True, acks_late=True, max_retries=RECORDING_MAX_ATTEMPTS - 1, default_retry_delay=30)
def process_recording(self, recording_id: str) -> str:
    """record_done -> MP4 + probe + thumbnail -> a ready VOD; retried, then marked failed with ffmpeg's words."""
    return _ffmpeg_job(
        self,
        lambda: recording_process(recording_id=recording_id).status,
        lambda error: recording_fail(recording_id=recording_id, error=error),
    )


@shared_task(bind=True, acks_late=True, max_retries=CLIP_MAX_ATTEMPTS - 1, default_retry_delay=15)
def cut_clip(self, clip_id: str) -> str:
    """A creator's highlight cut from a recording; retried, then marked failed with ffmpeg's words."""
    return _ffmpeg_job(
        self,
        lambda: clip_process(clip_id=clip_id).status,
        lambda error: clip_fail(clip_id=clip_id, error=error),
    )


@shared_task(acks_late=True, ignore_result=True)
def refresh_live_thumbnails() -> int:
    """Beat, every minute: each live stream's thumbnail from its newest segment (creators' own ones stay)."""
    return live_thumbnails_refresh()


@shared_task(acks_late=True, ignore_result=True)
def end_dropped_streams() -> int:
    """Beat (and after each drop): end streams whose encoder has not come back within the grace period;
    first, mark those whose encoder vanished from nginx-rtmp without a publish_done (a crash or restart)."""
    vanished_publishers_mark()
    return dropped_streams_end()


@shared_task(acks_late=True, ignore_result=True)
def requeue_stuck_media() -> dict:
    """Beat, every few minutes: recordings and clips whose task was lost, queued again or, past their retry
    budget, marked failed (streams/services/media/requeue.py)."""
    return media_jobs_requeue_stuck()


@shared_task(acks_late=True, ignore_result=True)
def prune_recordings() -> int:
    """Beat, daily: delete recordings past their creator's retention."""
    return recordings_prune()


@shared_task(acks_late=True, ignore_result=True)
def drop_publisher_task(name: str) -> bool:
    """A stream stopped from the API: disconnect its encoder from nginx-rtmp."""
    return nginx.drop_publisher(app="live", name=name)


@shared_task(acks_late=True, ignore_result=True)
def close_webrtc_mount_task(stream_id: str) -> bool:
    """A stream ended: destroy its Janus mountpoint and free its ports (reconcile retries when Janus is away)."""
    return webrtc_mount_close(stream_id=stream_id)


@shared_task(acks_late=True, ignore_result=True)
def reconcile_webrtc_mounts() -> dict:
    """Beat, every 30 s: Janus's mountpoints and the live streams in step, both ways (after a crash or restart)."""
    result = webrtc_mounts_reconcile()
    return {"created": result.created, "destroyed": result.destroyed, "strays": result.strays, "up": result.janus_up}
