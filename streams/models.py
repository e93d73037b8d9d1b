import datetime as dt
import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from livestream.private_files import private_name

hex_colour_validator = RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Use a hex colour such as #008751.")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (use an IANA name such as Africa/Lagos).")


def new_stream_key() -> str:
    return "live_" + secrets.token_urlsafe(24)


def upload_to_avatar(instance, filename: str) -> str:
    return f"avatars/{instance.user_id}/{uuid.uuid4().hex}.webp"


def upload_to_banner(instance, filename: str) -> str:
    return f"banners/{instance.user_id}/{uuid.uuid4().hex}.webp"


def upload_to_thumbnail(instance, filename: str) -> str:
    return f"thumbnails/{instance.id}/{uuid.uuid4().hex}.webp"


def upload_to_recording(instance, filename: str) -> str:
    # Private: reached only by signed links that check access (livestream/private_files.py). A secret part
    # too: the recording's id is public, its file must not be guessable (premium streams' VODs).
    suffix = filename[filename.rfind(".") :]
    return private_name(f"recordings/{instance.stream_id}/{instance.id}-{secrets.token_urlsafe(16)}{suffix}")


def upload_to_recording_thumbnail(instance, filename: str) -> str:
    return f"recordings/{instance.stream_id}/{instance.id}-{uuid.uuid4().hex[:8]}.webp"


def upload_to_clip(instance, filename: str) -> str:
    return private_name(f"clips/{instance.stream_id}/{instance.id}-{secrets.token_urlsafe(16)}.mp4")  # as recordings


class Category(models.Model):
    """A node of the category tree, curated by staff."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.CharField(max_length=300, blank=True)
    icon = models.CharField(max_length=16, blank=True, help_text="An emoji or short symbol shown beside the name.")
    colour = models.CharField(max_length=7, default="#008751", validators=[hex_colour_validator])
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="streams_category_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        node, seen = self.parent, set()
        while node is not None:
            if node.pk == self.pk or node.pk in seen:
                raise ValidationError({"parent": "A category cannot sit under itself."})
            seen.add(node.pk)
            node = node.parent


def tag_normalize(name: str) -> str:
    """A tag's stored form: lower-case, trimmed, single-spaced, without a leading '#'. What is written (the
    stream services) and what is searched (the list's ``tag`` filter) are both normalised by it."""
    return " ".join(name.strip().lstrip("#").split()).lower()


class Tag(models.Model):
    """A normalised (``tag_normalize``: lower-case, single-spaced) tag; streams carry at most ten."""

    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=models.Q(name=Lower("name")), name="streams_tag_lowercase")]

    def __str__(self) -> str:
        return self.name


class CreatorProfile(models.Model):
    """A user's public creator page: branding, links and weekly schedule."""

    SOCIAL_NETWORKS = ("website", "x", "instagram", "youtube", "tiktok", "facebook", "linkedin")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="creator_profile"
    )
    bio = models.TextField(max_length=1000, blank=True)
    avatar = models.ImageField(upload_to=upload_to_avatar, blank=True)
    banner = models.ImageField(upload_to=upload_to_banner, blank=True)
    brand_colour = models.CharField(max_length=7, default="#008751", validators=[hex_colour_validator])
    social_links = models.JSONField(default=dict, blank=True)
    timezone = models.CharField(max_length=64, default="Africa/Lagos", validators=[validate_timezone])
    subscription_price_coins = models.PositiveIntegerField(
        null=True, blank=True, help_text="Monthly price in coins; empty: no subscriptions offered."
    )
    recording_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Days recordings are kept; empty: the platform's default (RECORDING_RETENTION_DAYS).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Creator profile of {self.user}"


class ScheduleSlot(models.Model):
    """A weekly recurring streaming time, in the creator profile's time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    profile = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="schedule")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(24 * 60)])
    title = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="streams_slot_weekday_range"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=1440),
                name="streams_slot_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}"


class Follow(models.Model):
    """A viewer follows a creator, with what they want to be told about."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following")
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followers")
    notify_go_live = models.BooleanField(default=True)
    notify_scheduled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "creator"], name="streams_follow_once"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("creator")), name="streams_follow_not_self"),
        ]
        indexes = [models.Index(fields=["creator", "created_at"], name="streams_follow_creator_idx")]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.creator}"


class Unfollow(models.Model):
    """A follow that ended: when it began and when it ended, so a creator's followers over time stay exact after
    people leave (the follow row itself is deleted)."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    followed_at = models.DateTimeField()
    unfollowed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["creator", "unfollowed_at"], name="streams_unfollow_creator_idx"),
            models.Index(fields=["creator", "followed_at"], name="streams_unfollow_followed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} stopped following {self.creator_id}"


class Stream(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        LIVE = "live"
        ENDED = "ended"

    class Visibility(models.TextChoices):
        PUBLIC = "public"
        UNLISTED = "unlisted"
        PRIVATE = "private"

    class Latency(models.TextChoices):
        LOW = "low"  # 1 s HLS fragments
        NORMAL = "normal"  # 2 s
        HIGH = "high"  # 4 s: steadier on weak connections

    class ThumbnailSource(models.TextChoices):
        NONE = ""
        AUTO = "auto"
        CUSTOM = "custom"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="streams")
    title = models.CharField(max_length=255)
    description = models.TextField(max_length=2000, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="streams")
    tags = models.ManyToManyField(Tag, blank=True, related_name="streams")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    is_premium = models.BooleanField(default=False)
    price_coins = models.PositiveIntegerField(
        null=True, blank=True, help_text="What a viewer pays once for a premium stream."
    )
    allow_chat = models.BooleanField(default=True)
    allow_gifts = models.BooleanField(default=True)
    scheduled_start_time = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    stream_key = models.CharField(max_length=64, unique=True, default=new_stream_key, editable=False)
    latency_mode = models.CharField(max_length=8, choices=Latency.choices, default=Latency.NORMAL)
    # The media server's view of the stream: which HLS application the ladder of the current (or last) publish
    # writes to, the nginx-rtmp client publishing now ("" when none), and when an encoder dropped.
    media_app = models.CharField(max_length=32, blank=True, editable=False)
    publisher_client_id = models.CharField(max_length=32, blank=True, editable=False)
    publisher_dropped_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The largest thumbnail (1280x720); smaller standard sizes in thumbnail_variants ({"640x360": name, ...}).
    thumbnail = models.ImageField(upload_to=upload_to_thumbnail, blank=True)
    thumbnail_variants = models.JSONField(default=dict, blank=True, editable=False)
    thumbnail_source = models.CharField(
        max_length=8, choices=ThumbnailSource.choices, default=ThumbnailSource.NONE, blank=True, editable=False
    )
    current_viewers = models.PositiveIntegerField(default=0)
    peak_viewers = models.PositiveIntegerField(default=0)
    max_viewers = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Optional limit on concurrent viewers."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["scheduled", "live", "ended"]), name="streams_stream_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(visibility__in=["public", "unlisted", "private"]),
                name="streams_stream_visibility_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="live") | models.Q(started_at__isnull=False),
                name="streams_stream_live_has_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ended") | models.Q(ended_at__isnull=False),
                name="streams_stream_ended_has_end",
            ),
            models.CheckConstraint(
                condition=models.Q(max_viewers__isnull=True) | models.Q(max_viewers__gte=1),
                name="streams_stream_max_viewers_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(is_premium=False) | models.Q(price_coins__isnull=False, price_coins__gte=1),
                name="streams_stream_premium_has_price",
            ),
            models.CheckConstraint(
                condition=models.Q(latency_mode__in=["low", "normal", "high"]), name="streams_stream_latency_valid"
            ),
        ]
        indexes = [
            # The list's filters and sorts: status + visibility, then the sort key.
            models.Index(fields=["status", "visibility", "-current_viewers"], name="streams_list_viewers_idx"),
            models.Index(fields=["status", "visibility", "-created_at"], name="streams_list_newest_idx"),
            models.Index(fields=["status", "visibility", "scheduled_start_time"], name="streams_list_schedule_idx"),
            models.Index(fields=["creator", "status"], name="streams_creator_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ViewerSession(models.Model):
    """One viewer's visit to a stream's room, for analytics (watch time, audience)."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="viewer_sessions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="viewer_sessions"
    )
    # A signed-out viewer's pseudonym for this stream: a keyed hash of their client address and the stream
    # (streams.services.visitor_pseudonym), so their sessions count as one viewer; never the address, and not
    # the same across streams. Empty for a signed-in viewer (``user`` says who).
    visitor = models.CharField(max_length=32, blank=True, default="")
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    watch_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["stream", "joined_at"], name="streams_viewer_session_idx")]

    def __str__(self) -> str:
        return f"{self.user or 'anonymous'} watching {self.stream_id}"


class WebRTCMount(models.Model):
    """A live stream's Janus streaming mountpoint: where ffmpeg sends its RTP copy and browsers watch it over WebRTC.

    One per live stream, from its publish until it ends. ``slot`` picks the stream's two ingest ports out of
    WEBRTC_INGEST_PORT_RANGE (video ``port_base``, audio ``port_base + 2``); its uniqueness is what keeps two live
    streams off the same ports. The pin (to watch) and secret (to change or destroy it) are the mountpoint's,
    server-side only: a viewer reaches it through a signed grant, never with these. ``created_in_janus_at`` is
    when Janus last confirmed it; None while Janus has yet to make it (down or slow: the reconcile job catches up).
    """

    stream = models.OneToOneField(Stream, on_delete=models.CASCADE, related_name="webrtc_mount")
    janus_id = models.BigIntegerField(unique=True)
    slot = models.PositiveIntegerField(unique=True)
    port_base = models.PositiveIntegerField()
    pin = models.CharField(max_length=64)
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_in_janus_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "WebRTC mountpoint"

    def __str__(self) -> str:
        return f"mountpoint {self.janus_id} for {self.stream_id}"

    @property
    def video_port(self) -> int:
        return self.port_base

    @property
    def audio_port(self) -> int:
        return self.port_base + 2


class StreamAccess(models.Model):
    """A viewer bought access to a premium stream (once)."""

    stream = models.ForeignKey(Stream, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stream_accesses")
    price_coins = models.PositiveIntegerField()
    ledger_transaction = models.OneToOneField("wallet.Transaction", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "user"], name="streams_access_once")]

    def __str__(self) -> str:
        return f"{self.user} may watch {self.stream_id}"


SUBSCRIPTION_PERIOD = dt.timedelta(days=30)  # what one payment (a first month or a renewal) pays for


class Subscription(models.Model):
    """A viewer's monthly subscription to a creator, paid in coins and renewed by a beat job."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        LAPSED = "lapsed"
        CANCELLED = "cancelled"

    subscriber = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions")
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscribers")
    price_coins = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    renews = models.BooleanField(default=True, help_text="Off once the subscriber cancels; access runs to period end.")
    current_period_end = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "creator"], name="streams_subscription_once"),
            models.CheckConstraint(
                condition=~models.Q(subscriber=models.F("creator")), name="streams_subscription_not_self"
            ),
        ]
        indexes = [models.Index(fields=["status", "renews", "current_period_end"], name="streams_subscription_due_idx")]

    def __str__(self) -> str:
        return f"{self.subscriber} subscribes to {self.creator}"


class Recording(models.Model):
    """A stream's recording made into a VOD: the media server's FLV remuxed to MP4 by a Celery task."""

    class Status(models.TextChoices):
        PROCESSING = "processing"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="recordings")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    source_path = models.CharField(max_length=500, unique=True, help_text="The FLV nginx-rtmp wrote.")
    # 255: at FileField's default 100 the storage cut the name's secret part to fit (private/ + two ids + it).
    file = models.FileField(upload_to=upload_to_recording, max_length=255, blank=True)
    thumbnail = models.ImageField(upload_to=upload_to_recording_thumbnail, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Days this recording is kept from its making; empty: its creator's setting (recording_expires_at).",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When its task was last queued or started: a recording processing long past it lost its task (beat requeues).
    queued_at = models.DateTimeField(default=timezone.now)
    requeues = models.PositiveSmallIntegerField(default=0, help_text="Times the stuck-job sweep queued it again.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["processing", "ready", "failed"]), name="streams_recording_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="streams_recording_status_idx")]

    def __str__(self) -> str:
        return f"Recording of {self.stream_id} ({self.status})"


def recording_keep_days(*, recording_days: int | None, creator_days: int | None) -> int:
    """How long a recording is kept, the one rule (pruning, the studio's expiry dates): its own setting, else its
    creator's (``CreatorProfile.recording_retention_days``), else the platform's ``RECORDING_RETENTION_DAYS``."""
    return recording_days or creator_days or settings.RECORDING_RETENTION_DAYS


CLIP_MIN_SECONDS = 0.5  # the API, the service and the table; the longest is settings.CLIP_MAX_SECONDS


class Clip(models.Model):
    """A highlight (up to CLIP_MAX_SECONDS) cut from a recording by a Celery task."""

    class Status(models.TextChoices):
        PROCESSING = "processing"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="clips")
    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="clips")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clips")
    title = models.CharField(max_length=120, blank=True)
    start_seconds = models.FloatField(validators=[MinValueValidator(0)])
    duration_seconds = models.FloatField(
        validators=[MinValueValidator(CLIP_MIN_SECONDS), MaxValueValidator(settings.CLIP_MAX_SECONDS)]
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    file = models.FileField(upload_to=upload_to_clip, max_length=255, blank=True)  # as recordings
    size_bytes = models.BigIntegerField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)  # as Recording's
    requeues = models.PositiveSmallIntegerField(default=0, help_text="Times the stuck-job sweep queued it again.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["processing", "ready", "failed"]), name="streams_clip_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Clip of {self.stream_id}"
