from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from discovery.search.query import Q_MAX, SORTS, STATUSES, TYPES
from livestream.api.pagination import LimitField
from livestream.api.serializers import QuerySerializer
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


class SearchQuerySerializer(QuerySerializer):
    """The search's query parameters; ``q`` may be empty when filters narrow the list."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=Q_MAX, trim_whitespace=True, help_text="Up to 100 characters."
    )
    type = serializers.ChoiceField(choices=TYPES, required=False, default="all")
    category = serializers.CharField(
        required=False, allow_blank=True, max_length=80, help_text="Category slug; includes its sub-categories."
    )
    status = serializers.ChoiceField(choices=STATUSES, required=False, help_text="Streams only; default: all three.")
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="relevance", help_text="Streams only.")


class SuggestQuerySerializer(QuerySerializer):
    q = serializers.CharField(max_length=Q_MAX, trim_whitespace=True, help_text="1 to 100 characters.")


class CreatorResultSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    id = serializers.UUIDField(source="user.id")
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.public_name")
    is_verified = serializers.BooleanField(source="user.is_verified")
    avatar_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_type(self, row) -> str:
        return "creator"

    def get_avatar_url(self, row) -> str | None:
        profile = getattr(row.user, "creator_profile", None)
        if profile is None or not profile.avatar:
            return None
        return self.context["request"].build_absolute_uri(profile.avatar.url)

    def get_url(self, row) -> str:
        return self.context["request"].build_absolute_uri(f"/@{row.user.username}/")


class CategoryResultSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    icon = serializers.CharField()
    colour = serializers.CharField()
    parent = serializers.SerializerMethodField(help_text="The parent category's slug, or null at the top.")

    def get_type(self, category) -> str:
        return "category"

    def get_parent(self, category) -> str | None:
        return category.parent.slug if category.parent_id else None


class TagResultSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    name = serializers.CharField()
    stream_count = serializers.IntegerField()

    def get_type(self, tag) -> str:
        return "tag"


class StreamResultSerializer(StreamSerializer):
    """A stream in the results: the stream body of the contract, with ``type``."""

    type = serializers.SerializerMethodField()

    class Meta(StreamSerializer.Meta):
        fields = ["type", *StreamSerializer.Meta.fields]

    def get_type(self, stream) -> str:
        return "stream"


class SuggestionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["creator", "stream", "category"])
    label = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField(help_text="The page to open (a path on this site).")
    image = serializers.CharField(help_text="An avatar or thumbnail URL, or empty.")


@extend_schema_field(serializers.ListField(child=SuggestionSerializer()))
class SuggestionsField(serializers.ListField):
    pass


class SuggestResponseSerializer(serializers.Serializer):
    q = serializers.CharField()
    results = SuggestionsField()
