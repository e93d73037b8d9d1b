"""What helps a viewer find streams: the stored trending scores, what recommendations are computed from, and
the search documents.

A row here is a cache of a query over other apps' tables (viewer counts, chat, gifts, follows), recomputed by
``discovery.services``; never a second truth.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

# --- trending ---


class TrendingScore(models.Model):
    """A live (or just ended) stream's trending score, recomputed every minute (``trending_refresh``).

    ``score`` is the decayed sum README.md ("Trending") explains; ``components`` keeps its inputs (viewers,
    chat messages a minute, gift coins and new followers over the window, the age factor) so the number can
    be explained. The stream list's ``sort=trending`` orders by ``trending__score`` (the reverse accessor on
    Stream): streams never imports discovery.
    """

    stream = models.OneToOneField("streams.Stream", primary_key=True, on_delete=models.CASCADE, related_name="trending")
    score = models.FloatField(default=0.0)
    components = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-score"]
        indexes = [
            models.Index(fields=["-score"], name="discovery_trending_score_idx"),
            models.Index(fields=["computed_at"], name="discovery_trending_fresh_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.stream_id}: {self.score:.2f}"


# --- recommendations ---
# Recommendations are computed on read from follows, viewer sessions and co-watching in a fixed handful of
# aggregate queries (``discovery.selectors.recommendation_list``): no table of their own yet.


# --- search ---


class StreamSearch(models.Model):
    """A stream's search document, kept in step with its title, description and tags (discovery.search.index).

    ``title``, ``description`` and ``tags`` are the stream's, normalised (lower-case, accents and under-dots
    stripped: ``discovery.search.text``). On PostgreSQL ``document`` is their weighted tsvector (title A,
    description B, tags C; ``simple`` configuration) under a GIN index, and ``title`` has a trigram GIN index
    (both made by migration 0001_search on PostgreSQL only); SQLite searches the three columns with LIKE.
    """

    stream = models.OneToOneField("streams.Stream", primary_key=True, on_delete=models.CASCADE, related_name="search")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    tags = models.CharField(max_length=500, blank=True)
    document = SearchVectorField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Search document of {self.stream_id}"


class CreatorSearch(models.Model):
    """A creator's (a user with a creator profile, or who ever made a stream) searchable name: ``name`` is the
    normalised "username display name" (trigram GIN index on PostgreSQL)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="creator_search"
    )
    name = models.CharField(max_length=220)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Search name of {self.user_id}"


class SearchWord(models.Model):
    """One distinct word of the stream titles (normalised): the vocabulary the suggestions match a word being
    typed against, by prefix or trigram similarity (pg_trgm's advice for word similarity at scale: match
    against the few thousand distinct words, not the hundred thousand titles, then find the titles holding
    the words a full-text index). Written with every search document; a word no title holds any more
    (a renamed stream's) only costs a lookup that finds nothing, and ``manage.py search_reindex`` drops it.
    """

    word = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return self.word
