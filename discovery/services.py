"""Writes of discovery: the trending scores.

``trending_refresh`` recomputes every live (or just ended) public stream's score in a fixed number of
set-based queries (the candidates, chat, gifts and follows over the window, the upsert, the sweep), whatever
the number of streams. The beat job runs it every minute (``discovery.tasks.trending_refresh_task``); the views
that rank by trending (home, category and tag pages, ``/streams/trending``) call ``trending_refresh_if_stale``
before they read, so the pages are right under ``make run`` (no beat); discovery's selectors only read.
README.md, "Trending", explains the formula.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chat.selectors import chat_counts_by_stream
from discovery.models import TrendingScore
from gifts.selectors import gift_coins_by_stream
from streams.selectors.browse import creator_new_follower_counts, stream_trending_candidates

TRENDING_WINDOW = dt.timedelta(minutes=10)  # chat, gifts and follows count over the last ten minutes
TRENDING_HALF_LIFE_HOURS = 2.0  # a stream's score halves for every two hours it has been on air
TRENDING_FRESH_SECONDS = 60
# Weights: one viewer watching now is worth 1 point.
WEIGHT_VIEWER = 1.0
WEIGHT_CHAT_PER_MINUTE = 2.0  # a chat message a minute (over the window)
WEIGHT_COIN = 0.05  # a coin of gifts over the window (100 coins: 5 points)
WEIGHT_NEW_FOLLOWER = 3.0  # a creator's new follower over the window


@dataclass(frozen=True)
class TrendingInputs:
    viewers: int
    chat_messages: int
    coins: int
    new_followers: int
    age_seconds: float


def trending_score(inputs: TrendingInputs) -> tuple[float, dict]:
    """The score of one stream and its components: the weighted activity times 2^(-age / half-life)."""
    window_minutes = TRENDING_WINDOW.total_seconds() / 60
    chat_per_minute = inputs.chat_messages / window_minutes
    activity = (
        WEIGHT_VIEWER * inputs.viewers
        + WEIGHT_CHAT_PER_MINUTE * chat_per_minute
        + WEIGHT_COIN * inputs.coins
        + WEIGHT_NEW_FOLLOWER * inputs.new_followers
    )
    decay = math.pow(0.5, max(inputs.age_seconds, 0.0) / 3600 / TRENDING_HALF_LIFE_HOURS)
    components = {
        "viewers": inputs.viewers,
        "chat_per_minute": round(chat_per_minute, 3),
        "coins": inputs.coins,
        "new_followers": inputs.new_followers,
        "activity": round(activity, 3),
        "decay": round(decay, 5),
    }
    return activity * decay, components


def trending_refresh(*, now: dt.datetime | None = None) -> int:
    """Recompute the score of every public stream live now or ended within the window, and delete the rows of
    the others (ended long ago, gone private). Returns how many streams are scored. Eight queries at most
    (six, and the savepoint around the upsert), whatever the number of streams; one short transaction for the
    writes."""
    now = now or timezone.now()
    since = now - TRENDING_WINDOW
    candidates = stream_trending_candidates(ended_since=since)
    ids = [row["id"] for row in candidates]
    chat = chat_counts_by_stream(stream_ids=ids, start=since, end=now)
    coins = gift_coins_by_stream(stream_ids=ids, start=since, end=now)
    follows = creator_new_follower_counts(creator_ids={row["creator_id"] for row in candidates}, since=since)
    rows = []
    for row in candidates:
        live = row["status"] == "live"
        score, components = trending_score(
            TrendingInputs(
                viewers=row["current_viewers"] if live else 0,
                chat_messages=chat.get(row["id"], 0),
                coins=coins.get(row["id"], 0),
                new_followers=follows.get(row["creator_id"], 0),
                age_seconds=(now - row["started_at"]).total_seconds(),
            )
        )
        rows.append(TrendingScore(stream_id=row["id"], score=score, components=components, computed_at=now))
    with transaction.atomic():
        if rows:
            TrendingScore.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["stream"],
                update_fields=["score", "components", "computed_at"],
            )
        TrendingScore.objects.exclude(stream_id__in=ids).delete()
    return len(rows)


def trending_refresh_if_stale(*, now: dt.datetime | None = None) -> bool:
    """Refresh the scores when the newest is older than TRENDING_FRESH_SECONDS (or there are none): what a read
    calls, so pages are right without the beat job. One query when fresh. Returns whether it refreshed."""
    now = now or timezone.now()
    newest = TrendingScore.objects.aggregate(newest=Max("computed_at"))["newest"]
    if newest is not None and (now - newest).total_seconds() <= TRENDING_FRESH_SECONDS:
        return False
    trending_refresh(now=now)
    return True
