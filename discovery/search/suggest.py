"""As-you-type suggestions for the header's search box: creators, streams and categories, at most 8.

Public data only (public streams, active creators, active categories), the same for every caller, so each
answer is cached briefly under its normalised query. On PostgreSQL the creators and streams are taken in order
of trigram word distance (``<->>``) straight from a GiST trigram index, so the cost does not grow with the
number of matches; on SQLite by prefix / substring (LIKE).
"""

import hashlib

from django.core.cache import cache
from django.db.models import F, FloatField, Func, Q, Value
from django.urls import reverse

from discovery.models import CreatorSearch, StreamSearch
from discovery.search.query import SearchQueryText, WordSimilar, categories_search, is_postgres
from discovery.search.text import normalize
from streams.selectors import stream_public_by_ids

SUGGEST_MAX = 8
PER_KIND = {"creator": 3, "stream": 4, "category": 2}
CANDIDATES = 12  # nearest rows fetched per kind before visibility and liveness are applied
CACHE_SECONDS = 30
STATUS_ORDER = {"live": 0, "scheduled": 1, "ended": 2}  # suggestions: live first, then upcoming, then past


class TrigramWordDistance(Func):
    """``text <->> query``: pg_trgm's word-similarity distance (a GiST trigram index on ``text`` orders by it)."""

    arg_joiner = " <->> "
    template = "(%(expressions)s)"
    output_field = FloatField()


def _nearest(model, column: str, text: SearchQueryText, key: str) -> list:
    """Up to CANDIDATES primary keys of ``model`` rows whose ``column`` matches ``text``, best first."""
    rows = model.objects.all()
    if is_postgres():
        rows = rows.filter(Q(WordSimilar(F(column), Value(text.phrase))) | Q(**{f"{column}__startswith": text.phrase}))
        rows = rows.order_by(TrigramWordDistance(F(column), Value(text.phrase)))
    else:
        for word in text.words:
            rows = rows.filter(**{f"{column}__contains": word})
        rows = rows.order_by(column)
    return list(rows.values_list(key, flat=True)[:CANDIDATES])


def _creators(text: SearchQueryText) -> list[dict]:
    ids = _nearest(CreatorSearch, "name", text, "user_id")
    rows = {
        row.user_id: row
        for row in CreatorSearch.objects.filter(user_id__in=ids, user__is_active=True).select_related(
            "user", "user__creator_profile"
        )
    }
    items = []
    for user_id in ids:
        row = rows.get(user_id)
        if row is None:
            continue
        user = row.user
        profile = getattr(user, "creator_profile", None)
        items.append(
            {
                "type": "creator",
                "label": user.display_name or user.username,
                "detail": f"@{user.username}",
                "url": reverse("channel", args=[user.username]),
                "image": profile.avatar.url if profile is not None and profile.avatar else "",
                "is_verified": user.is_verified,
            }
        )
    return items


def _streams(text: SearchQueryText) -> list[dict]:
    ids = _nearest(StreamSearch, "title", text, "stream_id")
    by_id = {stream.pk: stream for stream in stream_public_by_ids(stream_ids=ids)}
    streams = [by_id[pk] for pk in ids if pk in by_id]
    # Live first, then upcoming, then past; the nearest match first within each.
    streams.sort(key=lambda stream: STATUS_ORDER.get(stream.status, len(STATUS_ORDER)))
    return [
        {
            "type": "stream",
            "label": stream.title,
            "detail": {"live": "Live now", "scheduled": "Upcoming", "ended": "Past broadcast"}[stream.status],
            "url": reverse("stream-detail", args=[stream.pk]),
            "image": stream.thumbnail.url if stream.thumbnail else "",
            "status": stream.status,
        }
        for stream in streams
    ]


def _categories(text: SearchQueryText) -> list[dict]:
    return [
        {
            "type": "category",
            "label": category.name,
            "detail": f"in {category.parent.name}" if category.parent_id else "Category",
            "url": reverse("search-page") + f"?category={category.slug}",
            "image": "",
            "icon": category.icon,
        }
        for category in categories_search(q=text.phrase)
    ]


def _mix(kinds: dict[str, list[dict]]) -> list[dict]:
    """Each kind's share first (creators, streams, categories), then fill to SUGGEST_MAX from what is left."""
    chosen = {kind: items[: PER_KIND[kind]] for kind, items in kinds.items()}
    spare = SUGGEST_MAX - sum(len(items) for items in chosen.values())
    for kind, items in kinds.items():
        extra = items[len(chosen[kind]) : len(chosen[kind]) + max(spare, 0)]
        chosen[kind].extend(extra)
        spare -= len(extra)
    return [item for kind in ("creator", "stream", "category") for item in chosen[kind]][:SUGGEST_MAX]


def search_suggest(*, q: str) -> list[dict]:
    """At most SUGGEST_MAX suggestions for ``q``: ``{type, label, detail, url, image, ...}`` (``image`` is an
    avatar or thumbnail URL, or ""). Empty for a query with no letters or digits. Cached CACHE_SECONDS."""
    text = SearchQueryText.parse(q)
    if not text.words:
        return []
    key = "search:suggest:" + hashlib.sha1(normalize(q).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    items = _mix({"creator": _creators(text), "stream": _streams(text), "category": _categories(text)})
    cache.set(key, items, CACHE_SECONDS)
    return items
