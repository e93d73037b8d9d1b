import uuid

from django.conf import settings
from django.db import models


class ChatMessage(models.Model):
    """A message in a stream's chat, stored before anyone sees it; deletes are soft."""

    class Type(models.TextChoices):
        TEXT = "text"
        EMOTE = "emote"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="chat_messages")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages")
    content = models.CharField(max_length=500)
    message_type = models.CharField(max_length=8, choices=Type.choices, default=Type.TEXT)
    mentions = models.JSONField(default=list, blank=True, help_text="UUIDs of mentioned users.")
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # History: newest first with the `before` cursor, deleted ones left out.
            models.Index(
                fields=["stream", "-created_at"],
                name="chat_history_idx",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["user", "-created_at"], name="chat_user_idx"),
            # A catch-up's deletions since its cursor (chat_deleted_since): the few deleted messages only.
            models.Index(
                fields=["stream", "deleted_at"],
                name="chat_deleted_idx",
                condition=models.Q(deleted_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(message_type__in=["text", "emote"]), name="chat_message_type"),
        ]

    def __str__(self) -> str:
        return self.content[:60]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ChatModerator(models.Model):
    """A user the creator trusts to moderate one stream's chat."""

    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="moderators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderating")
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "user"], name="chat_moderator_once")]

    def __str__(self) -> str:
        return f"{self.user} moderates {self.stream_id}"


class ChatBan(models.Model):
    """A ban (no end) or a timeout (with an end) from one stream's chat."""

    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="chat_bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_bans")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: banned until lifted.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "user"], name="chat_ban_once")]

    def __str__(self) -> str:
        return f"{self.user} banned from {self.stream_id}"


class ChatSettings(models.Model):
    """Per-stream chat rules. Chat on/off is the stream's own `allow_chat`."""

    stream = models.OneToOneField(
        "streams.Stream", primary_key=True, on_delete=models.CASCADE, related_name="chat_settings"
    )
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    followers_only = models.BooleanField(default=False)
    followers_min_minutes = models.PositiveIntegerField(default=0)
    emote_only = models.BooleanField(default=False)
    block_links = models.BooleanField(default=False)
    blocked_terms = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "chat settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(slow_mode_seconds__lte=86400), name="chat_slow_mode_range"),
        ]

    def __str__(self) -> str:
        return f"Chat settings of {self.stream_id}"


class BlockedTerm(models.Model):
    """A word or phrase no chat on the platform accepts; curated by staff."""

    term = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class MessageReport(models.Model):
    """A viewer's report of a message, waiting in the admin review queue."""

    class Reason(models.TextChoices):
        SPAM = "spam"
        HARASSMENT = "harassment"
        HATE = "hate"
        SEXUAL = "sexual"
        VIOLENCE = "violence"
        OTHER = "other"

    class Status(models.TextChoices):
        OPEN = "open"
        ACTIONED = "actioned"
        DISMISSED = "dismissed"

    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "reporter"], name="chat_report_once")]
        indexes = [models.Index(fields=["status", "-created_at"], name="chat_report_queue_idx")]

    def __str__(self) -> str:
        return f"Report of {self.message_id} ({self.reason})"


def upload_to_emote(instance, filename: str) -> str:
    return f"emotes/{instance.code}/{uuid.uuid4().hex}.webp"


class Emote(models.Model):
    """A platform emote, curated by staff: an image typed in chat as ``:code:`` and shown in its place."""

    code = models.SlugField(
        max_length=32,
        unique=True,
        help_text="Typed as :code: (lower-case letters, digits, underscores and hyphens).",
    )
    image = models.ImageField(upload_to=upload_to_emote)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "code"]
        constraints = [
            # The one spelling chat matches (emotes.py folds what is typed to lower case).
            models.CheckConstraint(condition=models.Q(code__regex=r"^[a-z0-9_-]{2,32}$"), name="chat_emote_code"),
        ]

    def __str__(self) -> str:
        return f":{self.code}:"
