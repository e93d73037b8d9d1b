"""Discovery's API: trending streams and recommendations (thin: the reads are ``discovery.selectors``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from discovery.api.serializers import (
    DiscoveryQuerySerializer,
    RecommendationListSerializer,
    TrendingListSerializer,
)
from discovery.selectors import recommendation_list, trending_list
from streams.api.serializers import StreamSerializer
from streams.selectors.browse import stream_list_by_ids


def _limit(request) -> int:
    query = DiscoveryQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["limit"]


class TrendingView(APIView):
    """Public live streams by trending score (README.md, "Trending"), refreshed first when older than a minute."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[DiscoveryQuerySerializer], responses=TrendingListSerializer)
    def get(self, request):
        ranked = trending_list(limit=_limit(request))
        streams = stream_list_by_ids(ids=[stream.pk for stream in ranked], user=request.user)
        context = {"request": request}
        results = []
        for stream in streams:
            stored = getattr(stream, "trending", None)
            results.append(
                {
                    "stream": StreamSerializer(stream, context=context).data,
                    "score": stored.score if stored else 0.0,
                    "components": stored.components if stored else {},
                }
            )
        return Response({"results": results})


class RecommendedView(APIView):
    """Streams for the signed-in viewer, each with why; signed out (or nothing to go on yet): trending."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[DiscoveryQuerySerializer], responses=RecommendationListSerializer)
    def get(self, request):
        items = recommendation_list(user=request.user, limit=_limit(request))
        streams = {s.pk: s for s in stream_list_by_ids(ids=[item.stream.pk for item in items], user=request.user)}
        context = {"request": request}
        results = [
            {
                "stream": StreamSerializer(streams[item.stream.pk], context=context).data,
                "reason": item.reason,
                "reason_kind": item.kind,
            }
            for item in items
            if item.stream.pk in streams
        ]
        return Response({"results": results})
