import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.selectors import user_payload
from chat.models import ChatMessage, MessageReport
from chat.selectors import chat_message_payload
from chat.services import MAX_MENTIONS, MAX_TERM_LENGTH, MAX_TERMS
from livestream.api.pagination import LimitField
from livestream.api.serializers import BoundedListField, QuerySerializer, StrictJSONInput


class ChatUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    is_verified = serializers.BooleanField()
    badges = serializers.ListField(child=serializers.CharField())


class ChatMessageSerializer(serializers.Serializer):
    """Output only: exactly the `message` of a chat_message event (fields declared for the schema)."""

    id = serializers.UUIDField()
    user = ChatUserSerializer()
    content = serializers.CharField()
    message_type = serializers.ChoiceField(choices=ChatMessage.Type.choices)
    mentions = serializers.ListField(child=serializers.UUIDField())
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: ChatMessage) -> dict:
        return chat_message_payload(instance, getattr(instance, "badges", None))


class ChatHistorySerializer(serializers.Serializer):
    """For the schema: a page of history, and (catching up with ``after``) what was deleted meanwhile."""

    results = ChatMessageSerializer(many=True)
    deleted = serializers.ListField(
        child=serializers.UUIDField(),
        help_text=(
            "With `after`: ids of messages sent up to the cursor and deleted since (a client that was away still "
            "shows them; it removes them). Empty without `after`."
        ),
    )


class ChatMessageInputSerializer(StrictJSONInput, serializers.Serializer):
    content = serializers.CharField(max_length=2000, trim_whitespace=False)
    message_type = serializers.ChoiceField(choices=ChatMessage.Type.choices, default=ChatMessage.Type.TEXT)
    mentions = BoundedListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=MAX_MENTIONS
    )


@extend_schema_field(OpenApiTypes.STR)
class AfterCursorField(serializers.Field):
    """``after``: a message id (UUID) or a time; the view turns an id into that message of the stream."""

    default_error_messages = {"invalid": "Give a message id or an ISO 8601 time."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return uuid.UUID(data)
        except ValueError:
            pass
        try:
            return serializers.DateTimeField().to_internal_value(data)
        except serializers.ValidationError:
            self.fail("invalid")

    def to_representation(self, value):
        return str(value)


class HistoryQuerySerializer(QuerySerializer):
    before = serializers.DateTimeField(required=False, help_text="Only messages older than this (a cursor).")
    after = AfterCursorField(
        required=False,
        help_text=(
            "Only messages newer than this message id or time (catching up after a reconnect): the oldest "
            "`limit` of them, listed newest first; ask again from the newest for more."
        ),
    )
    limit = LimitField(default=50)


class MentionableQuerySerializer(QuerySerializer):
    q = serializers.CharField(max_length=30, help_text="What follows the @: a username or display-name prefix.")
    # Like every list's limit (one shape in the schema); the selector returns at most MENTIONABLE_MAX.
    limit = LimitField(default=8)


class MentionableUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    is_verified = serializers.BooleanField()
    badges = serializers.ListField(child=serializers.CharField())

    def to_representation(self, user) -> dict:
        badges = {0: ["creator"], 1: ["moderator"]}.get(getattr(user, "mention_group", 2), [])
        return user_payload(user, badges)


class EmoteSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Typed in chat as :code:.")
    image_url = serializers.CharField()


class UserRefSerializer(StrictJSONInput, serializers.Serializer):
    """Name a user by ``user_id`` or ``username``."""

    user_id = serializers.UUIDField(required=False)
    username = serializers.CharField(required=False, max_length=150)

    def validate(self, attrs):
        if not attrs.get("user_id") and not attrs.get("username"):
            raise serializers.ValidationError({"user_id": ["Give user_id or username."]})
        return attrs


class BanInputSerializer(UserRefSerializer):
    duration_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=31_536_000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class BanSerializer(serializers.Serializer):
    user = ChatUserSerializer()
    reason = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    moderator = serializers.CharField(allow_null=True, help_text="The username of who imposed it.")

    def to_representation(self, ban) -> dict:
        return {
            "user": user_payload(ban.user),
            "reason": ban.reason,
            "expires_at": serializers.DateTimeField().to_representation(ban.expires_at) if ban.expires_at else None,
            "created_at": serializers.DateTimeField().to_representation(ban.created_at),
            "moderator": ban.moderator.username if ban.moderator else None,
        }


class ModeratorSerializer(serializers.Serializer):
    user = ChatUserSerializer()
    created_at = serializers.DateTimeField()

    def to_representation(self, moderator) -> dict:
        return {
            "user": user_payload(moderator.user),
            "created_at": serializers.DateTimeField().to_representation(moderator.created_at),
        }


class ChatSettingsSerializer(StrictJSONInput, serializers.Serializer):
    chat_enabled = serializers.BooleanField(required=False)
    gifts_enabled = serializers.BooleanField(required=False)
    slow_mode = serializers.IntegerField(required=False, min_value=0, max_value=86400)
    followers_only = serializers.BooleanField(required=False)
    followers_min_minutes = serializers.IntegerField(required=False, min_value=0, max_value=60 * 24 * 365)
    emote_only = serializers.BooleanField(required=False)
    block_links = serializers.BooleanField(required=False)
    blocked_terms = BoundedListField(
        child=serializers.CharField(max_length=100, allow_blank=True), required=False, max_length=MAX_TERMS
    )


class ReportInputSerializer(StrictJSONInput, serializers.Serializer):
    reason = serializers.ChoiceField(choices=MessageReport.Reason.choices)
    details = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ReportSerializer(serializers.Serializer):
    """A report as its reporter sees it."""

    id = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=MessageReport.Reason.choices)
    status = serializers.ChoiceField(choices=MessageReport.Status.choices)


class ChannelChatSettingsSerializer(StrictJSONInput, serializers.Serializer):
    """A channel's chat rules: what every new stream of the creator starts with, and the channel's blocked terms
    (only its creator, moderators and staff see them), which hold in all of its streams."""

    slow_mode = serializers.IntegerField(required=False, min_value=0, max_value=86400)
    followers_only = serializers.BooleanField(required=False)
    followers_min_minutes = serializers.IntegerField(required=False, min_value=0, max_value=60 * 24 * 365)
    emote_only = serializers.BooleanField(required=False)
    block_links = serializers.BooleanField(required=False)
    blocked_terms = BoundedListField(
        child=serializers.CharField(max_length=MAX_TERM_LENGTH, allow_blank=True), required=False, max_length=MAX_TERMS
    )
    apply_to_streams = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Also give these rules to the creator's scheduled and live streams now (their own blocked terms "
        "stay); otherwise only streams created from now on start with them.",
    )

    class Meta:
        optional_fields = ("blocked_terms",)
