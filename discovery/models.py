"""What helps a viewer find streams: the stored trending scores and what recommendations are computed from."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

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
