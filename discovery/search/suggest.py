"""As-you-type suggestions for the header's search box: creators, streams and categories, at most 8.

Public data only (public streams, active creators, active categories), the same for every caller, so each
answer is cached briefly under its normalised query. On PostgreSQL creators are matched by trigram word
similarity or prefix on a GIN trigram index, and streams through the titles' vocabulary (``SearchWord``: each
query word by prefix or similarity) and then the titles' full-text index; a bounded number of each, ranked in
Python. On SQLite by substring (LIKE), through the ORM.

The PostgreSQL path is the box's every keystroke, so it is two fixed SQL statements (``_pg_vocabulary``, then
``_pg_rows``: creators and streams in one round trip) rather than ORM querysets: building the three or four
querysets cost more than running them (about 1.5 ms each against 0.2-4 ms of SQL; bench/search_suggest.py).
Their tables and columns are the models' (``_meta``), so a renamed field fails the tests, not production.
"""

import functools
import hashlib

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse

from discovery.models import CreatorSearch, SearchWord, StreamSearch
from discovery.search.query import SearchQueryText, categories_search, is_postgres
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


_NIL_UUID = "00000000-0000-0000-0000-000000000000"


def _creator_item(channel_url: str, username: str, display_name: str, is_verified: bool, avatar: str) -> dict:
    return {
        "type": "creator",
        "label": display_name or username,
        "detail": f"@{username}",
        "url": f"{channel_url}{username}/",
        "image": default_storage.url(avatar) if avatar else "",
        "is_verified": is_verified,
    }


def _stream_item(detail_url: str, stream_id, title: str, status: str, thumbnail: str) -> dict:
    return {
        "type": "stream",
        "label": title,
        "detail": STATUS_WORDS[status],
        "url": detail_url.replace(_NIL_UUID, str(stream_id)),
        "image": default_storage.url(thumbnail) if thumbnail else "",
        "status": status,
    }


def _creators_and_streams(text: SearchQueryText) -> tuple[list[dict], list[dict]]:
    """Matching creators (best first) and public streams (live, then upcoming, then past; best first within)."""
    if is_postgres():
        creators, streams = _pg_rows(text, _pg_vocabulary(text))
    else:
        creators = list(
            _matching(CreatorSearch.objects.filter(user__is_active=True), "name", text).values_list(
                "name", "user__username", "user__display_name", "user__is_verified", "user__creator_profile__avatar"
            )[:CANDIDATES]
        )
        streams = list(
            _matching(StreamSearch.objects.filter(stream_public_q(through="stream__")), "title", text).values_list(
                "title", "stream_id", "stream__title", "stream__status", "stream__thumbnail"
            )[:CANDIDATES]
        )
    creators.sort(key=lambda row: _rank(text, row[0]))
    streams.sort(key=lambda row: (STATUS_ORDER.get(row[3], len(STATUS_ORDER)), _rank(text, row[0])))
    channel_url = reverse("channel", args=["-"])[:-2]  # "/@": one reverse each, not one per row
    detail_url = reverse("stream-detail", args=[_NIL_UUID])
    return (
        [_creator_item(channel_url, *row[1:]) for row in creators],
        [_stream_item(detail_url, *row[1:]) for row in streams],
    )


def _matching(rows, column: str, text: SearchQueryText):
    """SQLite: ``rows`` narrowed to those whose ``column`` holds every word of ``text``, unordered."""
    for word in text.words:
        rows = rows.filter(**{f"{column}__contains": word})
    return rows


@functools.cache
def _pg_sql() -> dict[str, str]:
    """The PostgreSQL statements' fixed parts, named from the models (see the module's docstring)."""
    user = get_user_model()
    profile = user._meta.get_field("creator_profile").related_model
    stream = StreamSearch._meta.get_field("stream").related_model

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    def column(model, name: str) -> str:
        return f"{table(model)}.{connection.ops.quote_name(model._meta.get_field(name).column)}"

    word = column(SearchWord, "word")
    # S608: what is interpolated is table and column names from the models, quoted; every value is a parameter.
    return {
        # One query word's meanings: the title words starting with it first, then the most similar ("adre" ->
        # "adire"), at most WORD_CANDIDATES; from the vocabulary (a few thousand rows) on its trigram index.
        "word": (
            f"(SELECT %s AS n, {word} FROM {table(SearchWord)} WHERE {word} LIKE %s OR {word} %% %s "  # noqa: S608
            f"ORDER BY {word} LIKE %s DESC, similarity({word}, %s) DESC, {word} LIMIT {WORD_CANDIDATES})"
        ),
        # Creators by trigram word similarity or prefix of their name, on its trigram index; the first
        # CANDIDATES (a bitmap scan stopping at the limit: ordering by similarity in SQL would rank every
        # match, thousands for a common word), ranked in Python. Only the columns shown.
        "creators": (
            f"(SELECT 0, {column(CreatorSearch, 'name')}, {column(user, 'username')}, "  # noqa: S608
            f"{column(user, 'display_name')}, {column(user, 'is_verified')}, {column(profile, 'avatar')}::text, NULL "
            f"FROM {table(CreatorSearch)} "
            f"JOIN {table(user)} ON {column(CreatorSearch, 'user')} = {column(user, 'id')} "
            f"LEFT JOIN {table(profile)} ON {column(profile, 'user')} = {column(user, 'id')} "
            f"WHERE {column(user, 'is_active')} "
            f"AND ({column(CreatorSearch, 'name')} %%> %s OR {column(CreatorSearch, 'name')} LIKE %s) "
            f"LIMIT {CANDIDATES})"
        ),
        # Public streams whose title holds one of each query word's meanings, on the titles' full-text index
        # (a trigram match of the query against 100,000 whole titles rechecked thousands of rows for a
        # misspelling). Its rows have the creators' shape: (kind, matched, key, label, is_verified, image,
        # status).
        "streams": (
            f"(SELECT 1, {column(StreamSearch, 'title')}, {column(StreamSearch, 'stream')}::text, "  # noqa: S608
            f"{column(stream, 'title')}, NULL, {column(stream, 'thumbnail')}::text, {column(stream, 'status')} "
            f"FROM {table(StreamSearch)} "
            f"JOIN {table(stream)} ON {column(StreamSearch, 'stream')} = {column(stream, 'id')} "
            f"WHERE {_pg_public()[0]} "
            f"AND to_tsvector('simple', COALESCE({column(StreamSearch, 'title')}, '')) @@ to_tsquery('simple', %s) "
            f"LIMIT {CANDIDATES})"
        ),
    }


@functools.cache
def _pg_public() -> tuple[str, list]:
    """The streams' own rule for "public" (``stream_public_q``) as SQL on the stream's table, and its parameters:
    one rule for every search path, compiled once."""
    query = StreamSearch.objects.filter(stream_public_q(through="stream__")).query
    compiler = query.get_compiler(connection=connection)
    compiler.pre_sql_setup()
    sql, params = query.where.as_sql(compiler, connection)
    return sql, list(params)


def _pg_vocabulary(text: SearchQueryText) -> list[list[str]]:
    """Each query word's meanings in the titles' vocabulary (PostgreSQL), in one statement."""
    sql = " UNION ALL ".join([_pg_sql()["word"]] * len(text.words))
    params: list = []
    for n, word in enumerate(text.words):  # normal-form words: letters and digits, nothing LIKE treats specially
        params += [n, f"{word}%", word, f"{word}%", word]
    meanings: list[list[str]] = [[] for _ in text.words]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for n, word in cursor.fetchall():
            meanings[n].append(word)
    return meanings


def _pg_rows(text: SearchQueryText, meanings: list[list[str]]) -> tuple[list[tuple], list[tuple]]:
    """Creators ``(name, username, display_name, is_verified, avatar)`` and public streams ``(title, id, title,
    status, thumbnail)`` matching ``text`` (PostgreSQL), unordered, in one statement. No streams when a query
    word means nothing in the vocabulary."""
    sql = _pg_sql()
    statement, params = sql["creators"], [text.phrase, f"{text.phrase}%"]
    if all(meanings):
        # Normal-form words only (letters and digits): the tsquery cannot be malformed.
        wanted = " & ".join("(" + " | ".join(words) + ")" for words in meanings)
        statement += " UNION ALL " + sql["streams"]
        params += [*_pg_public()[1], wanted]
    creators, streams = [], []
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for kind, matched, key, label, is_verified, image, status in cursor.fetchall():
            if kind == 0:
                creators.append((matched, key, label, is_verified, image or ""))
            else:
                streams.append((matched, key, label, status, image or ""))
    return creators, streams


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
    creators, streams = _creators_and_streams(text)
    items = _mix({"creator": creators, "stream": streams, "category": _categories(text)})
    cache.set(key, items, CACHE_SECONDS)
    return items
