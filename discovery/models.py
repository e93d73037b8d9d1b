"""What helps a viewer find streams: the stored trending scores and what recommendations are computed from.

A row here is a cache of a query over other apps' tables (viewer counts, chat, gifts, follows), recomputed by
``discovery.services``; never a second truth.
"""

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
