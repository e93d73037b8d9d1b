"""Claiming rows for a delivery: one conditional UPDATE, so two runs never both take a row.

The UPDATE stamps ``at`` only where the stamp is still empty (PostgreSQL re-checks that condition on a row a
concurrent run just stamped, and skips it); the rows this run took are those now carrying its own ``at``.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from notifications.models import Kind, Notification

# One e-mail per follower and stream within this window for these kinds ("scheduled" then "live" soon after).
STREAM_EMAIL_WINDOW_SECONDS = 60 * 60
STREAM_EMAIL_KINDS = (Kind.LIVE.value, Kind.SCHEDULED.value)
STAMPS = {"emailed_at", "pushed_at"}


def claim(*, ids: list[int], stamp: str, at: datetime, stream_window_from: datetime | None = None) -> list[int]:
    """Stamp ``stamp`` (``emailed_at``/``pushed_at``) on those of ``ids`` not yet stamped; return the ids taken.

    With ``stream_window_from``, a go-live or scheduled row is not taken when the same user already had one of
    those for the same stream stamped since then (the e-mail rule: one per stream per hour).
    """
    if stamp not in STAMPS:
        raise ValueError(stamp)
    if not ids:
        return []
    rows = Notification.objects.filter(pk__in=ids, **{f"{stamp}__isnull": True})
    if stream_window_from is not None:
        earlier = Notification.objects.filter(
            user_id=OuterRef("user_id"),
            stream_id=OuterRef("stream_id"),
            kind__in=STREAM_EMAIL_KINDS,
            **{f"{stamp}__gte": stream_window_from},
        ).exclude(pk=OuterRef("pk"))
        rows = rows.exclude(Q(kind__in=STREAM_EMAIL_KINDS, stream__isnull=False) & Exists(earlier))
    if not rows.update(**{stamp: at}):
        return []
    return list(Notification.objects.filter(pk__in=ids, **{stamp: at}).values_list("pk", flat=True))


def release(*, ids: list[int], stamp: str, at: datetime) -> None:
    """Undo a claim made at ``at`` for rows that were not sent after all (a later retry may take them)."""
    if stamp not in STAMPS:
        raise ValueError(stamp)
    if ids:
        Notification.objects.filter(pk__in=ids, **{stamp: at}).update(**{stamp: None})
