from rest_framework import serializers

from livestream.api.pagination import LimitField
from streams.api.serializers import StreamSerializer


class DiscoveryQuerySerializer(serializers.Serializer):
    limit = LimitField(default=10)


class TrendingItemSerializer(serializers.Serializer):
    stream = StreamSerializer()
    score = serializers.FloatField(help_text="The stored trending score (README.md, 'Trending').")
    components = serializers.DictField(help_text="Its inputs: viewers, chat_per_minute, coins, new_followers, decay.")


class RecommendationSerializer(serializers.Serializer):
    stream = StreamSerializer()
    reason = serializers.CharField(help_text='Why, for people: "because you follow Ada", "popular in Mathematics".')
    reason_kind = serializers.ChoiceField(choices=["follow", "category", "tag", "cowatch", "trending"])


class TrendingListSerializer(serializers.Serializer):
    results = TrendingItemSerializer(many=True)


class RecommendationListSerializer(serializers.Serializer):
    results = RecommendationSerializer(many=True)
