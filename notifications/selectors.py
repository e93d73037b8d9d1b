"""Reads for notifications: who wants what by which channel, a user's list and unread count, due reminders."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from notifications.models import CHANNEL_DEFAULTS, Channel, Kind, Notification, Preference, Reminder


def user_ids_clean(user_ids: Iterable) -> list:
    """User ids as the database gives them back (UUIDs from strings a task carried), once each, in order."""
    to_python = get_user_model()._meta.pk.to_python
    return list(dict.fromkeys(to_python(user_id) for user_id in user_ids))


def channel_user_ids(*, user_ids: Iterable, kind: str) -> dict[str, set]:
    """For each channel, which of ``user_ids`` want ``kind`` on it (their Preference rows over CHANNEL_DEFAULTS).

    One query, whatever the number of users (the caller batches them)."""
    ids = user_ids_clean(user_ids)
    chosen = {channel: set() for channel in Channel.values}
    overrides: dict[str, dict] = {channel: {} for channel in Channel.values}
    rows = Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "channel", "enabled")
    for user_id, channel, enabled in rows:
        overrides[channel][user_id] = enabled
    for channel in Channel.values:
        default = CHANNEL_DEFAULTS[channel][kind]
        own = overrides[channel]
        chosen[channel] = {user_id for user_id in ids if own.get(user_id, default)}
    return chosen


def enabled_user_ids(*, user_ids: Iterable, kind: str, channel: str) -> set:
    """Which of ``user_ids`` want ``kind`` by ``channel`` (one query)."""
    ids = user_ids_clean(user_ids)
    default = CHANNEL_DEFAULTS[channel][kind]
    own = dict(Preference.objects.filter(user_id__in=ids, kind=kind, channel=channel).values_list("user_id", "enabled"))
    return {user_id for user_id in ids if own.get(user_id, default)}


def preferences_get(*, user) -> dict[str, dict[str, bool]]:
    """Every kind x channel with its value for ``user``: {kind: {channel: enabled}} (one query)."""
    table = {kind: {channel: CHANNEL_DEFAULTS[channel][kind] for channel in Channel.values} for kind in Kind.values}
    for kind, channel, enabled in Preference.objects.filter(user=user).values_list("kind", "channel", "enabled"):
        if kind in table and channel in table[kind]:
            table[kind][channel] = enabled
    return table


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's in-app list, newest first (the actor and stream are not joined: the row carries its text)."""
    return Notification.objects.filter(user=user, listed=True).order_by("-created_at", "-id")


def unread_count(*, user_id) -> int:
    return Notification.objects.filter(user_id=user_id, listed=True, read_at__isnull=True).count()


def unread_counts(*, user_ids: Iterable) -> dict:
    """Unread counts of many users in one query (users with none are absent)."""
    rows = (
        Notification.objects.filter(user_id__in=list(user_ids), listed=True, read_at__isnull=True)
        .values("user_id")
        .annotate(count=Count("id"))
        .values_list("user_id", "count")
    )
    return dict(rows)


def reminder_get(*, user, stream_id) -> Reminder | None:
    return Reminder.objects.filter(user=user, stream_id=stream_id).first()


def reminders_pending(*, user) -> dict:
    """{stream_id: minutes_before} of the user's reminders not sent yet (one query; a viewer has a handful)."""
    rows = Reminder.objects.filter(user=user, sent_at__isnull=True)
    return dict(rows.values_list("stream_id", "minutes_before"))


def notification_payload(notification: Notification) -> dict:
    """A notification as the API and the socket show it."""
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "data": notification.data,
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
    }
