"""Keeping the stored search documents in step with streams and creators.

``stream_search_index`` and ``creator_search_index`` write one row each (called by the receivers in
``discovery.signals`` inside the writer's transaction, so a rolled-back edit leaves the document as it was);
``search_reindex_all`` rebuilds every row in batches (``manage.py search_reindex``, after bulk loads that skip
signals).
"""

from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction

from discovery.models import CreatorSearch, SearchWord, StreamSearch
from discovery.search.text import normalize
from streams.selectors import (
    creator_user_ids,
    stream_ids_all,
    stream_search_sources,
    user_is_creator,
    users_search_sources,
)

BATCH = 2000
WORD_MAX = 64  # SearchWord.word's length: a longer "word" is no word anyone types


# The weighted tsvector (title A, description B, tags C), ``simple`` configuration: no stemming, which would
# mangle Yoruba, Hausa and Igbo words with English rules (and the text is normalised beforehand).
DOCUMENT = (
    SearchVector("title", weight="A", config="simple")
    + SearchVector("description", weight="B", config="simple")
    + SearchVector("tags", weight="C", config="simple")
)


def _write_streams(sources: Iterable[dict]) -> set[str]:
    """Write the streams' search documents; returns their titles' words."""
    rows = [
        StreamSearch(
            stream_id=source["id"],
            title=normalize(source["title"]),
            description=normalize(source["description"]),
            tags=normalize(" ".join(source["tags"]))[:500],
        )
        for source in sources
    ]
    if not rows:
        return set()
    StreamSearch.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["stream"],
        update_fields=["title", "description", "tags", "updated_at"],
    )
    if connection.vendor == "postgresql":
        StreamSearch.objects.filter(pk__in=[row.stream_id for row in rows]).update(document=DOCUMENT)
    return _write_words(row.title for row in rows)


def _write_words(titles: Iterable[str]) -> set[str]:
    """Add the titles' words to the vocabulary the suggestions match against (those it has are kept)."""
    words = {word for title in titles for word in title.split() if len(word) <= WORD_MAX}
    SearchWord.objects.bulk_create([SearchWord(word=word) for word in sorted(words)], ignore_conflicts=True)
    return words


def stream_search_index(*, stream_id) -> None:
    """Write the stream's search document from its current title, description and tags (nothing if the stream
    is gone), and make sure its creator is searchable."""
    sources = stream_search_sources(stream_ids=[stream_id])
    _write_streams(sources)
    for source in sources:
        creator_search_index(user_id=source["creator_id"], is_creator=True)


def creator_search_index(*, user_id, is_creator: bool | None = None) -> None:
    """Write the user's searchable name if they are a creator (a creator profile, or a stream); a user who is
    not keeps no row. ``is_creator`` skips the check when the caller knows."""
    if is_creator is None:
        is_creator = user_is_creator(user_id=user_id)
    if not is_creator:
        return
    for source in users_search_sources(user_ids=[user_id]):
        CreatorSearch.objects.update_or_create(
            user_id=source["id"], defaults={"name": normalize(f"{source['username']} {source['display_name']}")}
        )


def search_reindex_all() -> tuple[int, int]:
    """Rebuild every stream's and creator's search row, and the title vocabulary (words no title holds any more
    are dropped); returns (streams, creators) written."""
    stream_ids = stream_ids_all()
    words: set[str] = set()
    for start in range(0, len(stream_ids), BATCH):
        with transaction.atomic():
            words |= _write_streams(stream_search_sources(stream_ids=stream_ids[start : start + BATCH]))
    stale = sorted(set(SearchWord.objects.values_list("word", flat=True)) - words)
    for start in range(0, len(stale), BATCH):
        SearchWord.objects.filter(word__in=stale[start : start + BATCH]).delete()
    user_ids = creator_user_ids()
    for start in range(0, len(user_ids), BATCH):
        with transaction.atomic():
            sources = users_search_sources(user_ids=user_ids[start : start + BATCH])
            CreatorSearch.objects.bulk_create(
                [
                    CreatorSearch(user_id=s["id"], name=normalize(f"{s['username']} {s['display_name']}"))
                    for s in sources
                ],
                update_conflicts=True,
                unique_fields=["user"],
                update_fields=["name", "updated_at"],
            )
    return len(stream_ids), len(user_ids)
