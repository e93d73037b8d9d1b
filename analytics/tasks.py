"""Celery tasks for analytics: take ids, call the rollup services (``analytics.services``)."""

import logging

from celery import shared_task

from analytics.services import creator_rollup, stream_rollup
from streams.selectors.audience import stream_live_ids

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def stream_rollup_task(stream_id: str) -> bool:
    """Roll up every minute of a stream and its creator's days: queued once when the stream ends."""
    stats = stream_rollup(stream_id=stream_id, full=True)
    if stats is not None:
        creator_rollup(creator_id=stats.creator_id)
    return stats is not None


@shared_task(acks_late=True)
def rollup_live_streams() -> int:
    """Beat, every minute: roll up each live stream's new minutes and its creator's days. A stream that fails is
    logged and left to the next run (or to its next read)."""
    done = 0
    creators = set()
    for stream_id in stream_live_ids():
        try:
            stats = stream_rollup(stream_id=stream_id)
        except Exception:
            logger.exception("analytics: the rollup of stream %s failed", stream_id)
            continue
        if stats is not None:
            creators.add(stats.creator_id)
            done += 1
    for creator_id in creators:
        try:
            creator_rollup(creator_id=creator_id)
        except Exception:
            logger.exception("analytics: the rollup of creator %s failed", creator_id)
    return done
