"""Domain signals: what happened, told after commit to whoever listens.

Apps announce moments other apps may care about (a stream went live, someone followed a creator, a payout
was paid) without knowing who listens: ``signal_on_commit`` sends the signal once the writer's transaction
commits (at once outside one), and never raises into the writer (the write has committed). Notifications
connect their receivers in ``NotificationsConfig.ready``; no app imports notifications.

Every signal is sent with ``sender=None`` and keyword arguments of plain ids and values (never model
instances: a receiver queues a Celery task, and a task takes ids).
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# streams
stream_went_live = Signal()  # stream_id, creator_id: a scheduled stream went live (API, studio or encoder)
stream_scheduled = Signal()  # stream_id, creator_id: a stream was created with a start time
follower_added = Signal()  # creator_id, follower_id: a new follow (not a change of its settings)
subscriber_added = Signal()  # creator_id, subscriber_id, subscription_id: a paid (re)subscription
subscription_renewed = Signal()  # creator_id, subscriber_id, subscription_id, period_end (ISO 8601)
subscription_lapsed = Signal()  # creator_id, subscriber_id, subscription_id
# gifts
gift_sent = Signal()  # sent_gift_id, stream_id, creator_id, sender_id
# chat
chat_mentioned = Signal()  # message_id, stream_id, sender_id, mentioned_ids (the resolved mentions), content
# accounts
verification_decided = Signal()  # request_id, user_id, status ("approved", "rejected" or "revoked")
# wallet
payout_decided = Signal()  # payout_id, creator_id, status ("paid" or "failed"), amount_kobo, attempt


def signal_on_commit(signal: Signal, **kwargs) -> None:
    """Send ``signal`` with ``kwargs`` once the caller's transaction commits; receivers' failures are logged."""

    def send_signal() -> None:
        for receiver, result in signal.send_robust(sender=None, **kwargs):
            if isinstance(result, Exception):
                logger.error("a receiver of a domain signal failed: %r", receiver, exc_info=result)

    transaction.on_commit(send_signal, robust=True)
