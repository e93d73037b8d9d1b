"""Celery tasks for notifications: take ids, call a service; retries live here."""

import logging

from celery import shared_task

from notifications.delivery.email import email_deliver
from notifications.delivery.push import push_deliver

logger = logging.getLogger(__name__)


# --- delivery (push helper) ---
# Queued by name after commit by notifications.services.notify, one batch of up to ~2,000 rows each.
DELIVERY_RETRIES = 5
DELIVERY_RETRY_SECONDS = 60


def _retry(task, *, name: str, failed: list[int]) -> None:
    """Queue the rows that failed for a passing reason again, later (backing off). Eager Celery (``make run``
    without Redis) runs inline and would retry at once: there the rows stay unsent and it is logged."""
    if not failed:
        return
    if task.request.is_eager or task.request.retries >= DELIVERY_RETRIES:
        logger.warning("notifications: %s gave up on %d notifications", name, len(failed))
        return
    task.retry(
        kwargs={"notification_ids": failed},
        countdown=DELIVERY_RETRY_SECONDS * 2**task.request.retries,
        max_retries=DELIVERY_RETRIES,
    )


@shared_task(bind=True, acks_late=True)
def deliver_email(self, notification_ids: list[int]) -> int:
    """Mail a batch of notifications (``notifications.delivery.email``); returns how many were sent."""
    result = email_deliver(notification_ids=list(notification_ids))
    _retry(self, name="deliver_email", failed=result.failed)
    return len(result.sent)


@shared_task(bind=True, acks_late=True)
def deliver_push(self, notification_ids: list[int]) -> int:
    """Push a batch of notifications to their users' browsers (``notifications.delivery.push``)."""
    result = push_deliver(notification_ids=list(notification_ids))
    _retry(self, name="deliver_push", failed=result.failed)
    return len(result.sent)


# --- end delivery (push helper) ---
