"""As-you-type suggestions for the header's search box: creators, streams and categories, at most 8.

Public data only (public streams, active creators, active categories), the same for every caller, so each
answer is cached briefly under its normalised query. On PostgreSQL creators are matched by trigram word
similarity or prefix on a GIN trigram index, and streams through the titles' vocabulary (``SearchWord``: each
query word by prefix or similarity) and then the titles' full-text index; a bounded number of each, ranked in
Python. On SQLite by substring (LIKE).
"""

import hashlib

from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramSimilarity
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, Value, When
from django.urls import reverse

from discovery.models import CreatorSearch, SearchWord, StreamSearch
from discovery.search.query import SearchQueryText, WordSimilar, categories_search, is_postgres
from discovery.search.text import normalize, word_similarity
from streams.selectors import stream_public_q

SUGGEST_MAX = 8
PER_KIND = {"creator": 3, "stream": 4, "category": 2}
CANDIDATES = 24  # matching rows fetched per kind, then ranked, then narrowed to the visible ones
CACHE_SECONDS = 30
WORD_CANDIDATES = 6  # title words a query word may mean (PostgreSQL)
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
    found = list(
        rows.values_list(
            "name", "user__username", "user__display_name", "user__is_verified", "user__creator_profile__avatar"
        )[:CANDIDATES]
    )  # the columns shown, not the users' and profiles' whole rows: this is the box's every keystroke
    found.sort(key=lambda row: _rank(text, row[0]))
    channel = reverse("channel", args=["-"])[:-2]  # "/@": one reverse, not one per row
    return [
        {
            "type": "creator",
            "label": display_name or username,
            "detail": f"@{username}",
            "url": f"{channel}{username}/",
            "image": default_storage.url(avatar) if avatar else "",
            "is_verified": is_verified,
        }
        for _, username, display_name, is_verified, avatar in found
    ]


class Similar(Func):
    """``word % query``: trigram similarity above pg_trgm.similarity_threshold (a trigram index serves it)."""

    arg_joiner = " %% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _vocabulary(word: str) -> list[str]:
    """The title words a query word may mean (PostgreSQL): those starting with it first, then the most similar
    ("adre" -> "adire"), at most WORD_CANDIDATES; from the vocabulary, a few thousand rows, on its trigram index.
    """
    starts = Case(When(word__startswith=word, then=Value(1)), default=Value(0), output_field=IntegerField())
    return list(
        SearchWord.objects.filter(Q(word__startswith=word) | Q(Similar(F("word"), Value(word))))
        .order_by(starts.desc(), TrigramSimilarity("word", word).desc(), "word")
        .values_list("word", flat=True)[:WORD_CANDIDATES]
    )


def _stream_rows(text: SearchQueryText):
    """Public streams whose title matches ``text``, unordered. PostgreSQL: every query word is matched to title
    words through the vocabulary, then the titles holding one of each word's matches are found on the titles'
    full-text index (a trigram match of the query against 100,000 whole titles rechecked thousands of rows for
    a misspelling). SQLite: every word as a substring of the title."""
    rows = StreamSearch.objects.filter(stream_public_q(through="stream__"))
    if not is_postgres():
        return _matching(rows, "title", text)
    alternatives = []
    for word in text.words:
        meanings = _vocabulary(word)
        if not meanings:
            return rows.none()
        alternatives.append("(" + " | ".join(meanings) + ")")  # normal-form words: letters and digits only
    wanted = SearchQuery(" & ".join(alternatives), search_type="raw", config="simple")
    return rows.alias(title_vector=SearchVector("title", config="simple")).filter(title_vector=wanted)


def _streams(text: SearchQueryText) -> list[dict]:
    found = list(
        _stream_rows(text).values_list("title", "stream_id", "stream__title", "stream__status", "stream__thumbnail")[
            :CANDIDATES
        ]
    )
    # Live first, then upcoming, then past; the best match first within each.
    found.sort(key=lambda row: (STATUS_ORDER.get(row[3], len(STATUS_ORDER)), _rank(text, row[0])))
    detail_url = reverse("stream-detail", args=["00000000-0000-0000-0000-000000000000"])
    return [
        {
            "type": "stream",
            "label": title,
            "detail": STATUS_WORDS[status],
            "url": detail_url.replace("00000000-0000-0000-0000-000000000000", str(stream_id)),
            "image": default_storage.url(thumbnail) if thumbnail else "",
            "status": status,
        }
        for _, stream_id, title, status, thumbnail in found
    ]


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
