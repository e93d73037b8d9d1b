"""As-you-type suggestions for the header's search box: creators, streams and categories, at most 8.

Public data only (public streams, active creators, active categories), the same for every caller, so each
answer is cached briefly under its normalised query. On PostgreSQL creators and streams are matched by trigram
word similarity or prefix on GIN trigram indexes, a bounded number of them, ranked in Python; on SQLite by
substring (LIKE).
"""

import hashlib

from django.core.cache import cache
from django.db.models import F, Q, Value
from django.urls import reverse

from discovery.models import CreatorSearch, StreamSearch
from discovery.search.query import SearchQueryText, WordSimilar, categories_search, is_postgres
from discovery.search.text import normalize, word_similarity
from streams.selectors import stream_public_q

SUGGEST_MAX = 8
PER_KIND = {"creator": 3, "stream": 4, "category": 2}
CANDIDATES = 24  # matching rows fetched per kind, then ranked, then narrowed to the visible ones
CACHE_SECONDS = 30
STATUS_ORDER = {"live": 0, "scheduled": 1, "ended": 2}  # suggestions: live first, then upcoming, then past
STATUS_WORDS = {"live": "Live now", "scheduled": "Upcoming", "ended": "Past broadcast"}


def _rank(text: SearchQueryText, value: str) -> tuple:
    """Best first: the whole text starting with the phrase, then a word starting with it, then similarity."""
    words = value.split()
    return (
        not value.startswith(text.phrase),
        not any(word.startswith(text.words[-1]) for word in words),
        -min(word_similarity(word, value) for word in text.words),
        value,
    )


def _matching(rows, column: str, text: SearchQueryText):
    """``rows`` narrowed to those whose ``column`` matches ``text``, unordered.

    PostgreSQL: trigram word similarity or prefix, on a trigram GIN index; the caller takes the first
    CANDIDATES (a bitmap scan that stops at the limit: ordering by similarity in SQL would rank every match,
    thousands for a common word) and ranks those few in Python. SQLite: every word as a substring.
    """
    if is_postgres():
        return rows.filter(Q(WordSimilar(F(column), Value(text.phrase))) | Q(**{f"{column}__startswith": text.phrase}))
    for word in text.words:
        rows = rows.filter(**{f"{column}__contains": word})
    return rows


def _creators(text: SearchQueryText) -> list[dict]:
    rows = _matching(CreatorSearch.objects.filter(user__is_active=True), "name", text)
    found = list(rows.select_related("user", "user__creator_profile")[:CANDIDATES])
    found.sort(key=lambda row: _rank(text, row.name))
    channel = reverse("channel", args=["-"])[:-2]  # "/@": one reverse, not one per row
    items = []
    for row in found:
        user = row.user
        profile = getattr(user, "creator_profile", None)
        items.append(
            {
                "type": "creator",
                "label": user.display_name or user.username,
                "detail": f"@{user.username}",
                "url": f"{channel}{user.username}/",
                "image": profile.avatar.url if profile is not None and profile.avatar else "",
                "is_verified": user.is_verified,
            }
        )
    return items


def _streams(text: SearchQueryText) -> list[dict]:
    rows = _matching(StreamSearch.objects.filter(stream_public_q(through="stream__")), "title", text)
    found = list(rows.select_related("stream")[:CANDIDATES])
    # Live first, then upcoming, then past; the best match first within each.
    found.sort(key=lambda row: (STATUS_ORDER.get(row.stream.status, len(STATUS_ORDER)), _rank(text, row.title)))
    detail_url = reverse("stream-detail", args=["00000000-0000-0000-0000-000000000000"])
    items = []
    for row in found:
        stream = row.stream
        items.append(
            {
                "type": "stream",
                "label": stream.title,
                "detail": STATUS_WORDS[stream.status],
                "url": detail_url.replace("00000000-0000-0000-0000-000000000000", str(stream.pk)),
                "image": stream.thumbnail.url if stream.thumbnail else "",
                "status": stream.status,
            }
        )
    return items


def _categories(text: SearchQueryText) -> list[dict]:
    search_url = reverse("search-page")
    return [
        {
            "type": "category",
            "label": category.name,
            "detail": f"in {category.parent.name}" if category.parent_id else "Category",
            "url": f"{search_url}?category={category.slug}",
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
    key = "search:suggest:" + hashlib.sha256(normalize(q).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    items = _mix({"creator": _creators(text), "stream": _streams(text), "category": _categories(text)})
    cache.set(key, items, CACHE_SECONDS)
    return items
