"""Reads of discovery: trending streams, recommendations (each with why), and the home, category and tag pages'
rows. Each runs a fixed number of queries; streams are read through ``streams.selectors`` alone. Reads only: the
trending scores they rank by are refreshed by beat, and under ``make run`` (no beat) by the views, which call
``discovery.services.trending_refresh_if_stale`` before reading."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from accounts.models import User
from streams.selectors import category_tree
from streams.selectors.browse import (
    ROW_LIMIT,
    category_get_with_children,
    cowatch_stream_scores,
    stream_by_ids,
    stream_live_followed,
    stream_live_trending,
    stream_live_trending_ids,
    stream_past,
    stream_recommendable,
    stream_upcoming,
    tag_get,
    viewer_followed_creators,
    viewer_watch_profile,
)

RECOMMEND_LIMIT = 10
# How much each signal adds to a candidate's score (README.md, "Recommendations").
WEIGHT_FOLLOW = 3.0  # the creator is followed
WEIGHT_CATEGORY = 2.0  # times the share of the viewer's watched streams in the stream's category
WEIGHT_TAG = 1.0  # times the share of watched streams carrying the stream's best tag
WEIGHT_COWATCH = 2.5  # times the stream's co-watch weight over the best candidate's
WEIGHT_LIVE = 0.25  # live now: watchable this minute

REASON_TRENDING = "trending"


RECOMMEND_CACHE_SECONDS = 60  # a viewer's list is computed at most once a minute (README.md, "Recommendations")


@dataclass(frozen=True)
class Recommendation:
    stream: Any  # a streams.Stream, loaded once by the caller's loader (cards for pages, the API's shape for it)
    reason: str  # a sentence for people: "because you follow Ada", "popular in Mathematics", ...
    kind: str  # for clients: "follow", "category", "tag", "cowatch", "trending"
    score: float


def trending_list(*, limit: int = ROW_LIMIT) -> list:
    """Public live streams in trending order. One query."""
    return stream_live_trending(limit=limit)


def recommendation_cache_key(user_id) -> str:
    """Where a viewer's computed lists are kept: one key per viewer (``{(limit, pad): [(stream id, reason, kind,
    score)]}``), so one delete forgets them all (``discovery.signals``: a follow or unfollow)."""
    return f"discovery:recommended:{user_id}"


def _trending_picks(limit: int, exclude: set) -> list[tuple]:
    return [
        (pk, REASON_TRENDING, "trending", 0.0)
        for pk in stream_live_trending_ids(limit=limit + len(exclude))
        if pk not in exclude
    ][:limit]


def _recommendation_picks(*, user: User, limit: int, pad: bool) -> list[tuple]:
    """The ranking itself: ``[(stream id, reason, kind, score)]``, best first (at most nine queries)."""
    followed = viewer_followed_creators(user=user)
    watched, category_counts, tag_counts = viewer_watch_profile(user=user)
    cowatch = cowatch_stream_scores(user=user) if watched else {}
    for stream_id in watched:
        cowatch.pop(stream_id, None)
    if not followed and not watched:
        return _trending_picks(limit, set())
    top_categories = sorted(category_counts, key=category_counts.get, reverse=True)[:10]
    top_tags = sorted(tag_counts, key=tag_counts.get, reverse=True)[:20]
    top_cowatch = sorted(cowatch, key=cowatch.get, reverse=True)[:100]
    candidates = stream_recommendable(
        user=user,
        creator_ids=followed,
        category_ids=top_categories,
        tag_ids=top_tags,
        stream_ids=top_cowatch,
        exclude_ids=watched,
    )
    seen = max(len(watched), 1)
    best_cowatch = max((cowatch[pk] for pk in top_cowatch), default=0.0) or 1.0
    scored = []
    for row in candidates:
        parts: dict[str, tuple[float, str]] = {}
        if row["creator_id"] in followed:
            parts["follow"] = (WEIGHT_FOLLOW, f"because you follow {followed[row['creator_id']]}")
        if row["category_id"] in category_counts and row["category_name"] is not None:
            share = category_counts[row["category_id"]] / seen
            parts["category"] = (WEIGHT_CATEGORY * share, f"popular in {row['category_name']}")
        tags = [(tag_id, name) for tag_id, name in row["tag_pairs"] if tag_id in tag_counts]
        if tags:
            tag_id, name = max(tags, key=lambda pair: (tag_counts[pair[0]], pair[1]))
            parts["tag"] = (WEIGHT_TAG * tag_counts[tag_id] / seen, f"more on {name}")
        if row["id"] in cowatch:
            parts["cowatch"] = (WEIGHT_COWATCH * cowatch[row["id"]] / best_cowatch, "viewers like you watched this")
        if not parts:
            continue
        kind = max(parts, key=lambda name: parts[name][0])
        score = sum(weight for weight, _ in parts.values()) + (WEIGHT_LIVE if row["status"] == "live" else 0.0)
        scored.append((row["created_at"], (row["id"], parts[kind][1], kind, score)))
    scored.sort(key=lambda pair: (-pair[1][3], -pair[0].timestamp()))
    picks = [pick for _, pick in scored[:limit]]
    if pad and len(picks) < limit:
        picks += _trending_picks(limit - len(picks), {pick[0] for pick in picks} | watched)
    return picks


def recommendation_list(
    *,
    user: User | None,
    limit: int = RECOMMEND_LIMIT,
    pad: bool = True,
    load: Callable[[list], dict] | None = None,
) -> list[Recommendation]:
    """Up to ``limit`` public streams for ``user``, best first, each with why: their follows, the categories and
    tags of what they watched (viewer sessions), and what viewers who watched the same streams watched. Never a
    private or unlisted stream, their own, or one they watched already. Signed out, or nothing to go on (cold
    start): trending. ``pad`` fills the rest with trending.

    The ranking is kept RECOMMEND_CACHE_SECONDS per viewer (a follow or unfollow forgets it at once; a stream
    watched meanwhile may stay offered until then); the streams are loaded once, on every read, by ``load``
    (``{id: stream}`` for a list of ids; default the cards of the home page), which shows public streams alone,
    so one made private meanwhile is dropped. Computed: at most ten queries; cached: one (the load)."""
    load = load or (lambda ids: stream_by_ids(ids=ids))
    if user is None or not user.is_authenticated:
        picks = _trending_picks(limit, set())
    else:
        key = recommendation_cache_key(user.pk)
        lists = cache.get(key) or {}
        picks = lists.get((limit, pad))
        if picks is None:
            picks = _recommendation_picks(user=user, limit=limit, pad=pad)
            cache.set(key, {**lists, (limit, pad): picks}, RECOMMEND_CACHE_SECONDS)
    streams = load([pick[0] for pick in picks]) if picks else {}
    return [
        Recommendation(stream=streams[pk], reason=reason, kind=kind, score=score)
        for pk, reason, kind, score in picks
        if pk in streams
    ]


def home_rows(*, user) -> dict:
    """The home page's rows: live now (trending), live from followed channels and recommended (signed in),
    upcoming, categories and past broadcasts. A fixed number of queries."""
    signed_in = user is not None and user.is_authenticated
    return {
        "live": stream_live_trending(),
        "following": stream_live_followed(user=user) if signed_in else [],
        "recommended": recommendation_list(user=user, pad=False) if signed_in else [],
        "upcoming": stream_upcoming(),
        "categories": category_tree(),
        "past": stream_past(),
    }


def category_page(*, slug: str) -> dict:
    """A category, its sub-categories, and live, upcoming and past streams in it and below it; ``NotFound`` for
    an unknown slug. Four queries."""
    category, children, ids = category_get_with_children(slug=slug)
    return {
        "category": category,
        "children": children,
        "live": stream_live_trending(category_ids=ids),
        "upcoming": stream_upcoming(category_ids=ids),
        "past": stream_past(category_ids=ids),
    }


def tag_page(*, slug: str) -> dict:
    """A tag and its live, upcoming and past streams; ``NotFound`` for an unknown tag. Four queries."""
    tag = tag_get(slug=slug)
    return {
        "tag": tag,
        "live": stream_live_trending(tag=tag),
        "upcoming": stream_upcoming(tag=tag),
        "past": stream_past(tag=tag),
    }
