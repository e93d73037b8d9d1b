"""The search itself: streams, creators, categories and tags matching a query, one function per kind.

PostgreSQL: a stream matches when its stored document matches every word as a prefix (full-text search,
``simple`` configuration, ranked with the weights title A > description B > tags C) or when its title holds a
word similar to the query (pg_trgm ``%>``: "yorba" finds "Yoruba"); creators by trigram word similarity of
their normalised "username display name". SQLite: every word in the normalised title, description or tags
(LIKE), ranked title > description > tag. Categories and tags are few and matched in Python the same way on both.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Case, F, FloatField, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from discovery.models import CreatorSearch
from discovery.search.text import normalize, query_words, word_similarity
from streams.selectors import (
    category_active_list,
    category_ids_under,
    stream_order_trending,
    stream_public_list,
    tag_names_matching,
    tag_public_counts,
)

TYPES = ("all", "streams", "creators", "categories", "tags")
STATUSES = ("live", "scheduled", "ended")
SORTS = ("relevance", "recent", "viewers", "trending")
Q_MAX = 100
CATEGORY_SIMILARITY_MIN = 0.4  # Python's per-word trigram similarity (Jaccard) for category names and tags


class WordSimilar(Func):
    """``text %> query``: some word of ``text`` is similar to ``query`` (pg_trgm; a trigram index serves it)."""

    arg_joiner = " %%> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class SearchQueryText:
    """A query as search uses it: its normalised words, and the phrase they make."""

    words: tuple[str, ...]

    @classmethod
    def parse(cls, q: str) -> "SearchQueryText":
        return cls(tuple(query_words(q)))

    @property
    def phrase(self) -> str:
        return " ".join(self.words)

    def tsquery(self) -> SearchQuery:
        # Words are letters and digits only (text.normalize), so the raw form cannot be malformed.
        return SearchQuery(" & ".join(f"{word}:*" for word in self.words), search_type="raw", config="simple")


def _recency():
    return Coalesce("started_at", "scheduled_start_time", "created_at")


def streams_search(*, q: str = "", status: str = "", category: str = "", sort: str = "relevance", user=None):
    """Public streams matching ``q`` (all public streams when it has no words), filtered by ``status`` and by
    ``category`` (its slug; sub-categories included), ordered by ``sort``. Raises ValidationError
    (code ``unknown_category``) for a category slug that does not exist. One query (plus tags' prefetch)."""
    streams = stream_public_list(user=user)
    if status:
        streams = streams.filter(status=status)
    if category:
        ids = category_ids_under(slug=category)
        if not ids:
            raise ValidationError({"category": [ValidationError("No such category.", code="unknown_category")]})
        streams = streams.filter(category_id__in=ids)
    text = SearchQueryText.parse(q)
    if text.words:
        if is_postgres():
            tsquery = text.tsquery()
            streams = streams.filter(
                Q(search__document=tsquery) | Q(WordSimilar(F("search__title"), Value(text.phrase)))
            ).annotate(
                relevance=SearchRank(F("search__document"), tsquery, weights=[0.1, 0.2, 0.4, 1.0])
                + TrigramWordSimilarity(Value(text.phrase), "search__title")
            )
        else:
            score = Value(0, output_field=IntegerField())
            for word in text.words:
                streams = streams.filter(
                    Q(search__title__contains=word)
                    | Q(search__description__contains=word)
                    | Q(search__tags__contains=word)
                )
                score = score + Case(
                    When(search__title__contains=word, then=Value(3)),
                    When(search__description__contains=word, then=Value(2)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            streams = streams.annotate(relevance=score)
    if sort == "recent":
        return streams.order_by(_recency().desc(), "-created_at")
    if sort == "viewers":
        return streams.order_by("-current_viewers", _recency().desc())
    if sort == "trending":
        return stream_order_trending(streams)
    if text.words:
        return streams.order_by("-relevance", "-current_viewers", _recency().desc())
    return streams.order_by("-current_viewers", _recency().desc())


def creators_search(*, q: str = "") -> QuerySet[CreatorSearch]:
    """Active creators whose username or display name matches ``q`` (every creator when it has no words), best
    match first; rows carry ``user`` and its creator profile. One query."""
    creators = CreatorSearch.objects.filter(user__is_active=True).select_related("user", "user__creator_profile")
    text = SearchQueryText.parse(q)
    if not text.words:
        return creators.order_by("name")
    if is_postgres():
        return (
            creators.filter(Q(WordSimilar(F("name"), Value(text.phrase))) | Q(name__startswith=text.phrase))
            .annotate(relevance=TrigramWordSimilarity(Value(text.phrase), "name"))
            .order_by("-relevance", "name")
        )
    for word in text.words:
        creators = creators.filter(name__contains=word)
    starts = Case(When(name__startswith=text.phrase, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    return creators.annotate(relevance=starts).order_by("-relevance", "name")


def category_match_score(category, text: SearchQueryText) -> float:
    """How well a category's name (or description) matches: 2 for a name starting with the phrase, 1.5 for each
    word in the name, 1 for words in the description, else the best trigram similarity; 0 for no match."""
    name = normalize(category.name)
    if name.startswith(text.phrase):
        return 2.0
    if all(word in name for word in text.words):
        return 1.5
    if all(word in normalize(category.description) for word in text.words):
        return 1.0
    similarity = min(word_similarity(word, name) for word in text.words)
    return similarity if similarity >= CATEGORY_SIMILARITY_MIN else 0.0


def categories_search(*, q: str = "") -> list:
    """Active categories (any level; ``parent`` loaded) matching ``q``, best first; all of them, in the tree's
    order, when it has no words. One query."""
    categories = category_active_list()
    text = SearchQueryText.parse(q)
    if not text.words:
        return categories
    scored = [(category_match_score(category, text), category) for category in categories]
    return [category for score, category in sorted(scored, key=lambda pair: -pair[0]) if score > 0]


def tags_search(*, q: str = "", limit: int = 20) -> list[dict]:
    """Tags of public streams matching ``q``: ``{name, stream_count}``, most used first. Two queries."""
    text = SearchQueryText.parse(q)
    if not text.words:
        return []
    names = tag_names_matching(fragments=text.words, limit=limit * 5)
    names = [name for name in names if all(word in normalize(name) for word in text.words)] or names
    counts = tag_public_counts(names=names)
    ranked = sorted(names, key=lambda name: (not normalize(name).startswith(text.phrase), -counts.get(name, 0), name))
    return [{"name": name, "stream_count": counts.get(name, 0)} for name in ranked[:limit]]
