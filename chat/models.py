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


# A moderator or a ban holds in one stream's chat (``stream``) or in every stream of a creator's channel
# (``creator``), never both: the chat checks both scopes in one query on the user's own rows (the user index).
ONE_SCOPE = models.Q(stream__isnull=False, creator__isnull=True) | models.Q(stream__isnull=True, creator__isnull=False)
ONE_SCOPE_MESSAGE = "Choose a stream, or a creator for their whole channel: one of the two."


class ChatModerator(models.Model):
    """A user the creator trusts to moderate one stream's chat, or (``creator``) every chat of their channel."""

    stream = models.ForeignKey(
        "streams.Stream", null=True, blank=True, on_delete=models.CASCADE, related_name="moderators"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="channel_moderators",
        help_text="Set for a channel moderator (every stream of this creator); empty for one stream's.",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderating")
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "user"], name="chat_moderator_once"),
            models.UniqueConstraint(fields=["creator", "user"], name="chat_channel_moderator_once"),
            models.CheckConstraint(
                condition=ONE_SCOPE, name="chat_moderator_one_scope", violation_error_message=ONE_SCOPE_MESSAGE
            ),
        ]

    def __str__(self) -> str:
        where = f"the channel of {self.creator_id}" if self.creator_id else self.stream_id
        return f"{self.user} moderates {where}"


class ChatBan(models.Model):
    """A ban (no end) or a timeout (with an end) from one stream's chat, or (``creator``) from every chat of a
    creator's channel, streams created later included."""

    stream = models.ForeignKey(
        "streams.Stream", null=True, blank=True, on_delete=models.CASCADE, related_name="chat_bans"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="channel_chat_bans",
        help_text="Set for a channel ban (every stream of this creator); empty for one stream's.",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_bans")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: banned until lifted.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "user"], name="chat_ban_once"),
            models.UniqueConstraint(fields=["creator", "user"], name="chat_channel_ban_once"),
            models.CheckConstraint(
                condition=ONE_SCOPE, name="chat_ban_one_scope", violation_error_message=ONE_SCOPE_MESSAGE
            ),
        ]

    def __str__(self) -> str:
        where = f"the channel of {self.creator_id}" if self.creator_id else self.stream_id
        return f"{self.user} banned from {where}"


class ChatRules(models.Model):
    """The chat rules a stream's chat runs by; a stream's own (ChatSettings) or a channel's (ChannelChatSettings)."""

    slow_mode_seconds = models.PositiveIntegerField(default=0)
    followers_only = models.BooleanField(default=False)
    followers_min_minutes = models.PositiveIntegerField(default=0)
    emote_only = models.BooleanField(default=False)
    block_links = models.BooleanField(default=False)
    blocked_terms = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


# The rules a channel's settings give a stream that has none of its own (its blocked terms are the channel's and
# apply beside each stream's own, so they are not among them).
STREAM_RULE_FIELDS = ("slow_mode_seconds", "followers_only", "followers_min_minutes", "emote_only", "block_links")


class ChatSettings(ChatRules):
    """Per-stream chat rules. Chat on/off is the stream's own `allow_chat`.

    A stream without a row runs by its creator's ChannelChatSettings (the rules every new stream starts with);
    ``blocked_terms`` here are the stream's own, checked beside the channel's and the platform's.
    """

    stream = models.OneToOneField(
        "streams.Stream", primary_key=True, on_delete=models.CASCADE, related_name="chat_settings"
    )

    class Meta:
        verbose_name_plural = "chat settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(slow_mode_seconds__lte=86400), name="chat_slow_mode_range"),
        ]

    def __str__(self) -> str:
        return f"Chat settings of {self.stream_id}"


class ChannelChatSettings(ChatRules):
    """A creator's channel chat rules: what every new stream of theirs starts with, and the channel's blocked
    terms, which hold in all of its streams."""

    creator = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="channel_chat_settings"
    )

    class Meta:
        verbose_name_plural = "channel chat settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slow_mode_seconds__lte=86400), name="chat_channel_slow_mode_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Channel chat settings of {self.creator_id}"


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
