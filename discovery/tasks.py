"""Celery tasks for discovery: the trending scores' refresh (beat, every minute)."""

from celery import shared_task

from discovery.services import trending_refresh


@shared_task(acks_late=True)
def trending_refresh_task() -> int:
    """Beat, every minute: recompute every live (or just ended) stream's trending score. Returns how many."""
    return trending_refresh()
