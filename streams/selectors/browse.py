"""Reads for discovery (the ``discovery`` app: home, category and tag pages, trending, recommendations).

Each runs a fixed number of queries, whatever the number of streams. Only public streams are offered: a
private or unlisted stream is never listed, recommended or scored. streams imports nothing of discovery; the
stored trending score is reached by the reverse accessor ``trending`` (``discovery.TrendingScore``).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from livestream.errors import NotFound
from streams.models import Category, Follow, Stream, Tag, ViewerSession, tag_normalize
from streams.querysets import category_active_rows, category_subtree_ids, stream_order_trending
from streams.selectors import _stream_base

ROW_LIMIT = 12
UPCOMING_DAYS = 14  # "upcoming" on the home page: scheduled to start within this many days
UPCOMING_LATE = dt.timedelta(minutes=30)  # a scheduled stream a little late to start is still upcoming
RECOMMEND_PAST_DAYS = 30  # ended streams (their recordings) younger than this may be recommended
RECOMMEND_CANDIDATES = 200
NEIGHBOURS = 50


def _cards() -> QuerySet[Stream]:
    """Public streams with what ``streams/_card.html`` shows (creator, category) in the same query."""
    return Stream.objects.filter(visibility=Stream.Visibility.PUBLIC).select_related("creator", "category")


def _scope(streams: QuerySet[Stream], *, category_ids: Iterable[int] | None, tag: Tag | None) -> QuerySet[Stream]:
    if category_ids is not None:
        streams = streams.filter(category_id__in=list(category_ids))
    if tag is not None:
        streams = streams.filter(tags=tag)
    return streams


def stream_live_trending_ids(*, limit: int = ROW_LIMIT) -> list:
    """The ids of public live streams in trending order (what recommendations pad with). One query."""
    streams = Stream.objects.filter(visibility=Stream.Visibility.PUBLIC, status=Stream.Status.LIVE)
    return list(stream_order_trending(streams).values_list("pk", flat=True)[:limit])


def stream_live_trending(*, category_ids=None, tag: Tag | None = None, limit: int = ROW_LIMIT) -> list[Stream]:
    """Public live streams in trending order (``streams.querysets.stream_order_trending``). One query."""
    streams = _scope(_cards().filter(status=Stream.Status.LIVE), category_ids=category_ids, tag=tag)
    return list(stream_order_trending(streams)[:limit])


def stream_live_followed(*, user, limit: int = ROW_LIMIT) -> list[Stream]:
    """Public live streams of the creators ``user`` follows, busiest first; [] when signed out. One query."""
    if user is None or not user.is_authenticated:
        return []
    streams = _cards().filter(status=Stream.Status.LIVE, creator__followers__follower=user)
    return list(streams.order_by("-current_viewers", "-started_at")[:limit])


def _upcoming_q(now: dt.datetime) -> Q:
    """Scheduled to start within UPCOMING_DAYS (a little late still counts), or scheduled with no time set yet."""
    return Q(status=Stream.Status.SCHEDULED) & (
        Q(scheduled_start_time__isnull=True)
        | Q(
            scheduled_start_time__gte=now - UPCOMING_LATE,
            scheduled_start_time__lte=now + dt.timedelta(days=UPCOMING_DAYS),
        )
    )


def stream_upcoming(*, category_ids=None, tag: Tag | None = None, limit: int = ROW_LIMIT) -> list[Stream]:
    """Public scheduled streams starting soon (``_upcoming_q``), soonest first, those with no time yet last. One
    query."""
    streams = _cards().filter(_upcoming_q(timezone.now()))
    streams = _scope(streams, category_ids=category_ids, tag=tag)
    return list(streams.order_by(F("scheduled_start_time").asc(nulls_last=True), "-created_at")[:limit])


def stream_past(*, category_ids=None, tag: Tag | None = None, limit: int = ROW_LIMIT) -> list[Stream]:
    """Public ended streams (past broadcasts), the latest to end first. One query."""
    streams = _scope(_cards().filter(status=Stream.Status.ENDED), category_ids=category_ids, tag=tag)
    return list(streams.order_by(F("ended_at").desc(nulls_last=True))[:limit])


def category_get_with_children(*, slug: str) -> tuple[Category, list[Category], list[int]]:
    """An active category by slug, its active sub-categories, and its ids and its descendants' ids (for the rows);
    ``NotFound`` for an unknown or inactive slug. One query (the whole tree: a few hundred rows at most)."""
    categories = category_active_rows()
    category = next((c for c in categories if c.slug == slug), None)
    if category is None:
        raise NotFound("No such category.")
    children = [node for node in categories if node.parent_id == category.pk]
    ids = category_subtree_ids(categories, category.pk)  # an inactive category hides its branch
    parent = next((c for c in categories if c.pk == category.parent_id), None)
    category.parent = parent  # for the breadcrumb, without a query; None when it is inactive (hidden)
    return category, children, ids


def tag_get(*, slug: str) -> Tag:
    """A tag by its URL form: its name, or its name with '-' for spaces; ``NotFound`` otherwise. One query."""
    name = tag_normalize(slug.replace("-", " "))
    tag = Tag.objects.filter(Q(name=name) | Q(name=tag_normalize(slug))).order_by("name").first()
    if tag is None:
        raise NotFound("No such tag.")
    return tag


# --- Trending: the inputs of the score -----------------------------------------------------------------


def stream_trending_candidates(*, ended_since: dt.datetime) -> list[dict]:
    """Public streams live now or ended since ``ended_since``: ``id``, ``creator_id``, ``current_viewers``,
    ``status``, ``started_at``, ``ended_at``. One query."""
    streams = Stream.objects.filter(visibility=Stream.Visibility.PUBLIC, started_at__isnull=False).filter(
        Q(status=Stream.Status.LIVE) | Q(status=Stream.Status.ENDED, ended_at__gte=ended_since)
    )
    # In id order: concurrent refreshes upsert the scores' rows in the same order, so they cannot deadlock.
    return list(
        streams.order_by("id").values("id", "creator_id", "current_viewers", "status", "started_at", "ended_at")
    )


def creator_new_follower_counts(*, creator_ids: Iterable, since: dt.datetime) -> dict:
    """New followers of each of ``creator_ids`` since ``since``. One query (the follows' creator index)."""
    creator_ids = list(creator_ids)
    if not creator_ids:
        return {}
    rows = (
        Follow.objects.filter(creator_id__in=creator_ids, created_at__gte=since)
        .values("creator_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["creator_id"]: row["n"] for row in rows}


# --- Recommendations: what a viewer follows and watched, and what viewers like them watched -------------


def viewer_followed_creators(*, user: User) -> dict:
    """The creators ``user`` follows: ``{creator id: public name}``. One query."""
    rows = Follow.objects.filter(follower=user).values_list("creator_id", "creator__display_name", "creator__username")
    return {pk: display_name or username for pk, display_name, username in rows}


def viewer_watch_profile(*, user: User) -> tuple[set, dict, dict]:
    """What ``user`` watched (viewer sessions): the stream ids, and how many of those streams were in each
    category and carried each tag (``{category id: n}``, ``{tag id: n}``). Two queries."""
    rows = list(
        ViewerSession.objects.filter(user=user).values("stream_id", "stream__category_id").distinct().order_by()
    )
    watched = {row["stream_id"] for row in rows}
    categories: dict = defaultdict(int)
    for row in {(r["stream_id"], r["stream__category_id"]) for r in rows}:
        if row[1] is not None:
            categories[row[1]] += 1
    tags: dict = {}
    if watched:
        tag_rows = (
            Stream.tags.through.objects.filter(stream__viewer_sessions__user=user)
            .values("tag_id")
            .annotate(n=Count("stream_id", distinct=True))
            .order_by()
        )
        tags = {row["tag_id"]: row["n"] for row in tag_rows}
    return watched, dict(categories), tags


def cowatch_stream_scores(*, user: User, neighbours: int = NEIGHBOURS) -> dict:
    """What viewers like ``user`` watched: the ``neighbours`` signed-in viewers who watched the most of the same
    streams, and for each stream they watched, the sum of their overlaps with ``user`` (``{stream id: weight}``;
    streams ``user`` watched included: the caller leaves them out). Two queries."""
    mine = ViewerSession.objects.filter(user=user).values("stream_id")
    similar = list(
        ViewerSession.objects.filter(stream_id__in=mine, user__isnull=False)
        .exclude(user=user)
        .values("user_id")
        .annotate(overlap=Count("stream_id", distinct=True))
        .order_by("-overlap", "user_id")[:neighbours]
    )
    if not similar:
        return {}
    overlap = {row["user_id"]: row["overlap"] for row in similar}
    pairs = ViewerSession.objects.filter(user_id__in=list(overlap)).values_list("user_id", "stream_id").distinct()
    scores: dict = defaultdict(float)
    for user_id, stream_id in pairs.order_by():
        scores[stream_id] += overlap[user_id]
    return dict(scores)


def stream_recommendable(
    *,
    user: User,
    creator_ids: Iterable = (),
    category_ids: Iterable = (),
    tag_ids: Iterable = (),
    stream_ids: Iterable = (),
    exclude_ids: Iterable = (),
    limit: int = RECOMMEND_CANDIDATES,
) -> list[dict]:
    """Public streams worth recommending to ``user`` that match any signal (a followed creator, a watched category
    or tag, a co-watched stream): live, upcoming (as ``stream_upcoming``), or ended within RECOMMEND_PAST_DAYS;
    never ``user``'s own nor ``exclude_ids``. The strong signals (followed creators, co-watched streams) and the
    broad ones (categories, tags) are fetched apart, ``limit`` each, so a big category cannot crowd out a
    co-watched stream; within each, live first, then in trending order. Rows, not streams (the few that are
    recommended are loaded once, in the shape their page or the API needs): ``id``, ``creator_id``,
    ``category_id``, ``category_name``, ``status``, ``created_at`` and ``tag_pairs`` ([(tag id, name)]). Three
    queries (strong, broad, their tags)."""
    now = timezone.now()
    open_now = (
        Q(status=Stream.Status.LIVE)
        | _upcoming_q(now)
        | Q(status=Stream.Status.ENDED, ended_at__gte=now - dt.timedelta(days=RECOMMEND_PAST_DAYS))
    )
    base = stream_order_trending(
        Stream.objects.filter(visibility=Stream.Visibility.PUBLIC)
        .filter(open_now)
        .exclude(creator=user)
        .exclude(pk__in=list(exclude_ids)),
        first=(Case(When(status=Stream.Status.LIVE, then=Value(0)), default=Value(1), output_field=IntegerField()),),
    )
    strong = Q(creator_id__in=list(creator_ids)) | Q(pk__in=list(stream_ids))
    broad = Q(category_id__in=list(category_ids))
    tag_ids = list(tag_ids)
    if tag_ids:
        broad |= Q(pk__in=Stream.tags.through.objects.filter(tag_id__in=tag_ids).values("stream_id"))
    fields = ("id", "creator_id", "category_id", "status", "created_at")
    found: dict = {}
    for signal in (strong, broad):
        for row in base.filter(signal).values(*fields, category_name=F("category__name"))[:limit]:
            found.setdefault(row["id"], row)
    streams = list(found.values())
    # Tags as (id, name) pairs in one flat query: a prefetch builds a queryset per stream, which cost more than
    # the SQL at a few hundred candidates (bench/recommendations.py).
    pairs: dict = defaultdict(list)
    rows = Stream.tags.through.objects.filter(stream_id__in=list(found))
    for stream_id, tag_id, name in rows.values_list("stream_id", "tag_id", "tag__name").order_by("tag__name"):
        pairs[stream_id].append((tag_id, name))
    for stream in streams:
        stream["tag_pairs"] = pairs.get(stream["id"], [])
    return streams


def stream_by_ids(*, ids: Iterable) -> dict:
    """Public streams by id, with creator and category: ``{id: Stream}``. One query."""
    return {stream.pk: stream for stream in _cards().filter(pk__in=list(ids))}


def stream_list_by_ids(*, ids: Iterable, user) -> list[Stream]:
    """Public streams by id in the order of ``ids``, loaded as the API's list is (creator, category, tags, the
    viewer's access, the stored trending score). Three queries at most."""
    ids = list(ids)
    if not ids:
        return []
    streams = _stream_base(user).filter(visibility=Stream.Visibility.PUBLIC, pk__in=ids).select_related("trending")
    by_id = {stream.pk: stream for stream in streams}
    return [by_id[pk] for pk in ids if pk in by_id]
