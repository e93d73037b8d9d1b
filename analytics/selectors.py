"""Reads for the analytics API, CSV and studio pages: the rollups only, a few indexed queries each."""

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum

from accounts.models import User
from accounts.selectors import user_payload
from analytics.models import CreatorDay, CreatorGifterDay, StreamMinute, StreamStats
from analytics.services import REVENUE_KINDS
from streams.models import Stream
from streams.selectors.audience import creator_follower_totals
from wallet.selectors import MICRO, micro_to_coins, payout_naira_per_coin

RANGE_MAX_DAYS = 366
RANGE_DEFAULT_DAYS = 28
RANGE_PRESETS = (7, 28, 90)
TOP_STREAMS = 10


def _naira(micro: int, rate: Decimal) -> str:
    return str((Decimal(micro) * rate / MICRO).quantize(Decimal("0.01")))


def _exact(micro: int) -> str:
    return str(micro_to_coins(micro))


# --- A stream -------------------------------------------------------------------------------------------


def stream_analytics(*, stream: Stream, stats: StreamStats | None) -> dict:
    """The stream's analytics body: totals beside the per-minute series, top gifters and chatters. One query
    (the minutes) beyond the stats the caller holds."""
    minutes = (
        list(
            StreamMinute.objects.filter(stream=stream)
            .order_by("minute")
            .values("minute", "viewers", "chat_messages", "gifts", "coins", "new_followers", "new_subscribers")
        )
        if stats is not None
        else []
    )
    s = stats or StreamStats(rolled_through=None, rolled_up_at=None)
    return {
        "stream": {
            "id": str(stream.pk),
            "title": stream.title,
            "status": stream.status,
            "started_at": stream.started_at,
            "ended_at": stream.ended_at,
            "category": stream.category.name if stream.category_id else None,
        },
        "rolled_up_at": s.rolled_up_at,
        "totals": {
            "unique_viewers": s.unique_viewers,
            "signed_in_viewers": s.signed_in_viewers,
            "anonymous_viewers": s.anonymous_viewers,
            "peak_viewers": s.peak_viewers,
            "watch_seconds": s.watch_seconds,
            "average_watch_seconds": s.watch_seconds // s.unique_viewers if s.unique_viewers else 0,
            "chat_messages": s.chat_messages,
            "gifts": s.gifts,
            "coins": s.coins,
            "earned_coins_exact": _exact(s.earned_micro),
            "new_followers": s.new_followers,
            "new_subscribers": s.new_subscribers,
        },
        "minutes": minutes,
        "top_gifters": s.top_gifters,
        "top_chatters": s.top_chatters,
    }


# --- A creator ------------------------------------------------------------------------------------------


def date_range_resolve(*, start: dt.date | None, end: dt.date | None, today: dt.date) -> tuple:
    """The days [start, end] a creator's analytics cover: the last RANGE_DEFAULT_DAYS to ``today`` (the
    creator's: ``creator_today``) by default, ``to`` after ``from`` and at most RANGE_MAX_DAYS long
    (ValidationError by field otherwise)."""
    end = end or today
    start = start or end - dt.timedelta(days=RANGE_DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationError({"from": ["The start of the range is after its end."]}, code="invalid_range")
    if (end - start).days + 1 > RANGE_MAX_DAYS:
        raise ValidationError({"to": [f"A range is at most {RANGE_MAX_DAYS} days long."]}, code="range_too_long")
    return start, end


def creator_analytics(*, creator: User, start: dt.date, end: dt.date, zone: zoneinfo.ZoneInfo) -> dict:
    """The creator's analytics over the days [start, end] of ``zone``, their own (``creator_zone``): revenue by
    day (gifts, premium access, subscriptions; coins paid, the creator's exact share, ≈ naira), payouts,
    followers and subscribers, audience by hour of day and by category, top streams and gifters, and the
    totals. Seven queries."""
    rate = payout_naira_per_coin()
    rows = {row.day: row for row in CreatorDay.objects.filter(creator=creator, day__gte=start, day__lte=end)}
    later = CreatorDay.objects.filter(creator=creator, day__gt=end).aggregate(
        n=Sum("new_followers", default=0) - Sum("lost_followers", default=0)
    )["n"]
    now_totals = creator_follower_totals(creator_id=creator.pk)
    followers_then = now_totals["followers"] - later
    days, hours = [], [0] * 24
    total = {
        "coins": 0, "earned_micro": 0, "payout_coins": 0, "gifts": 0, "chat_messages": 0, "views": 0,
        "watch_seconds": 0, "new_followers": 0, "lost_followers": 0, "new_subscribers": 0,
        **{f"{kind}_coins": 0 for kind in REVENUE_KINDS}, **{f"{kind}_earned_micro": 0 for kind in REVENUE_KINDS},
    }  # fmt: skip
    day = start
    empty = CreatorDay()
    day_list = []
    while day <= end:
        day_list.append(day)
        day += dt.timedelta(days=1)
    running = followers_then - sum(rows[d].new_followers - rows[d].lost_followers for d in day_list if d in rows)
    for day in day_list:
        row = rows.get(day, empty)
        running += row.new_followers - row.lost_followers
        coins = sum(getattr(row, f"{kind}_coins") for kind in REVENUE_KINDS)
        earned = sum(getattr(row, f"{kind}_earned_micro") for kind in REVENUE_KINDS)
        entry = {"day": day}
        for kind in REVENUE_KINDS:
            entry[f"{kind}_coins"] = getattr(row, f"{kind}_coins")
            entry[f"{kind}_earned_exact"] = _exact(getattr(row, f"{kind}_earned_micro"))
            total[f"{kind}_coins"] += getattr(row, f"{kind}_coins")
            total[f"{kind}_earned_micro"] += getattr(row, f"{kind}_earned_micro")
        entry.update(
            coins=coins,
            earned_coins_exact=_exact(earned),
            naira=_naira(earned, rate),
            payout_coins=row.payout_coins,
            gifts=row.gifts,
            chat_messages=row.chat_messages,
            views=row.views,
            watch_seconds=row.watch_seconds,
            new_followers=row.new_followers,
            lost_followers=row.lost_followers,
            new_subscribers=row.new_subscribers,
            followers=running,
            subscribers=row.subscribers,
        )
        days.append(entry)
        for hour, views in enumerate(row.views_by_hour or ()):
            hours[hour] += views
        total["coins"] += coins
        total["earned_micro"] += earned
        for field in (
            "payout_coins",
            "gifts",
            "chat_messages",
            "views",
            "watch_seconds",
            "new_followers",
            "lost_followers",
        ):
            total[field] += getattr(row, field)
        total["new_subscribers"] += row.new_subscribers

    range_start = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    range_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    streams = list(
        StreamStats.objects.filter(creator=creator, started_at__gte=range_start, started_at__lt=range_end).order_by(
            "-unique_viewers", "-watch_seconds", "started_at"
        )
    )
    categories: dict = {}
    for stats in streams:
        cell = categories.setdefault(
            stats.category or "Uncategorised",
            {"category": stats.category or "Uncategorised", "streams": 0, "viewers": 0, "watch_seconds": 0},
        )
        cell["streams"] += 1
        cell["viewers"] += stats.unique_viewers
        cell["watch_seconds"] += stats.watch_seconds
    return {
        "creator": {"username": creator.username, "display_name": creator.display_name or creator.username},
        "from": start,
        "to": end,
        "time_zone": zone.key,
        "totals": {
            "coins": total["coins"],
            "earned_coins_exact": _exact(total["earned_micro"]),
            "naira": _naira(total["earned_micro"], rate),
            **{f"{kind}_coins": total[f"{kind}_coins"] for kind in REVENUE_KINDS},
            **{f"{kind}_earned_exact": _exact(total[f"{kind}_earned_micro"]) for kind in REVENUE_KINDS},
            "payout_coins": total["payout_coins"],
            "gifts": total["gifts"],
            "chat_messages": total["chat_messages"],
            "views": total["views"],
            "watch_seconds": total["watch_seconds"],
            "new_followers": total["new_followers"],
            "lost_followers": total["lost_followers"],
            "new_subscribers": total["new_subscribers"],
            "followers": now_totals["followers"],
            "subscribers": now_totals["subscribers"],
            "streams": len(streams),
        },
        "days": days,
        "audience_by_hour": [{"hour": hour, "views": views} for hour, views in enumerate(hours)],
        "audience_by_category": sorted(categories.values(), key=lambda cell: (-cell["viewers"], cell["category"])),
        "top_streams": [
            {
                "id": str(stats.stream_id),
                "title": stats.title,
                "started_at": stats.started_at,
                "unique_viewers": stats.unique_viewers,
                "peak_viewers": stats.peak_viewers,
                "watch_seconds": stats.watch_seconds,
                "chat_messages": stats.chat_messages,
                "gifts": stats.gifts,
                "coins": stats.coins,
            }
            for stats in streams[:TOP_STREAMS]
        ],
        "top_gifters": creator_top_gifters(creator=creator, start=start, end=end),
    }


def creator_top_gifters(*, creator: User, start: dt.date, end: dt.date, limit: int = 10) -> list[dict]:
    """The creator's top gifters by coins over the days [start, end], summed from the daily rollup; the
    anonymous gifts are one row without a name. Two queries (the sums, their users)."""
    rows = list(
        CreatorGifterDay.objects.filter(creator=creator, day__gte=start, day__lte=end)
        .values("sender")
        .annotate(coins=Sum("coins"), gifts=Sum("gifts"))
        .order_by("-coins", "sender")[:limit]
    )
    users = User.objects.in_bulk([row["sender"] for row in rows if row["sender"] is not None])
    return [
        {
            "user": user_payload(users[row["sender"]]) if row["sender"] is not None else None,
            "coins": row["coins"],
            "gifts": row["gifts"],
            "rank": rank,
        }
        for rank, row in enumerate(rows, start=1)
    ]
