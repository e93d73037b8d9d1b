from rest_framework import serializers

from accounts.models import GIFT_CONFIRM_THRESHOLD_MAX, VERIFICATION_LINKS_MAX, User, VerificationRequest
from livestream.api.serializers import BoundedListField, StrictJSONInput


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


class VerificationApplySerializer(StrictJSONInput, serializers.Serializer):
    """A creator's application for the verified badge."""

    full_name = serializers.CharField(max_length=120, help_text="Your real or registered name.")
    about = serializers.CharField(max_length=1000, help_text="Who you are: what you teach, perform or represent.")
    links = BoundedListField(
        child=serializers.URLField(max_length=200),
        max_length=VERIFICATION_LINKS_MAX,
        required=False,
        default=list,
        help_text=f"Up to {VERIFICATION_LINKS_MAX} public links (http or https) that show who you are.",
    )
    reason = serializers.CharField(max_length=1000, help_text="Why you ask for the badge.")


class VerificationRequestSerializer(serializers.ModelSerializer):
    links = serializers.ListField(child=serializers.URLField(), read_only=True)
    rejection_reason = serializers.CharField(
        read_only=True, help_text="Why it was rejected or the badge removed; empty otherwise."
    )

    class Meta:
        model = VerificationRequest
        fields = [
            "id",
            "status",
            "full_name",
            "about",
            "links",
            "reason",
            "rejection_reason",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class VerificationStatusSerializer(serializers.Serializer):
    """The caller's badge and their latest verification request (null when they never applied)."""

    is_verified = serializers.BooleanField()
    request = VerificationRequestSerializer(allow_null=True)
