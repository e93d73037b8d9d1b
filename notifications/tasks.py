"""Celery tasks for notifications: each takes ids, fetches and calls a service (notifications.services).

The receivers (notifications.receivers) queue them by name once the moment's transaction has committed; a
retry is safe because every notification carries a dedupe key.
"""

import logging

from celery import shared_task

from notifications import services
from notifications.delivery.email import email_deliver
from notifications.delivery.push import push_deliver

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (Exception,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(acks_late=True, **RETRY)
def fan_out_followers(kind: str, creator_id: str, stream_id: str) -> int:
    """Tell a creator's followers a stream went live or was scheduled, a page of followers per transaction."""
    stored = services.followers_notify(kind=kind, creator_id=creator_id, stream_id=stream_id)
    logger.info("%s of stream %s: %s followers notified", kind, stream_id, stored)
    return stored


@shared_task(acks_late=True, **RETRY)
def notify_follower(creator_id: str, follower_id: str) -> int:
    return services.follower_notify(creator_id=creator_id, follower_id=follower_id)


@shared_task(acks_late=True, **RETRY)
def notify_subscriber(creator_id: str, subscriber_id: str, subscription_id: int) -> int:
    return services.subscriber_notify(
        creator_id=creator_id, subscriber_id=subscriber_id, subscription_id=subscription_id
    )


@shared_task(acks_late=True, **RETRY)
def notify_subscription(
    kind: str, creator_id: str, subscriber_id: str, subscription_id: int, period_end: str = ""
) -> int:
    return services.subscription_notify(
        kind=kind,
        creator_id=creator_id,
        subscriber_id=subscriber_id,
        subscription_id=subscription_id,
        period_end=period_end,
    )


@shared_task(acks_late=True, **RETRY)
def notify_gift(sent_gift_id: str) -> bool:
    return services.gift_notify(sent_gift_id=sent_gift_id) is not None


@shared_task(acks_late=True, **RETRY)
def notify_mention(message_id: str, stream_id: str, sender_id: str, mentioned_ids: list, content: str) -> int:
    return services.mention_notify(
        message_id=message_id, stream_id=stream_id, sender_id=sender_id, mentioned_ids=mentioned_ids, content=content
    )


@shared_task(acks_late=True, **RETRY)
def notify_verification(request_id: int, user_id: str, status: str) -> int:
    return services.verification_notify(request_id=request_id, user_id=user_id, status=status)


@shared_task(acks_late=True, **RETRY)
def notify_payout(payout_id: int, creator_id: str, status: str, amount_kobo: int, attempt: int = 1) -> int:
    return services.payout_notify(
        payout_id=payout_id, creator_id=creator_id, status=status, amount_kobo=amount_kobo, attempt=attempt
    )


@shared_task(acks_late=True)
def send_due_reminders() -> int:
    """Beat, every minute: send the reminders whose time has come (each once)."""
    return services.reminders_send_due()


# --- Deliveries ---
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
