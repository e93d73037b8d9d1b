"""The API's edge of a recording's replay: the query every replay route takes (a time window, or the newest
items before a moment) and the body it answers. The routes live with the data's owner (chat's messages, gifts'
sent gifts); this module is the one definition of their shape, so a client reads both alike."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rest_framework import serializers
from rest_framework.utils.urls import replace_query_param

from livestream.api.pagination import LimitField
from livestream.api.serializers import QuerySerializer
from streams.selectors.media import REPLAY_PAGE_MAX, REPLAY_WINDOW_MAX_SECONDS, ReplayClock, ReplayPage

REPLAY_WINDOW_DEFAULT_SECONDS = 300


def _offset_field(help_text: str) -> serializers.DecimalField:
    # Seconds from the recording's first frame, to the microsecond (what `next` carries).
    return serializers.DecimalField(
        max_digits=12, decimal_places=6, min_value=Decimal(0), required=False, help_text=help_text
    )


class ReplayQuerySerializer(QuerySerializer):
    to = _offset_field(
        f"End of the window (exclusive), in seconds from the recording's start; default `from` + "
        f"{REPLAY_WINDOW_DEFAULT_SECONDS}, at most `from` + {REPLAY_WINDOW_MAX_SECONDS}."
    )
    before = _offset_field(
        "Instead of a window: the newest `limit` items before this offset (where a viewer jumped to)."
    )
    limit = LimitField(default=REPLAY_PAGE_MAX)

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword: declared here rather than as a class attribute.
        fields["from"] = _offset_field("Start of the window (inclusive), in seconds from the recording's start.")
        return fields

    def validate(self, attrs):
        if "before" in attrs:
            if "from" in attrs or "to" in attrs:
                raise serializers.ValidationError({"before": ["Send either before, or from and to."]})
            return attrs
        start = attrs.get("from", Decimal(0))
        end = attrs.get("to", start + REPLAY_WINDOW_DEFAULT_SECONDS)
        if end <= start:
            raise serializers.ValidationError({"to": ["Must be after from."]})
        if end - start > REPLAY_WINDOW_MAX_SECONDS:
            raise serializers.ValidationError({"to": [f"At most {REPLAY_WINDOW_MAX_SECONDS} seconds after from."]})
        attrs["from"], attrs["to"] = start, end
        return attrs


class ReplayBodySerializer(serializers.Serializer):
    """For the schema: what every replay route answers (``results`` differ in their item's key)."""

    recording_id = serializers.UUIDField()
    duration = serializers.FloatField(allow_null=True, help_text="The recording's length in seconds.")
    # `from` is added below (a keyword).
    to = serializers.FloatField(help_text="The window's end (exclusive), or `before`.")
    next = serializers.URLField(
        allow_null=True, help_text="The rest of this window when the page was full (the same `to`); else null."
    )


ReplayBodySerializer._declared_fields["from"] = serializers.FloatField(
    allow_null=True, help_text="The window's start (inclusive); null when asked for the newest items `before`."
)


def _plain(seconds: Decimal) -> str:
    return format(seconds.normalize(), "f")  # 600, 59.5: not 6E+2 nor 600.000000


def replay_body(
    request,
    *,
    clock: ReplayClock,
    read_window: Callable[..., ReplayPage],
    read_before: Callable[..., list],
    key: str,
    payload: Callable[[Any], dict],
) -> dict:
    """The body of a replay route: the query validated (400 with field errors), one read, each item with its
    ``offset`` (seconds from the recording's start) and ``payload(item)`` under ``key``, oldest first."""
    query = ReplayQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    next_url = None
    if "before" in data:
        rows = read_before(clock=clock, before=data["before"], limit=data["limit"])
        start, end = None, data["before"]
    else:
        start, end = data["from"], data["to"]
        page = read_window(clock=clock, start=start, end=end, limit=data["limit"])
        rows = page.items
        if page.next_from is not None:
            next_url = replace_query_param(request.build_absolute_uri(), "from", _plain(page.next_from))
            next_url = replace_query_param(next_url, "to", _plain(end))
    return {
        "recording_id": str(clock.recording.pk),
        "duration": clock.duration,
        "from": float(start) if start is not None else None,
        "to": float(end),
        "next": next_url,
        "results": [{"offset": float(clock.offset(row.created_at)), key: payload(row)} for row in rows],
    }
