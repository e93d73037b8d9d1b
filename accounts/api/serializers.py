from rest_framework import serializers

from accounts.models import GIFT_CONFIRM_THRESHOLD_MAX, User
from livestream.api.serializers import StrictJSONInput


class UserSerializer(serializers.ModelSerializer):
    """How a user is embedded everywhere (a message's user, a stream's creator)."""

    display_name = serializers.CharField(source="public_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "is_verified"]
        read_only_fields = fields


class MeSerializer(StrictJSONInput, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "is_verified",
            "email",
            "is_staff",
            "date_joined",
            "gift_confirm_threshold",
        ]
        read_only_fields = ["id", "username", "is_verified", "is_staff", "date_joined"]
        extra_kwargs = {
            "display_name": {"required": False, "allow_blank": False, "max_length": 60},
            "gift_confirm_threshold": {
                "required": False,
                "min_value": 0,
                "max_value": GIFT_CONFIRM_THRESHOLD_MAX,
                "help_text": "Coins: the gift panel asks to confirm a send costing more than this (0: every send).",
            },
        }


class RegisterSerializer(StrictJSONInput, serializers.Serializer):
    username = serializers.RegexField(
        r"^[A-Za-z0-9_.-]{3,30}$",
        max_length=30,
        error_messages={"invalid": "3-30 letters, digits, dots, dashes or underscores."},
    )
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, min_length=1, max_length=128, trim_whitespace=False)
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=60)


class TokenRequestSerializer(StrictJSONInput, serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class AuthResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    token = serializers.CharField()


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
