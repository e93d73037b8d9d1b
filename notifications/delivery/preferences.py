"""Who wants a kind of notification on a channel, and the one-click way to stop e-mails of a kind.

Pending unification with ``notifications.selectors.enabled_user_ids`` (same signature and meaning).
"""

from django.db import transaction

from notifications.models import CHANNEL_DEFAULTS, Channel, Kind, Preference


def enabled_user_ids(*, user_ids, kind: str, channel: str) -> set:
    """The subset of ``user_ids`` who get ``kind`` on ``channel``: their own choice, else ``CHANNEL_DEFAULTS``.

    One query, whatever the number of users (a batch of a fan-out is a few thousand ids).
    """
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    default = CHANNEL_DEFAULTS[channel][kind]
    # Only the choices that differ from the default change the answer.
    differing = set(
        Preference.objects.filter(user_id__in=user_ids, kind=kind, channel=channel, enabled=not default).values_list(
            "user_id", flat=True
        )
    )
    return user_ids - differing if default else differing


def preference_set(*, user_id, kind: str, channel: str, enabled: bool) -> None:
    """Store one choice (an upsert on the unique (user, kind, channel)); repeating it changes nothing."""
    if kind not in Kind.values or channel not in Channel.values:
        raise ValueError(f"unknown kind or channel: {kind!r}, {channel!r}")
    with transaction.atomic():
        Preference.objects.update_or_create(user_id=user_id, kind=kind, channel=channel, defaults={"enabled": enabled})
