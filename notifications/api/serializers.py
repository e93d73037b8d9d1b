from rest_framework import serializers

from notifications.models import Channel, Kind
from notifications.services import REMINDER_CHOICES, REMINDER_DEFAULT


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField(help_text="A path on this site the notification opens.")
    data = serializers.DictField(help_text="Details of the kind (a gift's count, a payout's status, ...).")
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField(source="is_read")


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": ['Send the ids to mark read, or "all": true.']})
        return attrs


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread_count = serializers.IntegerField()


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


ChannelsSerializer = type(
    "NotificationChannelsSerializer",
    (serializers.Serializer,),
    {channel: serializers.BooleanField(required=False) for channel in Channel.values},
)

PreferencesSerializer = type(
    "NotificationPreferencesSerializer",
    (serializers.Serializer,),
    {kind: ChannelsSerializer(required=False, help_text=label) for kind, label in Kind.choices},
)


class ReminderInputSerializer(serializers.Serializer):
    minutes_before = serializers.ChoiceField(choices=REMINDER_CHOICES, default=REMINDER_DEFAULT)


class ReminderSerializer(serializers.Serializer):
    stream_id = serializers.UUIDField()
    minutes_before = serializers.IntegerField()
    remind_at = serializers.DateTimeField()
