"""The analytics bodies, declared for the schema (output only), and the creator range's query parameters."""

from rest_framework import serializers

from accounts.api.serializers import UserSerializer
from livestream.api.serializers import QuerySerializer

# `from` is a Python keyword: the query serializer is built with it as a field name.
RangeQuerySerializer = type(
    "AnalyticsRangeQuerySerializer",
    (QuerySerializer,),
    {
        "from": serializers.DateField(
            required=False, help_text="First day (YYYY-MM-DD, in `time_zone`); default 27 days before `to`."
        ),
        "to": serializers.DateField(required=False, help_text="Last day, included; default today. At most 366 days."),
    },
)


class AnalyticsStreamSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    category = serializers.CharField(allow_null=True)


class AnalyticsStreamTotalsSerializer(serializers.Serializer):
    unique_viewers = serializers.IntegerField(help_text="Signed-in viewers (each once) plus signed-out sessions.")
    signed_in_viewers = serializers.IntegerField()
    anonymous_viewers = serializers.IntegerField()
    peak_viewers = serializers.IntegerField(help_text="Most viewers watching at the same moment.")
    watch_seconds = serializers.IntegerField(help_text="Total watch time during the broadcast.")
    average_watch_seconds = serializers.IntegerField(help_text="watch_seconds / unique_viewers.")
    chat_messages = serializers.IntegerField(help_text="Messages sent during the broadcast (deleted ones left out).")
    gifts = serializers.IntegerField(help_text="Gift items (a send of 5 is 5).")
    coins = serializers.IntegerField(help_text="Coins the gifts' senders paid (the ledger's debits).")
    earned_coins_exact = serializers.CharField(help_text="The creator's exact share of them, six decimal places.")
    new_followers = serializers.IntegerField()
    new_subscribers = serializers.IntegerField()


class AnalyticsStreamMinuteSerializer(serializers.Serializer):
    minute = serializers.DateTimeField(help_text="The minute's first second, UTC.")
    viewers = serializers.IntegerField(help_text="Most viewers watching at once during the minute.")
    chat_messages = serializers.IntegerField()
    gifts = serializers.IntegerField()
    coins = serializers.IntegerField()
    new_followers = serializers.IntegerField()
    new_subscribers = serializers.IntegerField()


class AnalyticsGifterSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user = UserSerializer(allow_null=True, help_text="null for the sum of anonymous gifts")
    coins = serializers.IntegerField()
    gifts = serializers.IntegerField(help_text="Sends")


class AnalyticsChatterSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user = UserSerializer()
    messages = serializers.IntegerField()


class StreamAnalyticsSerializer(serializers.Serializer):
    stream = AnalyticsStreamSummarySerializer()
    rolled_up_at = serializers.DateTimeField(allow_null=True, help_text="When the numbers were last rolled up.")
    totals = AnalyticsStreamTotalsSerializer()
    minutes = AnalyticsStreamMinuteSerializer(many=True, help_text="One row per minute of the broadcast, UTC.")
    top_gifters = AnalyticsGifterSerializer(many=True)
    top_chatters = AnalyticsChatterSerializer(many=True)


class AnalyticsCreatorTotalsSerializer(serializers.Serializer):
    coins = serializers.IntegerField(help_text="Coins viewers paid the creator (gifts, access, subscriptions).")
    earned_coins_exact = serializers.CharField(help_text="The creator's exact share of them.")
    naira = serializers.CharField(help_text="≈ naira of that share at PAYOUT_NAIRA_PER_COIN.")
    gift_coins = serializers.IntegerField()
    access_coins = serializers.IntegerField()
    subscription_coins = serializers.IntegerField()
    gift_earned_exact = serializers.CharField()
    access_earned_exact = serializers.CharField()
    subscription_earned_exact = serializers.CharField()
    payout_coins = serializers.IntegerField()
    gifts = serializers.IntegerField()
    chat_messages = serializers.IntegerField()
    views = serializers.IntegerField(help_text="Viewer sessions that joined.")
    watch_seconds = serializers.IntegerField(help_text="Watch time of those sessions that have ended.")
    new_followers = serializers.IntegerField(help_text="Follows that began in the range (some may have ended since).")
    lost_followers = serializers.IntegerField(help_text="Follows that ended in the range.")
    new_subscribers = serializers.IntegerField()
    followers = serializers.IntegerField(help_text="Now.")
    subscribers = serializers.IntegerField(help_text="Active now.")
    streams = serializers.IntegerField(help_text="Streams that went live in the range.")


class AnalyticsCreatorDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    gift_coins = serializers.IntegerField()
    gift_earned_exact = serializers.CharField()
    access_coins = serializers.IntegerField()
    access_earned_exact = serializers.CharField()
    subscription_coins = serializers.IntegerField()
    subscription_earned_exact = serializers.CharField()
    coins = serializers.IntegerField()
    earned_coins_exact = serializers.CharField()
    naira = serializers.CharField()
    payout_coins = serializers.IntegerField()
    gifts = serializers.IntegerField()
    chat_messages = serializers.IntegerField()
    views = serializers.IntegerField()
    watch_seconds = serializers.IntegerField()
    new_followers = serializers.IntegerField(help_text="Follows that began that day.")
    lost_followers = serializers.IntegerField(help_text="Follows that ended that day.")
    new_subscribers = serializers.IntegerField()
    followers = serializers.IntegerField(help_text="Following at the end of the day.")
    subscribers = serializers.IntegerField(
        help_text="Subscribed at the end of the day (today: now): a paid month, first or renewed, covers that moment."
    )


class AnalyticsHourSerializer(serializers.Serializer):
    hour = serializers.IntegerField(min_value=0, max_value=23)
    views = serializers.IntegerField()


class AnalyticsCategoryAudienceSerializer(serializers.Serializer):
    category = serializers.CharField()
    streams = serializers.IntegerField()
    viewers = serializers.IntegerField()
    watch_seconds = serializers.IntegerField()


class AnalyticsTopStreamSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    started_at = serializers.DateTimeField()
    unique_viewers = serializers.IntegerField()
    peak_viewers = serializers.IntegerField()
    watch_seconds = serializers.IntegerField()
    chat_messages = serializers.IntegerField()
    gifts = serializers.IntegerField()
    coins = serializers.IntegerField()


class AnalyticsCreatorNameSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()


CreatorAnalyticsSerializer = type(
    "CreatorAnalyticsSerializer",
    (serializers.Serializer,),
    {
        "creator": AnalyticsCreatorNameSerializer(),
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "time_zone": serializers.CharField(help_text="Days and hours of day are counted in it."),
        "totals": AnalyticsCreatorTotalsSerializer(),
        "days": AnalyticsCreatorDaySerializer(many=True, help_text="One row per day of the range."),
        "audience_by_hour": AnalyticsHourSerializer(many=True),
        "audience_by_category": AnalyticsCategoryAudienceSerializer(many=True),
        "top_streams": AnalyticsTopStreamSerializer(many=True),
        "top_gifters": AnalyticsGifterSerializer(many=True),
    },
)
