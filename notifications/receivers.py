"""Notifications listen: each domain signal (livestream.signals, sent after commit) queues a task by name.

No app imports notifications; ``NotificationsConfig.ready`` connects these. A receiver does no query: it only
queues, so the request or task that announced the moment is not slowed by who gets told.
"""

from livestream import signals
from livestream.task_queue import task_on_commit

TASKS = "notifications.tasks."


def _went_live(sender, *, stream_id, creator_id, **kwargs) -> None:
    task_on_commit(TASKS + "fan_out_followers", "live", str(creator_id), str(stream_id))


def _scheduled(sender, *, stream_id, creator_id, **kwargs) -> None:
    task_on_commit(TASKS + "fan_out_followers", "scheduled", str(creator_id), str(stream_id))


def _follower(sender, *, creator_id, follower_id, **kwargs) -> None:
    task_on_commit(TASKS + "notify_follower", str(creator_id), str(follower_id))


def _subscriber(sender, *, creator_id, subscriber_id, subscription_id, **kwargs) -> None:
    task_on_commit(TASKS + "notify_subscriber", str(creator_id), str(subscriber_id), subscription_id)


def _renewed(sender, *, creator_id, subscriber_id, subscription_id, period_end="", **kwargs) -> None:
    task_on_commit(
        TASKS + "notify_subscription",
        "subscription_renewed",
        str(creator_id),
        str(subscriber_id),
        subscription_id,
        period_end,
    )


def _lapsed(sender, *, creator_id, subscriber_id, subscription_id, **kwargs) -> None:
    task_on_commit(
        TASKS + "notify_subscription", "subscription_lapsed", str(creator_id), str(subscriber_id), subscription_id
    )


def _gift(sender, *, sent_gift_id, **kwargs) -> None:
    task_on_commit(TASKS + "notify_gift", str(sent_gift_id))


def _mentioned(sender, *, message_id, stream_id, sender_id, mentioned_ids, content, **kwargs) -> None:
    task_on_commit(
        TASKS + "notify_mention",
        str(message_id),
        str(stream_id),
        str(sender_id),
        [str(user_id) for user_id in mentioned_ids],
        content,
    )


def _verification(sender, *, request_id, user_id, status, **kwargs) -> None:
    task_on_commit(TASKS + "notify_verification", request_id, str(user_id), status)


def _payout(sender, *, payout_id, creator_id, status, amount_kobo, attempt=1, **kwargs) -> None:
    task_on_commit(TASKS + "notify_payout", payout_id, str(creator_id), status, amount_kobo, attempt)


RECEIVERS = (
    (signals.stream_went_live, _went_live),
    (signals.stream_scheduled, _scheduled),
    (signals.follower_added, _follower),
    (signals.subscriber_added, _subscriber),
    (signals.subscription_renewed, _renewed),
    (signals.subscription_lapsed, _lapsed),
    (signals.gift_sent, _gift),
    (signals.chat_mentioned, _mentioned),
    (signals.verification_decided, _verification),
    (signals.payout_decided, _payout),
)


def connect() -> None:
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"notifications.{receiver.__name__}")
