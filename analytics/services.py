"""Rollups: read the sources (through their apps' selectors), write the analytics rows.

Every rollup recomputes whole minutes (a stream) or whole days (a creator) from the sources and upserts them,
so it is idempotent: running it twice, or two at once, leaves the same rows. The beat job
``analytics.tasks.rollup_live_streams`` rolls up live streams every minute, the end of a stream queues
``analytics.tasks.stream_rollup_task`` once, and a read finding a rollup older than ``ROLLUP_FRESH_SECONDS``
rolls it up first (``stream_rollup_if_stale``, ``creator_rollup_if_stale``): under ``make run`` (eager Celery,
no beat) the numbers are as current as that.
"""

import bisect
import datetime as dt
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from accounts.models import User
from analytics.models import CreatorDay, CreatorGifterDay, CreatorRollup, StreamMinute, StreamStats
from chat.selectors import chat_counts_by_day, chat_counts_by_minute, chat_top_chatters
from gifts.selectors import (
    gift_counts_by_day,
    gift_leaderboard,
    gift_ledger_transactions,
    gift_totals_by_day_and_sender,
    gift_totals_by_minute,
)
from streams.models import SUBSCRIPTION_PERIOD, Stream
from streams.selectors import creator_timezone
from streams.selectors.audience import (
    SessionSpan,
    creator_follows_by,
    creator_sessions_by_day_hour,
    creator_streams_between,
    creator_subscriptions_by,
    creator_unfollows_by,
    stream_get_for_rollup,
    stream_sessions,
)
from wallet.selectors import (
    creator_earned_micro,
    creator_payouts_by_day,
    creator_revenue_by_day,
    creator_subscription_payments,
)

ROLLUP_FRESH_SECONDS = 60
# What a rollup reads again before where the last one stopped: a row written in a transaction that began
# before the last rollup read (its created_at earlier) but committed after it.
LATE_COMMIT_MARGIN = dt.timedelta(minutes=1)
MINUTE = dt.timedelta(minutes=1)
TOP_LIMIT = 10
STREAM_MINUTE_FIELDS = ["viewers", "chat_messages", "gifts", "coins", "new_followers", "new_subscribers"]
REVENUE_KINDS = ("gift", "access", "subscription")


def display_zone() -> zoneinfo.ZoneInfo:
    """The site's time zone, as its pages show times."""
    return zoneinfo.ZoneInfo(settings.DISPLAY_TIME_ZONE)


def creator_zone(creator: User) -> zoneinfo.ZoneInfo:
    """The time zone a creator's days and hours are counted in: their own (their creator profile's, as their
    schedule and studio use), else the site's. One query."""
    try:
        return zoneinfo.ZoneInfo(creator_timezone(user=creator))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return display_zone()


def minute_floor(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(second=0, microsecond=0)


# --- Who was watching ---------------------------------------------------------------------------------


def viewer_intervals(sessions: list[SessionSpan], *, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """Each viewer's watching as ``(viewer, joined, left)`` intervals clipped to [start, end): one viewer's
    overlapping sessions (two tabs, a reconnect) merged into one. ``viewer`` is the user id, or
    ``("visitor", pseudonym)`` for a signed-out viewer, or None for a signed-out session of unknown visitor
    (recorded before pseudonyms were kept), which stays on its own."""
    by_user: dict = defaultdict(list)
    intervals = []
    for session in sessions:
        joined = max(session.joined_at, start)
        left = min(session.left_at or end, end)
        if left <= joined:
            continue
        if session.user_id is not None:
            by_user[session.user_id].append((joined, left))
        elif session.visitor:
            by_user[("visitor", session.visitor)].append((joined, left))
        else:
            intervals.append((None, joined, left))
    for user_id, spans in by_user.items():
        spans.sort()
        current_start, current_end = spans[0]
        for joined, left in spans[1:]:
            if joined <= current_end:
                current_end = max(current_end, left)
            else:
                intervals.append((user_id, current_start, current_end))
                current_start, current_end = joined, left
        intervals.append((user_id, current_start, current_end))
    return intervals


def concurrent_by_minute(intervals: list[tuple], minutes: list[dt.datetime]) -> dict[dt.datetime, int]:
    """For each minute, the most viewers watching at the same moment within it (a sweep over joins and
    leaves; a leave at the very moment of a join is counted first)."""
    # As POSIX seconds: sorting 20,000 floats is several times faster than as aware datetimes.
    events = sorted(
        [(joined.timestamp(), 1) for _, joined, _ in intervals] + [(left.timestamp(), -1) for _, _, left in intervals]
    )
    result: dict[dt.datetime, int] = {}
    current = index = 0
    for minute in minutes:
        start = minute.timestamp()
        while index < len(events) and events[index][0] < start:
            current += events[index][1]
            index += 1
        peak = current
        minute_end = start + 60
        while index < len(events) and events[index][0] < minute_end:
            current += events[index][1]
            peak = max(peak, current)
            index += 1
        result[minute] = peak
    return result


# --- A stream -------------------------------------------------------------------------------------------


def _stream_rollup(stream: Stream, *, now: dt.datetime, full: bool) -> StreamStats | None:
    """Roll up the stream's minutes since the last rollup (all of them when ``full``) and its totals. Caller
    holds the transaction."""
    if stream.started_at is None:
        return None
    end = stream.ended_at or now
    first_minute = minute_floor(stream.started_at)
    window_end = minute_floor(end) + MINUTE
    stats = StreamStats.objects.filter(stream=stream).first()
    window_start = first_minute
    if stats is not None and not full:
        window_start = max(first_minute, minute_floor(stats.rolled_through - LATE_COMMIT_MARGIN))
    minutes = []
    minute = window_start
    while minute < window_end:
        minutes.append(minute)
        minute += MINUTE

    sessions = stream_sessions(stream_id=stream.pk, start=stream.started_at, end=end)
    intervals = viewer_intervals(sessions, start=stream.started_at, end=end)
    viewers = concurrent_by_minute(intervals, minutes)
    chat = chat_counts_by_minute(stream_id=stream.pk, start=window_start, end=window_end)
    gifts = gift_totals_by_minute(stream_id=stream.pk, start=window_start, end=window_end)
    follows = creator_follows_by(creator_id=stream.creator_id, start=window_start, end=window_end)
    subscriptions = creator_subscriptions_by(creator_id=stream.creator_id, start=window_start, end=window_end)
    rows = [
        StreamMinute(
            stream=stream,
            minute=minute,
            viewers=viewers[minute],
            chat_messages=chat.get(minute, 0),
            gifts=gifts.get(minute, {}).get("gifts", 0),
            coins=gifts.get(minute, {}).get("coins", 0),
            new_followers=follows.get(minute, 0),
            new_subscribers=subscriptions.get(minute, 0),
        )
        for minute in minutes
    ]
    if full:
        StreamMinute.objects.filter(stream=stream).exclude(minute__gte=first_minute, minute__lt=window_end).delete()
    StreamMinute.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["stream", "minute"], update_fields=STREAM_MINUTE_FIELDS
    )
    totals = _minute_totals(stream)
    signed_in = {viewer for viewer, _, _ in intervals if viewer is not None and not isinstance(viewer, tuple)}
    anonymous = len({viewer for viewer, _, _ in intervals if isinstance(viewer, tuple)}) + sum(
        1 for viewer, _, _ in intervals if viewer is None
    )
    watch_seconds = sum(int((left - joined).total_seconds()) for _, joined, left in intervals)
    stats = StreamStats(
        stream=stream,
        creator_id=stream.creator_id,
        title=stream.title,
        category=stream.category.name if stream.category_id else "",
        started_at=stream.started_at,
        ended_at=stream.ended_at,
        unique_viewers=len(signed_in) + anonymous,
        signed_in_viewers=len(signed_in),
        anonymous_viewers=anonymous,
        watch_seconds=watch_seconds,
        earned_micro=creator_earned_micro(
            creator_id=stream.creator_id, transactions=gift_ledger_transactions(stream_id=stream.pk)
        ),
        top_gifters=gift_leaderboard(stream=stream, limit=TOP_LIMIT, start=first_minute, end=window_end),
        top_chatters=chat_top_chatters(stream_id=stream.pk, start=first_minute, end=window_end, limit=TOP_LIMIT),
        rolled_through=end,
        rolled_up_at=now,
        **totals,
    )
    fields = [f.name for f in StreamStats._meta.concrete_fields if f.name != "stream"]
    StreamStats.objects.bulk_create([stats], update_conflicts=True, unique_fields=["stream"], update_fields=fields)
    return stats


def _minute_totals(stream: Stream) -> dict:
    return StreamMinute.objects.filter(stream=stream).aggregate(
        peak_viewers=Max("viewers", default=0),
        chat_messages=Sum("chat_messages", default=0),
        gifts=Sum("gifts", default=0),
        coins=Sum("coins", default=0),
        new_followers=Sum("new_followers", default=0),
        new_subscribers=Sum("new_subscribers", default=0),
    )


def stream_rollup(*, stream_id, full: bool = False) -> StreamStats | None:
    """Roll up a stream: its minutes since the last rollup (every minute when ``full``: the end of a stream)
    and its totals. None for a stream never live, or gone. Idempotent."""
    with transaction.atomic(durable=True):
        stream = stream_get_for_rollup(stream_id=stream_id)
        if stream is None:
            return None
        return _stream_rollup(stream, now=timezone.now(), full=full)


def stream_rollup_due(stream: Stream, stats: StreamStats | None, *, now: dt.datetime) -> bool:
    """Whether a read must roll the stream up first: live and rolled up more than ROLLUP_FRESH_SECONDS ago, or
    ended after its last rollup read the sources (its end-of-stream rollup has not run, or was lost)."""
    if stream.started_at is None:
        return False
    if stats is None:
        return True
    if stream.ended_at is not None:
        return stats.rolled_through < stream.ended_at
    return (now - stats.rolled_up_at).total_seconds() > ROLLUP_FRESH_SECONDS


def stream_rollup_if_stale(*, stream: Stream) -> StreamStats | None:
    """The stream's stats, rolled up first when ``stream_rollup_due``. One query when fresh."""
    now = timezone.now()
    stats = StreamStats.objects.filter(stream=stream).first()
    if not stream_rollup_due(stream, stats, now=now):
        return stats
    with transaction.atomic(durable=True):
        return _stream_rollup(stream, now=now, full=stream.ended_at is not None)


# --- A creator ------------------------------------------------------------------------------------------


def _day_start(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def _subscribers_by_day(
    creator_id, *, first_day: dt.date, last_day: dt.date, zone: zoneinfo.ZoneInfo, now: dt.datetime
) -> dict[dt.date, int]:
    """How many were subscribed to the creator at the end of each day (today: now): those with a subscription
    payment in the month before that moment. A cancelled subscription counts until its paid month runs out, as
    its access does; a lapsed one stops counting then. One query (the payments from a month before the first
    day)."""
    period = SUBSCRIPTION_PERIOD
    payments = creator_subscription_payments(
        creator_id=creator_id,
        start=_day_start(first_day, zone) - period,
        end=_day_start(last_day + dt.timedelta(days=1), zone),
    )
    # Each subscriber's paid months merged into spans (a renewal continues the month before it), so that the
    # subscribed at a moment are the spans begun by then less those ended by then: a sweep, not a scan per day.
    spans: dict = {}
    for payer, paid_at in payments:  # oldest first
        covered = spans.setdefault(payer, [])
        if covered and paid_at <= covered[-1][1]:
            covered[-1][1] = paid_at + period
        else:
            covered.append([paid_at, paid_at + period])
    starts = sorted(span[0] for covered in spans.values() for span in covered)
    ends = sorted(span[1] for covered in spans.values() for span in covered)
    result = {}
    day = first_day
    while day <= last_day:
        moment = min(_day_start(day + dt.timedelta(days=1), zone), now)
        result[day] = bisect.bisect_right(starts, moment) - bisect.bisect_right(ends, moment)
        day += dt.timedelta(days=1)
    return result


def _creator_rollup(creator: User, *, first_day: dt.date, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> list[Stream]:
    """Recompute the creator's days from ``first_day`` through today (all of them, empty ones included, so a
    day whose last follow went away is zero again). Caller holds the transaction. Returns the streams of those
    days whose own totals are due (never rolled up, live, or their end's task was lost): the caller rolls each
    up in a transaction of its own (``_streams_rollup``), not inside this one. Days are ``zone``'s."""
    last_day = now.astimezone(zone).date()
    start, end = _day_start(first_day, zone), _day_start(last_day + dt.timedelta(days=1), zone)
    revenue = creator_revenue_by_day(creator_id=creator.pk, start=start, end=end, tzinfo=zone)
    payouts = creator_payouts_by_day(creator_id=creator.pk, start=start, end=end, tzinfo=zone)
    gifts = gift_counts_by_day(creator_id=creator.pk, start=start, end=end, tzinfo=zone)
    chat = chat_counts_by_day(creator_id=creator.pk, start=start, end=end, tzinfo=zone)
    follows = creator_follows_by(creator_id=creator.pk, start=start, end=end, unit="day", tzinfo=zone)
    unfollows = creator_unfollows_by(creator_id=creator.pk, start=start, end=end, tzinfo=zone)
    subscriptions = creator_subscriptions_by(creator_id=creator.pk, start=start, end=end, unit="day", tzinfo=zone)
    subscribed = _subscribers_by_day(creator.pk, first_day=first_day, last_day=last_day, zone=zone, now=now)
    audience: dict = defaultdict(lambda: {"views": 0, "watch_seconds": 0, "views_by_hour": [0] * 24})
    for row in creator_sessions_by_day_hour(creator_id=creator.pk, start=start, end=end, tzinfo=zone):
        cell = audience[row["day"]]
        cell["views"] += row["sessions"]
        cell["watch_seconds"] += row["watch_seconds"]
        cell["views_by_hour"][row["hour"]] += row["sessions"]
    rows = []
    day = first_day
    while day <= last_day:
        money = revenue.get(day, {})
        seen = audience.get(day) or {"views": 0, "watch_seconds": 0, "views_by_hour": [0] * 24}
        rows.append(
            CreatorDay(
                creator=creator,
                day=day,
                **{
                    f"{kind}_{field}": money.get(kind, {}).get(field, 0)
                    for kind in REVENUE_KINDS
                    for field in ("coins", "earned_micro")
                },
                payout_coins=payouts.get(day, 0),
                gifts=gifts.get(day, 0),
                chat_messages=chat.get(day, 0),
                new_followers=follows.get(day, 0),
                lost_followers=unfollows.get(day, 0),
                new_subscribers=subscriptions.get(day, 0),
                subscribers=subscribed[day],
                **seen,
            )
        )
        day += dt.timedelta(days=1)
    fields = [f.name for f in CreatorDay._meta.concrete_fields if f.name not in ("id", "creator", "day")]
    CreatorDay.objects.bulk_create(rows, update_conflicts=True, unique_fields=["creator", "day"], update_fields=fields)
    # Each sender's gifts by day (the top gifters of any range are summed from these): the days are replaced.
    CreatorGifterDay.objects.filter(creator=creator, day__gte=first_day).delete()
    CreatorGifterDay.objects.bulk_create(
        CreatorGifterDay(
            creator=creator, day=row["day"], sender_id=row["sender"], coins=row["coins"], gifts=row["gifts"]
        )
        for row in gift_totals_by_day_and_sender(creator_id=creator.pk, start=start, end=end, tzinfo=zone)
    )
    CreatorRollup.objects.bulk_create(
        [CreatorRollup(creator=creator, rolled_through=now, rolled_up_at=now, time_zone=zone.key)],
        update_conflicts=True,
        unique_fields=["creator"],
        update_fields=["rolled_through", "rolled_up_at", "time_zone"],
    )
    streams = creator_streams_between(creator_id=creator.pk, start=start, end=end)
    stats = StreamStats.objects.in_bulk([stream.pk for stream in streams])
    return [stream for stream in streams if stream_rollup_due(stream, stats.get(stream.pk), now=now)]


def _streams_rollup(streams: list[Stream], *, now: dt.datetime) -> None:
    """Roll up each stream a creator's rollup found due, one transaction each (a creator with many streams never
    rolled up holds no transaction for all of them)."""
    for stream in streams:
        with transaction.atomic():
            _stream_rollup(stream, now=now, full=stream.ended_at is not None)


def creator_rollup(*, creator_id, full: bool = False) -> None:
    """Roll up a creator's days: since the last rollup (from the day they joined when ``full`` or the first
    time). Idempotent."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        creator = User.objects.filter(pk=creator_id).first()
        if creator is None:
            return
        zone, first_day = _rollup_start(creator, None if full else _state(creator))
        due = _creator_rollup(creator, first_day=first_day, now=now, zone=zone)
    _streams_rollup(due, now=now)


def _state(creator: User) -> CreatorRollup | None:
    return CreatorRollup.objects.filter(creator=creator).first()


def _rollup_start(creator: User, state: CreatorRollup | None) -> tuple[zoneinfo.ZoneInfo, dt.date]:
    """The creator's zone and the first day to roll up: after the last rollup, or from the day they joined the
    first time and when their zone changed since (every day is recounted between the new midnights)."""
    zone = creator_zone(creator)
    if state is None or state.time_zone != zone.key:
        since = creator.date_joined
    else:
        since = state.rolled_through - LATE_COMMIT_MARGIN
    return zone, since.astimezone(zone).date()


def creator_rollup_if_stale(*, creator: User) -> None:
    """Roll the creator's days up first when the last rollup is more than ROLLUP_FRESH_SECONDS old (or there is
    none). One query when fresh."""
    now = timezone.now()
    state = _state(creator)
    if state is not None and (now - state.rolled_up_at).total_seconds() <= ROLLUP_FRESH_SECONDS:
        return
    with transaction.atomic(durable=True):
        zone, first_day = _rollup_start(creator, state)
        due = _creator_rollup(creator, first_day=first_day, now=now, zone=zone)
    _streams_rollup(due, now=now)
