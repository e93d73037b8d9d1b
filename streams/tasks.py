"""Celery tasks for streams: subscription renewals."""

from celery import shared_task

from streams.services.monetization import subscription_renew, subscriptions_due


@shared_task(acks_late=True)
def renew_subscriptions_task() -> dict:
    """Renew every due subscription, each in its own transaction (beat runs this every 15 minutes)."""
    outcome = {"renewed": 0, "lapsed": 0, "skipped": 0}
    for subscription_id in subscriptions_due():
        outcome[subscription_renew(subscription_id=subscription_id)] += 1
    return outcome
