"""The analytics API: a stream's (its creator and staff) and a creator's (themselves and staff), as JSON or CSV.

Anyone else, signed out included, gets the 404 a private stream gives. A read rolls the numbers up first when
the last rollup is more than a minute old (``analytics.services``), so they are current without a beat.
"""

import csv
import io

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers import CreatorAnalyticsSerializer, RangeQuerySerializer, StreamAnalyticsSerializer
from analytics.selectors import creator_analytics, date_range_resolve, stream_analytics
from analytics.services import creator_rollup_if_stale, creator_zone, stream_rollup_if_stale
from streams.selectors.audience import creator_get_for_analytics, stream_get_for_analytics

STREAM_CSV_COLUMNS = ("minute", "viewers", "chat_messages", "gifts", "coins", "new_followers", "new_subscribers")
CREATOR_CSV_COLUMNS = (
    "day",
    "gift_coins",
    "access_coins",
    "subscription_coins",
    "coins",
    "earned_coins_exact",
    "naira",
    "payout_coins",
    "gifts",
    "chat_messages",
    "views",
    "watch_seconds",
    "new_followers",
    "lost_followers",
    "new_subscribers",
    "followers",
    "subscribers",
)


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value)


def csv_response(*, filename: str, columns: tuple, rows: list[dict], total: dict) -> HttpResponse:
    """One row per minute or day under a header, and a last row of totals (first column ``total``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_iso(row[column]) for column in columns])
    writer.writerow(["total", *(total.get(column, "") for column in columns[1:])])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stream_body(request, stream_id) -> dict:
    stream = stream_get_for_analytics(stream_id=stream_id, user=request.user)
    return stream_analytics(stream=stream, stats=stream_rollup_if_stale(stream=stream))


def creator_body(request, username: str) -> dict:
    query = RangeQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    creator = creator_get_for_analytics(username=username, user=request.user)
    zone = creator_zone(creator)  # their days are their own
    start, end = date_range_resolve(
        start=query.validated_data.get("from"),
        end=query.validated_data.get("to"),
        today=timezone.now().astimezone(zone).date(),
    )
    creator_rollup_if_stale(creator=creator)
    return creator_analytics(creator=creator, start=start, end=end, zone=zone)


class StreamAnalyticsView(APIView):
    permission_classes = [permissions.AllowAny]  # the stream's creator and staff: anyone else's is a 404

    @extend_schema(responses=StreamAnalyticsSerializer)
    def get(self, request, stream_id):
        return Response(stream_body(request, stream_id))


class StreamAnalyticsCSVView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, stream_id):
        body = stream_body(request, stream_id)
        totals = body["totals"]
        return csv_response(
            filename=f"stream-{body['stream']['id']}-analytics.csv",
            columns=STREAM_CSV_COLUMNS,
            rows=body["minutes"],
            total={**totals, "viewers": totals["peak_viewers"]},
        )


class CreatorAnalyticsView(APIView):
    permission_classes = [permissions.AllowAny]  # the creator and staff: anyone else's is a 404

    @extend_schema(parameters=[RangeQuerySerializer], responses=CreatorAnalyticsSerializer)
    def get(self, request, username: str):
        return Response(creator_body(request, username))


class CreatorAnalyticsCSVView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[RangeQuerySerializer], responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, username: str):
        body = creator_body(request, username)
        creator = body["creator"]["username"]
        return csv_response(
            filename=f"{creator}-analytics-{body['from']}-{body['to']}.csv",
            columns=CREATOR_CSV_COLUMNS,
            rows=body["days"],
            total=body["totals"],
        )
