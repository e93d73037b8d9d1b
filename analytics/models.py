"""Rollups: what the analytics pages and API read instead of the raw sessions, messages, gifts and ledger.

Every row is recomputed from its sources by ``analytics.services`` (a minute or a day at a time, the same
answer however often), so a row is a cache of a query, never a second truth.
"""

from django.conf import settings
from django.db import models


class StreamMinute(models.Model):
    """One minute (UTC, from its first second) of a stream's broadcast."""

    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="+", db_index=False)
    minute = models.DateTimeField()
    viewers = models.PositiveIntegerField(default=0, help_text="Most viewers watching at once during the minute.")
    chat_messages = models.PositiveIntegerField(default=0)
    gifts = models.PositiveIntegerField(default=0, help_text="Gift items (a send of 5 roses is 5).")
    coins = models.PositiveBigIntegerField(default=0, help_text="What the senders paid for them.")
    new_followers = models.PositiveIntegerField(default=0)
    new_subscribers = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["stream", "minute"]
        constraints = [models.UniqueConstraint(fields=["stream", "minute"], name="analytics_stream_minute_once")]

    def __str__(self) -> str:
        return f"{self.stream_id} at {self.minute:%Y-%m-%d %H:%M}"


class StreamStats(models.Model):
    """A stream's totals over its broadcast, and when they were last rolled up."""

    stream = models.OneToOneField("streams.Stream", primary_key=True, on_delete=models.CASCADE, related_name="+")
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    title = models.CharField(max_length=255)
    category = models.CharField(max_length=80, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    unique_viewers = models.PositiveIntegerField(default=0)
    signed_in_viewers = models.PositiveIntegerField(default=0)
    anonymous_viewers = models.PositiveIntegerField(default=0)
    peak_viewers = models.PositiveIntegerField(default=0)
    watch_seconds = models.PositiveBigIntegerField(default=0)
    chat_messages = models.PositiveIntegerField(default=0)
    gifts = models.PositiveIntegerField(default=0)
    coins = models.PositiveBigIntegerField(default=0)
    earned_micro = models.PositiveBigIntegerField(default=0, help_text="The creator's exact share, millionths.")
    new_followers = models.PositiveIntegerField(default=0)
    new_subscribers = models.PositiveIntegerField(default=0)
    top_gifters = models.JSONField(default=list, blank=True)
    top_chatters = models.JSONField(default=list, blank=True)
    rolled_through = models.DateTimeField(help_text="The sources were read up to this moment.")
    rolled_up_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "stream stats"
        indexes = [models.Index(fields=["creator", "started_at"], name="analytics_stats_creator_idx")]

    def __str__(self) -> str:
        return f"Stats of {self.title}"


class CreatorDay(models.Model):
    """One day (in DISPLAY_TIME_ZONE) of a creator's revenue and audience; days with nothing have no row."""

    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    gift_coins = models.PositiveBigIntegerField(default=0)
    gift_earned_micro = models.PositiveBigIntegerField(default=0)
    access_coins = models.PositiveBigIntegerField(default=0)
    access_earned_micro = models.PositiveBigIntegerField(default=0)
    subscription_coins = models.PositiveBigIntegerField(default=0)
    subscription_earned_micro = models.PositiveBigIntegerField(default=0)
    payout_coins = models.PositiveBigIntegerField(default=0)
    gifts = models.PositiveIntegerField(default=0)
    chat_messages = models.PositiveIntegerField(default=0)
    new_followers = models.PositiveIntegerField(default=0, help_text="Follows that began that day.")
    lost_followers = models.PositiveIntegerField(default=0, help_text="Follows that ended that day.")
    new_subscribers = models.PositiveIntegerField(default=0)
    subscribers = models.PositiveIntegerField(
        default=0, help_text="Subscribed at the end of the day (so far, today): a paid month covers that moment."
    )
    views = models.PositiveIntegerField(default=0, help_text="Viewer sessions that joined that day.")
    watch_seconds = models.PositiveBigIntegerField(default=0)
    views_by_hour = models.JSONField(default=list, blank=True, help_text="24 counts: views by local hour.")

    class Meta:
        ordering = ["creator", "day"]
        constraints = [models.UniqueConstraint(fields=["creator", "day"], name="analytics_creator_day_once")]

    def __str__(self) -> str:
        return f"{self.creator_id} on {self.day}"


class CreatorGifterDay(models.Model):
    """One sender's gifts to a creator on one day (DISPLAY_TIME_ZONE): what the creator's top gifters over any
    range are summed from. The day's anonymous gifts are one row without a sender, never a name."""

    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    coins = models.PositiveBigIntegerField(default=0, help_text="What the sender paid.")
    gifts = models.PositiveIntegerField(default=0, help_text="Sends (a send of 5 roses is one).")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "day", "sender"],
                condition=models.Q(sender__isnull=False),
                name="analytics_gifter_day_once",
            ),
            models.UniqueConstraint(
                fields=["creator", "day"], condition=models.Q(sender__isnull=True), name="analytics_anonymous_day_once"
            ),
        ]
        indexes = [models.Index(fields=["creator", "day"], name="analytics_gifter_day_idx")]

    def __str__(self) -> str:
        return f"{self.sender_id or 'anonymous'} to {self.creator_id} on {self.day}"


class CreatorRollup(models.Model):
    """How far a creator's days are rolled up: a read older than ROLLUP_FRESH_SECONDS rolls up again."""

    creator = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    rolled_through = models.DateTimeField()
    rolled_up_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, blank=True, default="", help_text="The zone its days are in.")

    def __str__(self) -> str:
        return f"Rollup of {self.creator_id}"
