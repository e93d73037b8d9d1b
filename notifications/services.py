"""Writes for notifications: storing them (one user or a page of followers), reading them, choices, reminders.

``notify`` is the one way a notification is stored. A row is stored for every user who wants the kind on any
channel; ``listed`` says whether the in-app list shows it (in-app on), and e-mail and Web Push are deliveries
of the same row, queued after commit by name (``notifications.tasks.deliver_email`` / ``deliver_push``,
which stamp ``emailed_at`` / ``pushed_at`` and check their own channel's preference). Users who turned the
kind off everywhere get no row at all.

A ``dedupe_key`` makes a notification once per user: a retried fan-out inserts nothing twice (the unique
constraint, ``ignore_conflicts``), and only rows this call inserted are pushed to sockets and queued for
delivery.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from gifts.selectors import gift_streak
from livestream.errors import Conflict, NotFound
from livestream.events import user_events_send_on_commit
from livestream.task_queue import task_on_commit
from notifications.models import Channel, Kind, Notification, Preference, Reminder
from notifications.presence import online_user_ids
from notifications.selectors import (
    channel_user_ids,
    notification_payload,
    unread_count,
    unread_counts,
    user_ids_clean,
)
from streams.selectors import stream_viewer_has_access
from streams.selectors.announce import follower_ids_page, stream_get_with_creator, subscription_get
from wallet.selectors import naira_text

BATCH_SIZE = 2_000  # users per transaction: a page of followers is stored, pushed and queued on its own
REMINDER_CHOICES = (5, 15, 30, 60)
REMINDER_DEFAULT = 15
DELIVER_EMAIL_TASK = "notifications.tasks.deliver_email"
DELIVER_PUSH_TASK = "notifications.tasks.deliver_push"
TITLE_MAX, BODY_MAX, URL_MAX, KEY_MAX = 200, 500, 500, 200


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notify(
    *,
    kind: str,
    user_ids: Iterable,
    title: str,
    body: str,
    url: str,
    actor: Any = None,
    stream: Any = None,
    data: dict[str, Any] | None = None,
    dedupe_key: str = "",
) -> int:
    """Store ``kind`` for ``user_ids`` (by their choices) in batches of BATCH_SIZE, each in its own transaction
    (a savepoint inside a caller's); returns how many rows this call inserted.

    After each batch commits: the users whose in-app list shows it get ``{"type": "notification", ...}`` and
    their unread count on their sockets, and the batch's new rows are queued for e-mail and Web Push. With a
    ``dedupe_key``, a user who already has a notification under that key gets nothing new (retries are safe).
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    ids = user_ids_clean(user_ids)
    fields = {
        "kind": kind,
        "title": _clip(title, TITLE_MAX),
        "body": _clip(body, BODY_MAX),
        "url": str(url or "")[:URL_MAX],
        "actor_id": _pk(actor),
        "stream_id": _pk(stream),
        "data": data or {},
        "dedupe_key": dedupe_key[:KEY_MAX],
    }
    stored = 0
    for start in range(0, len(ids), BATCH_SIZE):
        stored += _notify_batch(user_ids=ids[start : start + BATCH_SIZE], fields=fields)
    return stored


def _notify_batch(*, user_ids: Sequence, fields: dict[str, Any]) -> int:
    chosen = channel_user_ids(user_ids=user_ids, kind=fields["kind"])
    listed = chosen[Channel.IN_APP]
    wanted = [user_id for user_id in user_ids if any(user_id in chosen[channel] for channel in Channel.values)]
    if not wanted:
        return 0
    if fields["dedupe_key"]:  # a retry reads who already has it (the unique index) instead of re-inserting
        had = set(
            Notification.objects.filter(user_id__in=wanted, dedupe_key=fields["dedupe_key"]).values_list(
                "user_id", flat=True
            )
        )
        wanted = [user_id for user_id in wanted if user_id not in had]
        if not wanted:
            return 0
    now = timezone.now()
    rows = [Notification(user_id=user_id, listed=user_id in listed, created_at=now, **fields) for user_id in wanted]
    with transaction.atomic():
        if fields["dedupe_key"]:
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            # Rows ignored as duplicates have no id: read back what this call inserted (its own timestamp).
            inserted = list(
                Notification.objects.filter(
                    user_id__in=wanted, dedupe_key=fields["dedupe_key"], created_at=now
                ).order_by("id")
            )
        else:
            inserted = Notification.objects.bulk_create(rows)
        _after_insert(inserted)
    return len(inserted)


def _after_insert(inserted: list[Notification]) -> None:
    """Caller holds the transaction: push the listed rows to their users' sockets and queue the deliveries."""
    if not inserted:
        return
    shown = [notification for notification in inserted if notification.listed]
    if shown:
        counts = unread_counts(user_ids=[notification.user_id for notification in shown])
        user_events_send_on_commit(
            {
                notification.user_id: {
                    "type": "notification",
                    "notification": notification_payload(notification),
                    "unread_count": counts.get(notification.user_id, 0),
                }
                for notification in shown
            },
            audience=online_user_ids,
        )
    notification_ids = [notification.pk for notification in inserted]
    task_on_commit(DELIVER_EMAIL_TASK, notification_ids)
    task_on_commit(DELIVER_PUSH_TASK, notification_ids)


def notify_or_update(
    *,
    kind: str,
    user_id: Any,
    dedupe_key: str,
    compose: Callable[[], dict[str, Any] | None],
) -> Notification | None:
    """One user's notification under ``dedupe_key``, stored the first time and rewritten (and made unread
    again, its socket told) after that: a gift combo is one notification per streak whose count grows.

    ``compose`` reads what the notification says (``title``, ``body``, ``url``, and optionally ``actor``,
    ``stream``, ``data``; None: nothing to say) and is called while this user's row under the key is locked
    (or, the first time, just before it is inserted; a racing first insert makes the loser lock and compose
    again). So writers take turns and each reads after the one before it committed: two gifts of a streak at
    once cannot leave the count of the first. Only the first write is queued for e-mail and push (a streak of
    50 is not 50 pushes). None when the user wants the kind on no channel."""
    user_id = user_ids_clean([user_id])[0]
    key = dedupe_key[:KEY_MAX]
    chosen = channel_user_ids(user_ids=[user_id], kind=kind)
    if not any(user_id in chosen[channel] for channel in Channel.values):
        return None
    listed = user_id in chosen[Channel.IN_APP]

    def fields() -> dict[str, Any] | None:
        said = compose()
        if said is None:
            return None
        return {
            "title": _clip(said["title"], TITLE_MAX),
            "body": _clip(said["body"], BODY_MAX),
            "url": str(said["url"] or "")[:URL_MAX],
            "actor_id": _pk(said.get("actor")),
            "stream_id": _pk(said.get("stream")),
            "data": said.get("data") or {},
            "listed": listed,
        }

    with transaction.atomic():
        existing = Notification.objects.select_for_update().filter(user_id=user_id, dedupe_key=key).first()
        if existing is None:
            first = fields()
            if first is None:
                return None
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(user_id=user_id, kind=kind, dedupe_key=key, **first)
            except IntegrityError:  # a concurrent first write won (we waited for its commit): update it instead
                existing = Notification.objects.select_for_update().get(user_id=user_id, dedupe_key=key)
            else:
                _after_insert([notification])
                return notification
        update = fields()  # the row is locked: this reads everything committed before the last writer let go
        if update is None:
            return existing
        for field, value in update.items():
            setattr(existing, field, value)
        existing.read_at = None
        existing.created_at = timezone.now()
        existing.save(update_fields=[*update, "read_at", "created_at"])
        if existing.listed:
            user_events_send_on_commit(
                {
                    user_id: {
                        "type": "notification",
                        "notification": notification_payload(existing),
                        "unread_count": unread_count(user_id=user_id),
                    }
                },
                audience=online_user_ids,
            )
        return existing


def notifications_mark_read(*, user, ids: Iterable | None = None, all: bool = False) -> int:
    """Mark the user's notifications read (``ids``, or ``all``); returns how many changed. Other users' ids
    are ignored. After commit the user's sockets get the new unread count."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if not all:
        id_list = list(ids or [])
        if not id_list:
            return 0
        unread = unread.filter(pk__in=id_list)
    with transaction.atomic():
        changed = unread.update(read_at=timezone.now())
        if changed:
            user_events_send_on_commit(
                {user.pk: {"type": "unread_count", "count": unread_count(user_id=user.pk)}}, audience=online_user_ids
            )
    return changed


def preferences_set(*, user, choices: dict[str, dict[str, bool]]) -> None:
    """Store the user's choices ({kind: {channel: enabled}}); kinds and channels left out keep their value.

    Unknown kinds or channels, or values that are not true/false, are a ValidationError (nothing is stored)."""
    if not isinstance(choices, dict):
        raise ValidationError({"preferences": ["Send an object of kinds, each an object of channels."]})
    rows = []
    for kind, channels in choices.items():
        if kind not in Kind.values:
            raise ValidationError({"preferences": [f"Unknown kind {str(kind)[:40]!r}."]})
        if not isinstance(channels, dict):
            raise ValidationError({kind: ["Send an object of channels (in_app, email, push) to true or false."]})
        for channel, enabled in channels.items():
            if channel not in Channel.values:
                raise ValidationError({kind: [f"Unknown channel {str(channel)[:40]!r}."]})
            if not isinstance(enabled, bool):
                raise ValidationError({kind: [f"{channel} must be true or false."]})
            rows.append(Preference(user=user, kind=kind, channel=channel, enabled=enabled))
    with transaction.atomic():
        Preference.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["user", "kind", "channel"], update_fields=["enabled"]
        )


# --- Reminders ------------------------------------------------------------------------------------------


def reminder_set(*, user, stream, minutes_before: int = REMINDER_DEFAULT) -> tuple[Reminder, bool]:
    """Remind ``user`` of a scheduled ``stream`` (the caller checked the user may see it) ``minutes_before`` its
    start; setting it again changes the minutes. Returns (reminder, created).

    A stream that is not scheduled, or has no start time, or starts before now is a Conflict
    ``not_scheduled``."""
    if minutes_before not in REMINDER_CHOICES:
        raise ValidationError({"minutes_before": [f"Choose one of {', '.join(map(str, REMINDER_CHOICES))}."]})
    start = stream.scheduled_start_time
    if stream.status != "scheduled" or start is None or start <= timezone.now():
        raise Conflict("Only a stream scheduled to start later can be reminded of.", code="not_scheduled")
    remind_at = start - timedelta(minutes=minutes_before)
    with transaction.atomic():
        reminder, created = Reminder.objects.select_for_update().get_or_create(
            user=user, stream=stream, defaults={"minutes_before": minutes_before, "remind_at": remind_at}
        )
        if not created:
            reminder.minutes_before = minutes_before
            reminder.remind_at = remind_at
            reminder.sent_at = None
            reminder.save(update_fields=["minutes_before", "remind_at", "sent_at"])
    return reminder, created


def reminder_delete(*, user, stream_id) -> None:
    """Forget the user's reminder of the stream; NotFound if there is none."""
    deleted, _ = Reminder.objects.filter(user=user, stream_id=stream_id).delete()
    if not deleted:
        raise NotFound("You have no reminder for this stream.")


REMINDER_BATCH = 200  # reminders claimed (locked, stamped) per short transaction


def reminders_send_due(*, now=None, batch_size: int = REMINDER_BATCH, limit: int = 5_000) -> int:
    """Send every reminder whose time has come (up to ``limit`` a run), once. Returns how many were sent.

    Reminders are claimed ``batch_size`` at a time: a short transaction locks due rows with ``skip_locked`` (a
    racing beat takes others) and stamps ``sent_at``, then commits, so no lock is held while the batch is
    notified. A beat that fails while notifying gives its batch back (``sent_at`` cleared) for the next one;
    the notification's dedupe key ("reminder:<stream>") makes anything already stored for it store nothing
    twice. Reminders of streams no longer scheduled (started, ended, moved into the past) or made private are
    closed without a notification."""
    now = now or timezone.now()
    sent = claimed = 0
    while claimed < limit:
        with transaction.atomic():
            batch = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(sent_at__isnull=True, remind_at__lte=now)
                .order_by("remind_at", "pk")
                .values_list("pk", flat=True)[: min(batch_size, limit - claimed)]
            )
            if not batch:
                break
            Reminder.objects.filter(pk__in=batch).update(sent_at=now)
        claimed += len(batch)
        try:
            sent += _reminders_notify(reminder_ids=batch, now=now)
        except BaseException:
            Reminder.objects.filter(pk__in=batch, sent_at=now).update(sent_at=None)
            raise
    return sent


def _reminders_notify(*, reminder_ids: list, now) -> int:
    """Notify a claimed batch of reminders, one ``notify`` per stream (no transaction open: ``notify`` opens its
    own per batch of users)."""
    reminders = Reminder.objects.filter(pk__in=reminder_ids).select_related("stream", "stream__creator")
    by_stream: dict[Any, list[Reminder]] = {}
    for reminder in reminders:
        by_stream.setdefault(reminder.stream_id, []).append(reminder)
    sent = 0
    for stream_reminders in by_stream.values():
        stream = stream_reminders[0].stream
        start = stream.scheduled_start_time
        if stream.status != "scheduled" or start is None or start < now - timedelta(minutes=5):
            continue
        if stream.visibility == "private":  # made private since: its title is no one's business
            continue
        minutes = max(0, math.ceil((start - now).total_seconds() / 60))
        sent += notify(
            kind=Kind.REMINDER,
            user_ids=[reminder.user_id for reminder in stream_reminders],
            title=f"{stream.title} starts in {minutes} min" if minutes else f"{stream.title} is about to start",
            body=f"{stream.creator.public_name}'s stream",
            url=f"/streams/{stream.pk}/",
            actor=stream.creator_id,
            stream=stream.pk,
            data={"scheduled_start_time": start.isoformat()},
            dedupe_key=f"reminder:{stream.pk}",
        )
    return sent


# --- The kinds: what each moment says, to whom --------------------------------------------------------------
# Each takes ids (a task's arguments), reads what it needs and calls notify. Called by notifications.tasks,
# which the receivers (notifications.receivers) queue after the moment's transaction commits.


def _stream_url(stream_id) -> str:
    return f"/streams/{stream_id}/"


def _channel_url(username: str) -> str:
    return f"/@{username}/"


FOLLOW_FLAG = {Kind.LIVE: "notify_go_live", Kind.SCHEDULED: "notify_scheduled"}


def followers_notify(*, kind: str, creator_id, stream_id, page_size: int = BATCH_SIZE) -> int:
    """Tell a creator's followers (those who asked for ``kind`` on that follow) that a public stream went live
    or was scheduled, one page of followers per transaction (keyset on the follow's id: no OFFSET, no page
    held in memory beyond ``page_size`` ids). Safe to repeat: one notification per follower and stream."""
    if kind not in FOLLOW_FLAG:
        raise ValueError(f"Followers are told of 'live' or 'scheduled', not {kind!r}.")
    stream = stream_get_with_creator(stream_id=stream_id, creator_id=creator_id)
    if stream is None or stream.visibility != "public":
        return 0  # unlisted and private streams are shared by their link, not announced
    if kind == Kind.LIVE and stream.status != "live":
        return 0  # ended before the task ran
    if kind == Kind.SCHEDULED and (stream.status != "scheduled" or stream.scheduled_start_time is None):
        return 0
    name = stream.creator.public_name
    if kind == Kind.LIVE:
        title, body, key = f"{name} is live", stream.title, f"live:{stream.pk}"
        data: dict[str, Any] = {"creator": stream.creator.username}
    else:
        start = timezone.localtime(stream.scheduled_start_time)
        title = f"{name} scheduled a stream"
        body = f"{stream.title} · {start:%a %d %b, %H:%M %Z}"
        key = f"scheduled:{stream.pk}"
        data = {"creator": stream.creator.username, "scheduled_start_time": stream.scheduled_start_time.isoformat()}
    # A page of follows alone (streams.selectors.announce); its deactivated followers are dropped by primary key.
    stored, last = 0, 0
    while True:
        page = follower_ids_page(creator_id=creator_id, asked_for=FOLLOW_FLAG[kind], after=last, limit=page_size)
        if not page:
            return stored
        last = page[-1][0]
        active = User.objects.filter(pk__in=[follower_id for _pk_, follower_id in page], is_active=True)
        stored += notify(
            kind=kind,
            user_ids=list(active.values_list("pk", flat=True)),
            title=title,
            body=body,
            url=_stream_url(stream.pk),
            actor=stream.creator_id,
            stream=stream.pk,
            data=data,
            dedupe_key=key,
        )


def _user(user_id):
    return User.objects.filter(pk=user_id, is_active=True).first()


def follower_notify(*, creator_id, follower_id) -> int:
    """A creator is told of a new follower (once per follower, however often they re-follow)."""
    follower = _user(follower_id)
    if follower is None:
        return 0
    return notify(
        kind=Kind.FOLLOWER,
        user_ids=[creator_id],
        title=f"{follower.public_name} followed you",
        body="",
        url=_channel_url(follower.username),
        actor=follower,
        dedupe_key=f"follower:{follower.pk}",
    )


def subscriber_notify(*, creator_id, subscriber_id, subscription_id) -> int:
    """A creator is told of a paid (re)subscription."""
    subscriber = _user(subscriber_id)
    subscription = subscription_get(subscription_id=subscription_id)
    if subscriber is None or subscription is None:
        return 0
    return notify(
        kind=Kind.SUBSCRIBER,
        user_ids=[creator_id],
        title=f"{subscriber.public_name} subscribed to you",
        body=f"{subscription.price_coins} coins a month",
        url=_channel_url(subscriber.username),
        actor=subscriber,
        dedupe_key=f"subscriber:{subscription.pk}:{subscription.current_period_end.isoformat()}",
    )


def subscription_notify(*, kind: str, creator_id, subscriber_id, subscription_id, period_end: str = "") -> int:
    """A subscriber is told their subscription renewed or lapsed."""
    creator = _user(creator_id)
    if creator is None or kind not in (Kind.SUBSCRIPTION_RENEWED, Kind.SUBSCRIPTION_LAPSED):
        return 0
    if kind == Kind.SUBSCRIPTION_RENEWED:
        title = f"Your subscription to {creator.public_name} renewed"
        body, key = "The next month is paid from your coins.", f"renewed:{subscription_id}:{period_end}"
    else:
        title = f"Your subscription to {creator.public_name} lapsed"
        body = "Your wallet did not have enough coins. Top up and subscribe again from their page."
        key = f"lapsed:{subscription_id}:{timezone.now():%Y-%m-%d}"
    return notify(
        kind=kind,
        user_ids=[subscriber_id],
        title=title,
        body=body,
        url=_channel_url(creator.username),
        actor=creator,
        dedupe_key=key,
    )


def gift_notify(*, sent_gift_id) -> Notification | None:
    """The creator is told of a gift: one notification per streak (a combo of 50 is one, its count rising).

    A streak is the sender's run of the same gift on the stream (``gifts.selectors.gift_streak``); its key is the
    run's first gift. The count is read while the notification is locked and sums the whole streak so far, so
    gifts notified at once, or a task of an earlier gift that runs late, never take it back. An anonymous gift
    does not name its sender."""
    streak = gift_streak(sent_gift_id=sent_gift_id)
    if streak is None:
        return None

    def compose() -> dict[str, Any] | None:
        now = gift_streak(sent_gift_id=sent_gift_id)
        if now is None:
            return None
        who = "Someone" if now.is_anonymous else now.sender_name
        return {
            "title": f"{who} sent you {now.gift_name} ×{now.count}"
            if now.count > 1
            else f"{who} sent you {now.gift_name}",
            "body": f"{now.coins} coins on {now.stream_title}",
            "url": _stream_url(now.stream_id),
            "actor": None if now.is_anonymous else now.sender_id,
            "stream": now.stream_id,
            "data": {"gift": now.gift_name, "count": now.count, "coins": now.coins},
        }

    return notify_or_update(
        kind=Kind.GIFT, user_id=streak.creator_id, dedupe_key=f"gift:{streak.first_id}", compose=compose
    )


def mention_notify(*, message_id, stream_id, sender_id, mentioned_ids: Iterable, content: str) -> int:
    """Users mentioned in a chat message are told (each once per message), unless they turned mentions off
    (their MENTION choices, applied by notify), are the sender, or may not read the chat (a private stream's is
    its creator's; a premium stream's is for those with access: the message text is in the notification). There
    is no user-to-user block in the platform yet, so none is checked."""
    sender = _user(sender_id)
    stream = stream_get_with_creator(stream_id=stream_id)
    if sender is None or stream is None:
        return 0
    ids = {str(user_id) for user_id in mentioned_ids} - {str(sender.pk)}
    if stream.visibility == "private":
        ids &= {str(stream.creator_id)}
    users = User.objects.filter(pk__in=ids, is_active=True)
    recipients = [user.pk for user in users if stream_viewer_has_access(stream, user)]  # a few mentions a message
    return notify(
        kind=Kind.MENTION,
        user_ids=recipients,
        title=f"{sender.public_name} mentioned you in {stream.title}",
        body=content,
        url=_stream_url(stream.pk),
        actor=sender,
        stream=stream.pk,
        dedupe_key=f"mention:{message_id}",
    )


VERIFICATION_TEXT = {
    "approved": ("Your verification request was approved", "Your channel now shows the verified badge."),
    "rejected": ("Your verification request was not approved", "See the reason on your verification page."),
    "revoked": ("Your verified badge was removed", "See the reason on your verification page."),
}


def verification_notify(*, request_id, user_id, status: str) -> int:
    if status not in VERIFICATION_TEXT:
        return 0
    title, body = VERIFICATION_TEXT[status]
    return notify(
        kind=Kind.VERIFICATION,
        user_ids=[user_id],
        title=title,
        body=body,
        url="/studio/verification/",
        data={"status": status},
        dedupe_key=f"verification:{request_id}:{status}",
    )


def payout_notify(*, payout_id, creator_id, status: str, amount_kobo: int, attempt: int = 1) -> int:
    """A payout paid or failed; each attempt's outcome once (a payout staff retry can fail again)."""
    kobo = amount_kobo
    if status not in ("paid", "failed"):
        return 0
    amount = naira_text(kobo, always_kobo=True)
    if status == "paid":
        title, body = f"Your payout of {amount} was paid", "It is on its way to your bank account."
    else:
        title, body = f"Your payout of {amount} failed", "The coins are back in your earnings; check your bank details."
    return notify(
        kind=Kind.PAYOUT,
        user_ids=[creator_id],
        title=title,
        body=body,
        url="/studio/money/",
        data={"status": status, "amount_kobo": kobo},
        dedupe_key=f"payout:{payout_id}:{attempt}:{status}",
    )
