from rest_framework import serializers

from accounts.api.serializers import UserSerializer
from gifts.models import GIFT_MESSAGE_MAX, GIFT_QUANTITY_MAX, Gift
from livestream.api.pagination import LimitField
from livestream.api.serializers import QuerySerializer, StrictJSONInput


class GiftSerializer(serializers.Serializer):
    """Output: the contract's gift body (fields declared for the schema)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.ChoiceField(choices=Gift.Category.choices)
    rarity = serializers.ChoiceField(choices=Gift.Rarity.choices)
    cost_in_coins = serializers.IntegerField()
    naira_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    image_url = serializers.URLField(allow_null=True)
    animation = serializers.CharField()
    sound_url = serializers.URLField(allow_null=True)


class SentGiftSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    gift = GiftSerializer()
    quantity = serializers.IntegerField()
    total_coins = serializers.IntegerField()
    message = serializers.CharField()
    is_anonymous = serializers.BooleanField()
    sender = UserSerializer(allow_null=True, help_text="null to others when the gift is anonymous")
    stream_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    combo = serializers.IntegerField(
        min_value=1, help_text="this sender's same gift on this stream within the combo window, counting this one"
    )


class SendGiftSerializer(StrictJSONInput, serializers.Serializer):
    gift_id = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1, max_value=GIFT_QUANTITY_MAX)
    message = serializers.CharField(required=False, allow_blank=True, max_length=GIFT_MESSAGE_MAX, default="")
    is_anonymous = serializers.BooleanField(required=False, default=False)


class CatalogueQuerySerializer(QuerySerializer):
    category = serializers.ChoiceField(choices=Gift.Category.choices, required=False)
    rarity = serializers.ChoiceField(choices=Gift.Rarity.choices, required=False)


class HistoryQuerySerializer(QuerySerializer):
    type = serializers.ChoiceField(choices=["sent", "received"], required=False, default="sent")


class RecentQuerySerializer(QuerySerializer):
    limit = LimitField(default=50)


class LeaderRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user = UserSerializer(allow_null=True, help_text="null for the sum of anonymous gifts")
    coins = serializers.IntegerField()
    gifts = serializers.IntegerField()


class LeaderboardSerializer(serializers.Serializer):
    stream = LeaderRowSerializer(many=True)
    creator = LeaderRowSerializer(many=True)


class StreamEarningsSerializer(serializers.Serializer):
    coins = serializers.IntegerField(help_text="Whole coins earned from this stream, rounded down (what a payout pays)")
    coins_exact = serializers.DecimalField(max_digits=20, decimal_places=6, help_text="The same, to the millionth")
    gifts_exact = serializers.DecimalField(max_digits=20, decimal_places=6, help_text="Of it, from gifts")
    access_exact = serializers.DecimalField(max_digits=20, decimal_places=6, help_text="Of it, from premium access")
    naira = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text="What a payout pays for the whole coins (PAYOUT_NAIRA_PER_COIN)"
    )
    gift_count = serializers.IntegerField(help_text="Gifts sent to this stream")
    gift_coins = serializers.IntegerField(help_text="Coins their senders spent")
