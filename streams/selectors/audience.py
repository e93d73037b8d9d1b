"""Reads of a stream's and a creator's audience for analytics: viewer sessions, follows, subscriptions.

Each runs one query; the analytics app rolls them up (``analytics.services``) and never reads these tables
itself.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate, TruncMinute

from accounts.models import User
from livestream.errors import NotFound
from streams.models import Follow, Stream, Subscription, Unfollow, ViewerSession


@dataclass(frozen=True)
class SessionSpan:
    """One viewer session: who (None for a signed-out viewer), when they joined and left (None: still here),
    and a signed-out viewer's pseudonym ("" when unknown: sessions recorded before it was kept)."""

    user_id: object
    joined_at: dt.datetime
    left_at: dt.datetime | None
    visitor: str = ""


def stream_get_for_analytics(*, stream_id, user) -> Stream:
    """A stream its creator or staff may read the analytics of; ``NotFound`` for anyone else (as a private
    stream), signed out included. One query."""
    if user is None or not user.is_authenticated:
        raise NotFound("No such stream.")
    streams = Stream.objects.select_related("category", "creator").filter(pk=stream_id)
    if not user.is_staff:
        streams = streams.filter(creator=user)
    stream = streams.first()
    if stream is None:
        raise NotFound("No such stream.")
    return stream


def creator_get_for_analytics(*, username: str, user) -> User:
    """A creator whose analytics the caller may read (themselves, or anyone for staff); ``NotFound`` otherwise.
    One query."""
    if user is None or not user.is_authenticated:
        raise NotFound("No such creator.")
    if not user.is_staff:
        if user.username.lower() != username.lower():
            raise NotFound("No such creator.")
        return user
    creator = User.objects.filter(username__iexact=username, is_active=True).first()
    if creator is None:
        raise NotFound("No such creator.")
    return creator


def stream_live_ids() -> list:
    """The ids of the streams live now."""
    return list(Stream.objects.filter(status=Stream.Status.LIVE).values_list("pk", flat=True))


def stream_sessions(*, stream_id, start: dt.datetime, end: dt.datetime) -> list[SessionSpan]:
    """The stream's viewer sessions that overlap [start, end): joined before ``end`` and not left before
    ``start``."""
    rows = (
        ViewerSession.objects.filter(stream_id=stream_id, joined_at__lt=end)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=start))
        .values_list("user_id", "joined_at", "left_at", "visitor")
    )
    return [SessionSpan(*row) for row in rows]


def _counts_by(queryset: QuerySet, field: str, unit: str, tzinfo: dt.tzinfo | None) -> dict:
    trunc = TruncMinute(field) if unit == "minute" else TruncDate(field, tzinfo=tzinfo)
    rows = queryset.annotate(bucket=trunc).values("bucket").annotate(n=Count("pk")).order_by()
    return {row["bucket"]: row["n"] for row in rows}


def creator_follows_by(
    *, creator_id, start: dt.datetime, end: dt.datetime, unit: str = "minute", tzinfo: dt.tzinfo | None = None
) -> dict:
    """Follows of the creator that began in [start, end), by minute (UTC datetimes) or by day (dates in
    ``tzinfo``): those who still follow and those who since left (``Unfollow``). Two queries."""
    follows = Follow.objects.filter(creator_id=creator_id, created_at__gte=start, created_at__lt=end)
    counts = _counts_by(follows, "created_at", unit, tzinfo)
    ended = Unfollow.objects.filter(creator_id=creator_id, followed_at__gte=start, followed_at__lt=end)
    for key, count in _counts_by(ended, "followed_at", unit, tzinfo).items():
        counts[key] = counts.get(key, 0) + count
    return counts


def creator_unfollows_by(*, creator_id, start: dt.datetime, end: dt.datetime, tzinfo: dt.tzinfo) -> dict:
    """Follows of the creator that ended in [start, end), by day in ``tzinfo``. One query."""
    ended = Unfollow.objects.filter(creator_id=creator_id, unfollowed_at__gte=start, unfollowed_at__lt=end)
    return _counts_by(ended, "unfollowed_at", "day", tzinfo)


def creator_subscriptions_by(
    *, creator_id, start: dt.datetime, end: dt.datetime, unit: str = "minute", tzinfo: dt.tzinfo | None = None
) -> dict:
    """New subscribers of the creator in [start, end) (when each subscription started), by minute or day."""
    subscriptions = Subscription.objects.filter(creator_id=creator_id, started_at__gte=start, started_at__lt=end)
    return _counts_by(subscriptions, "started_at", unit, tzinfo)


def creator_follower_totals(*, creator_id) -> dict:
    """How many follow the creator now, and how many subscriptions to them are active. Two queries."""
    return {
        "followers": Follow.objects.filter(creator_id=creator_id).count(),
        "subscribers": Subscription.objects.filter(creator_id=creator_id, status=Subscription.Status.ACTIVE).count(),
    }


def creator_sessions_by_day_hour(*, creator_id, start: dt.datetime, end: dt.datetime, tzinfo: dt.tzinfo) -> list[dict]:
    """Viewer sessions that joined the creator's streams in [start, end), by local day and hour of day:
    ``{"day", "hour", "sessions", "watch_seconds"}`` (watch time of sessions that have ended)."""
    rows = (
        ViewerSession.objects.filter(stream__creator_id=creator_id, joined_at__gte=start, joined_at__lt=end)
        .annotate(day=TruncDate("joined_at", tzinfo=tzinfo), hour=ExtractHour("joined_at", tzinfo=tzinfo))
        .values("day", "hour")
        .annotate(sessions=Count("pk"), watch_seconds=Sum("watch_seconds", default=0))
        .order_by()
    )
    return list(rows)


def creator_streams_between(*, creator_id, start: dt.datetime, end: dt.datetime) -> list[Stream]:
    """The creator's streams that went live in [start, end) or are live now, with their category."""
    return list(
        Stream.objects.select_related("category")
        .filter(creator_id=creator_id)
        .filter(Q(started_at__gte=start, started_at__lt=end) | Q(status=Stream.Status.LIVE))
        .order_by("started_at")
    )


def stream_get_for_rollup(*, stream_id) -> Stream | None:
    """A stream by id for a background job (no caller to check), or None when it was deleted."""
    return Stream.objects.select_related("category").filter(pk=stream_id).first()
