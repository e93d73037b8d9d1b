from django.conf import settings
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSerializer
from livestream.api.schema import NULLABLE_URI
from livestream.api.serializers import (
    BoundedListField,
    FormJSONDictField,
    FormJSONField,
    QuerySerializer,
    StrictJSONInput,
)
from livestream.links import absolute_url
from streams.filters import StreamFilter
from streams.models import (
    CLIP_MIN_SECONDS,
    Category,
    Clip,
    CreatorProfile,
    Recording,
    ScheduleSlot,
    Stream,
    validate_timezone,
)
from streams.selectors import (
    stream_dvr_window_seconds,
    stream_hls_url,
    stream_viewer_has_access,
    stream_webrtc_url,
    subscription_active,
)
from streams.selectors.media import gated_file_url


def absolute_media_url(request, field) -> str | None:
    if not field:
        return None
    return absolute_url(field.url, request) if request is not None else field.url


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its time zone (no guessing for a naive one)."""

    default_error_messages = {"naive": "Include a time zone offset, e.g. 2026-12-01T18:00:00+01:00."}

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    children = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "icon", "colour", "parent", "children"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, obj):
        return CategorySerializer(getattr(obj, "child_nodes", []), many=True, context=self.context).data


class StreamSerializer(serializers.ModelSerializer):
    """The stream body of the contract; the owner alone also sees rtmp_url and stream_key."""

    creator = UserSerializer(read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    hls_url = serializers.SerializerMethodField()
    dvr_window_seconds = serializers.SerializerMethodField()
    webrtc_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    thumbnails = serializers.SerializerMethodField()
    rtmp_url = serializers.SerializerMethodField()
    stream_key = serializers.SerializerMethodField()
    has_access = serializers.SerializerMethodField()

    class Meta:
        model = Stream
        fields = [
            "id",
            "title",
            "description",
            "category",
            "tags",
            "status",
            "visibility",
            "is_premium",
            "price_coins",
            "has_access",
            "allow_chat",
            "allow_gifts",
            "scheduled_start_time",
            "started_at",
            "ended_at",
            "creator",
            "current_viewers",
            "peak_viewers",
            "max_viewers",
            "latency_mode",
            "hls_url",
            "dvr_window_seconds",
            "webrtc_url",
            "thumbnail_url",
            "thumbnails",
            "rtmp_url",
            "stream_key",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        optional_fields = ["rtmp_url", "stream_key"]  # the owner's view only

    def _is_owner(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and request.user.is_authenticated and request.user.pk == obj.creator_id)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self._is_owner(instance):
            data.pop("rtmp_url")
            data.pop("stream_key")
        return data

    def get_has_access(self, obj) -> bool:
        request = self.context.get("request")
        return stream_viewer_has_access(obj, request.user if request else None)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, obj):
        return [tag.name for tag in obj.tags.all()]

    @extend_schema_field(NULLABLE_URI)
    def get_hls_url(self, obj):
        request = self.context.get("request")
        return stream_hls_url(obj, request.user if request else None)

    def get_dvr_window_seconds(self, obj) -> int:
        """How far back the live player may seek in ``hls_url`` (0: no rewind; `low` streams keep a short window)."""
        return stream_dvr_window_seconds(obj)

    @extend_schema_field(NULLABLE_URI)
    def get_webrtc_url(self, obj):
        """Where a page starts WebRTC signalling (POST); null when it should play hls_url (see the README)."""
        request = self.context.get("request")
        return stream_webrtc_url(obj, request.user if request else None, request=request)

    @extend_schema_field(NULLABLE_URI)
    def get_thumbnail_url(self, obj):
        return absolute_media_url(self.context.get("request"), obj.thumbnail)

    @extend_schema_field(serializers.DictField(child=serializers.URLField()))
    def get_thumbnails(self, obj):
        """Every standard size ("1280x720", "640x360", "320x180") of the current thumbnail."""
        return thumbnail_urls(self.context.get("request"), obj)

    @extend_schema_field(OpenApiTypes.STR)
    def get_rtmp_url(self, obj):
        return settings.RTMP_INGEST_URL

    @extend_schema_field(OpenApiTypes.STR)
    def get_stream_key(self, obj):
        return obj.stream_key


def thumbnail_urls(request, stream: Stream) -> dict[str, str]:
    if not stream.thumbnail:
        return {}
    storage = stream.thumbnail.storage
    urls = {"1280x720": absolute_media_url(request, stream.thumbnail)}
    for size, name in (stream.thumbnail_variants or {}).items():
        url = storage.url(name)
        urls[size] = absolute_url(url, request) if request is not None else url
    return urls


class GatedFileMixin:
    """``url`` of the object's file, null unless the view says the viewer has access (``has_access`` in context):
    a signed link that expires (PROTECTED_MEDIA_MAX_AGE), made for the requesting viewer."""

    @extend_schema_field(NULLABLE_URI)
    def get_url(self, obj):
        request = self.context.get("request")
        viewer = request.user if request is not None else None
        has_access = self.context.get("has_access", False)
        return gated_file_url(obj, viewer=viewer, has_access=has_access, request=request)


class RecordingSerializer(GatedFileMixin, serializers.ModelSerializer):
    """A VOD; ``url`` is null for a viewer without access to a premium stream."""

    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Recording
        fields = [
            "id",
            "status",
            "duration_seconds",
            "size_bytes",
            "width",
            "height",
            "url",
            "thumbnail_url",
            "created_at",
            "ready_at",
        ]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_URI)
    def get_thumbnail_url(self, obj):
        return absolute_media_url(self.context.get("request"), obj.thumbnail)


class ClipSerializer(GatedFileMixin, serializers.ModelSerializer):
    created_by = UserSerializer(read_only=True)
    start = serializers.FloatField(source="start_seconds")
    duration = serializers.FloatField(source="duration_seconds")
    recording = serializers.UUIDField(source="recording_id")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = [
            "id",
            "title",
            "recording",
            "start",
            "duration",
            "status",
            "url",
            "size_bytes",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ClipCreateSerializer(StrictJSONInput, serializers.Serializer):
    # source=: the service's own keyword names, so the view passes validated_data as it is.
    start = serializers.FloatField(
        source="start_seconds", min_value=0, max_value=7 * 24 * 3600, help_text="Seconds into the recording."
    )
    duration = serializers.FloatField(
        source="duration_seconds", min_value=CLIP_MIN_SECONDS, max_value=settings.CLIP_MAX_SECONDS
    )
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    recording = serializers.UUIDField(
        source="recording_id", required=False, help_text="Default: the stream's newest ready recording."
    )


class ThumbnailUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG, WebP or GIF, at least 320x180; cropped to 16:9.")


class WebRTCHealthSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    mounted = serializers.BooleanField(help_text="Janus has the stream's mountpoint.")
    viewers = serializers.IntegerField(allow_null=True, help_text="Viewers on WebRTC now, as Janus counts them.")


class StreamHealthSerializer(serializers.Serializer):
    publishing = serializers.BooleanField()
    bitrate_kbps = serializers.IntegerField(required=False)
    video_kbps = serializers.IntegerField(required=False)
    audio_kbps = serializers.IntegerField(required=False)
    width = serializers.IntegerField(required=False, allow_null=True)
    height = serializers.IntegerField(required=False, allow_null=True)
    fps = serializers.FloatField(required=False, allow_null=True)
    video_codec = serializers.CharField(required=False)
    audio_codec = serializers.CharField(required=False)
    seconds_live = serializers.FloatField(required=False)
    keyframe_interval_seconds = serializers.FloatField(required=False, allow_null=True)
    webrtc = WebRTCHealthSerializer(required=False, help_text="While live: the real-time (WebRTC) path.")
    warnings = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class StreamSummarySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Stream
        fields = [
            "id",
            "title",
            "status",
            "category",
            "scheduled_start_time",
            "started_at",
            "current_viewers",
            "thumbnail_url",
        ]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_URI)
    def get_thumbnail_url(self, obj):
        return absolute_media_url(self.context.get("request"), obj.thumbnail)


class StreamListQuerySerializer(QuerySerializer):
    """The stream list's query parameters (streams.filters.StreamFilter applies them)."""

    status = serializers.ChoiceField(choices=StreamFilter.STATUS_CHOICES, required=False, help_text="Default: live.")
    category = serializers.CharField(
        required=False, allow_blank=True, help_text="Category slug; includes its sub-categories."
    )
    creator = serializers.CharField(required=False, allow_blank=True, help_text="Creator username or user id.")
    tag = serializers.CharField(required=False, allow_blank=True)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Words to find in the title, description, creator or tags.",
    )
    sort = serializers.ChoiceField(choices=StreamFilter.SORT_CHOICES, required=False)


class StreamWriteSerializer(StrictJSONInput, serializers.Serializer):
    """Input for create (title required) and update (PUT needs title too; PATCH nothing)."""

    title = serializers.CharField(max_length=255)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    category = serializers.CharField(max_length=80, required=False, allow_null=True, allow_blank=True)
    tags = BoundedListField(
        child=serializers.CharField(max_length=60, allow_blank=False), required=False, max_length=50
    )
    scheduled_start_time = AwareDateTimeField(required=False, allow_null=True)
    is_premium = serializers.BooleanField(required=False)
    price_coins = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1_000_000)
    allow_chat = serializers.BooleanField(required=False)
    allow_gifts = serializers.BooleanField(required=False)
    visibility = serializers.ChoiceField(choices=Stream.Visibility.choices, required=False)
    max_viewers = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False, allow_null=True)
    latency_mode = serializers.ChoiceField(
        choices=Stream.Latency.choices, required=False, help_text="HLS fragments: low 1 s, normal 2 s, high 4 s."
    )

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("The title cannot be blank.")
        return value


class StreamStatusSerializer(StrictJSONInput, serializers.Serializer):
    action = serializers.CharField(max_length=20)


WEEKDAYS = [choice.name.lower() for choice in ScheduleSlot.Weekday]


class ScheduleSlotSerializer(StrictJSONInput, serializers.Serializer):
    day = serializers.ChoiceField(choices=WEEKDAYS)
    start_time = serializers.TimeField(format="%H:%M")
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)

    def to_representation(self, instance):
        return {
            "day": WEEKDAYS[instance.weekday],
            "start_time": instance.start_time.strftime("%H:%M"),
            "duration_minutes": instance.duration_minutes,
            "title": instance.title,
        }

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["weekday"] = WEEKDAYS.index(value.pop("day"))
        return value


class CreatorScheduleSerializer(FormJSONField, serializers.Serializer):
    """A creator's weekly schedule, read and written in this one shape.

    Written: ``timezone`` changes the profile's time zone; ``slots``, when sent, replaces the slots whole
    (``[]`` clears them); either may be left out.
    """

    timezone = serializers.CharField(
        max_length=64, required=False, validators=[validate_timezone], help_text="IANA name, e.g. Africa/Lagos."
    )
    slots = ScheduleSlotSerializer(many=True, required=False, max_length=50)

    def to_representation(self, instance):
        return {"timezone": instance.timezone, "slots": ScheduleSlotSerializer(instance.slots, many=True).data}


class CreatorSerializer(serializers.Serializer):
    """A creator's public page: profile, schedule, followers and streams to come."""

    id = serializers.UUIDField()
    username = serializers.CharField()
    display_name = serializers.CharField(source="public_name")
    is_verified = serializers.BooleanField()
    bio = serializers.CharField(source="profile.bio")
    avatar_url = serializers.SerializerMethodField()
    banner_url = serializers.SerializerMethodField()
    brand_colour = serializers.CharField(source="profile.brand_colour")
    social_links = serializers.DictField(source="profile.social_links", child=serializers.URLField())
    schedule = serializers.SerializerMethodField()
    follower_count = serializers.IntegerField()
    subscription_price_coins = serializers.IntegerField(source="profile.subscription_price_coins", allow_null=True)
    recording_retention_days = serializers.SerializerMethodField()
    is_subscribed = serializers.SerializerMethodField()
    is_following = serializers.SerializerMethodField()
    notifications = serializers.SerializerMethodField()
    live_stream = serializers.SerializerMethodField()
    upcoming_streams = serializers.SerializerMethodField()

    def get_avatar_url(self, obj) -> str | None:
        return absolute_media_url(self.context.get("request"), obj.profile.avatar)

    def get_banner_url(self, obj) -> str | None:
        return absolute_media_url(self.context.get("request"), obj.profile.banner)

    @extend_schema_field(CreatorScheduleSerializer)
    def get_schedule(self, obj):
        return CreatorScheduleSerializer(obj.profile).data

    def get_recording_retention_days(self, obj) -> int:
        return obj.profile.recording_retention_days or settings.RECORDING_RETENTION_DAYS

    def get_is_subscribed(self, obj) -> bool:
        request = self.context.get("request")
        return subscription_active(subscriber=request.user if request else None, creator_id=obj.pk)

    def get_is_following(self, obj) -> bool:
        return obj.follow is not None

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_notifications(self, obj):
        return follow_notifications(obj.follow) if obj.follow is not None else None

    @extend_schema_field(StreamSummarySerializer(allow_null=True))
    def get_live_stream(self, obj):
        stream = self.context.get("live_stream")
        return StreamSummarySerializer(stream, context=self.context).data if stream else None

    @extend_schema_field(StreamSummarySerializer(many=True))
    def get_upcoming_streams(self, obj):
        return StreamSummarySerializer(self.context.get("upcoming_streams", []), many=True, context=self.context).data


class CreatorUpdateSerializer(StrictJSONInput, serializers.Serializer):
    display_name = serializers.CharField(max_length=60, required=False)
    bio = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    brand_colour = serializers.RegexField(r"^#[0-9A-Fa-f]{6}$", required=False)
    social_links = FormJSONDictField(
        child=serializers.CharField(max_length=300, allow_blank=True),
        required=False,
        max_length=len(CreatorProfile.SOCIAL_NETWORKS),
    )
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        validators=[validate_timezone],
        help_text="The schedule's time zone; the same as schedule.timezone.",
    )
    subscription_price_coins = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=1_000_000
    )
    recording_retention_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=3650, help_text="Empty: the platform's default."
    )
    avatar = serializers.FileField(required=False)
    banner = serializers.FileField(required=False)
    schedule = CreatorScheduleSerializer(required=False, help_text="The shape GET answers: {timezone, slots}.")

    def validate(self, attrs):
        schedule = attrs.get("schedule") or {}
        if "timezone" in schedule and "timezone" in attrs and schedule["timezone"] != attrs["timezone"]:
            raise serializers.ValidationError(
                {"timezone": ["Send the time zone once: timezone and schedule.timezone differ."]}
            )
        return attrs


def follow_notifications(follow) -> list[str]:
    return [name for name, on in (("go_live", follow.notify_go_live), ("scheduled", follow.notify_scheduled)) if on]


class FollowSerializer(StrictJSONInput, serializers.Serializer):
    notifications = BoundedListField(child=serializers.CharField(max_length=20), required=False, max_length=5)


class FollowResponseSerializer(serializers.Serializer):
    creator = serializers.CharField()
    notifications = serializers.ListField(child=serializers.CharField())
    followed_at = serializers.DateTimeField()


class SubscriptionSerializer(serializers.Serializer):
    creator = serializers.CharField(source="creator.username")
    price_coins = serializers.IntegerField()
    status = serializers.CharField()
    renews = serializers.BooleanField()
    current_period_end = serializers.DateTimeField()
