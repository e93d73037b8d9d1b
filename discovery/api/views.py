"""Discovery's API: trending streams and recommendations (thin: the reads are ``discovery.selectors``)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from discovery.api.serializers import (
    CategoryResultSerializer,
    CreatorResultSerializer,
    DiscoveryQuerySerializer,
    RecommendationListSerializer,
    SearchQuerySerializer,
    StreamResultSerializer,
    SuggestQuerySerializer,
    SuggestResponseSerializer,
    TagResultSerializer,
    TrendingListSerializer,
)
from discovery.search.query import categories_search, creators_search, streams_search, tags_search
from discovery.search.suggest import search_suggest
from discovery.selectors import recommendation_list, trending_list
from discovery.services import trending_refresh_if_stale
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
        limit = _limit(request)
        trending_refresh_if_stale()  # beat refreshes every minute; this keeps `make run` (no beat) right
        ranked = trending_list(limit=limit)
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
        def load(ids: list) -> dict:  # the streams as the API's list shows them, loaded once
            return {stream.pk: stream for stream in stream_list_by_ids(ids=ids, user=request.user)}

        items = recommendation_list(user=request.user, limit=_limit(request), load=load)
        context = {"request": request}
        results = [
            {
                "stream": StreamSerializer(item.stream, context=context).data,
                "reason": item.reason,
                "reason_kind": item.kind,
            }
            for item in items
        ]
        return Response({"results": results})


ALSO_FOUND = 5


def query_params(serializer_class, request) -> dict:
    """The validated query parameters; a 400 naming each bad one, with the first one's ``code`` (such as
    ``invalid_choice``, ``max_length`` or ``blank``) for clients to branch on."""
    query = serializer_class(data=request.query_params)
    if not query.is_valid():
        codes = query.errors
        first = next(iter(codes.values()))[0]
        raise exceptions.ValidationError({**codes, "code": getattr(first, "code", "invalid")})
    return query.validated_data  # type=all: the best creators, categories and tags shown beside the streams


class SearchView(GenericAPIView):
    """Search public streams (live, upcoming, past), creators, categories and tags.

    ``type=streams|creators|categories|tags`` pages through that kind in ``results``. ``type=all`` (the
    default) pages through streams in ``results`` and adds the best few ``creators``, ``categories`` and
    ``tags``. ``status``, ``category`` and ``sort`` narrow and order the streams. Every row has a ``type``.
    """

    permission_classes = [permissions.AllowAny]
    serializer_class = StreamResultSerializer

    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses=inline_serializer(
            "SearchResponse",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": serializers.ListField(child=serializers.DictField()),
                "creators": CreatorResultSerializer(many=True, required=False),
                "categories": CategoryResultSerializer(many=True, required=False),
                "tags": TagResultSerializer(many=True, required=False),
            },
        ),
    )
    def get(self, request):
        params = query_params(SearchQuerySerializer, request)
        q, kind = params.get("q", ""), params["type"]
        context = self.get_serializer_context()
        if kind == "creators":
            page = self.paginate_queryset(creators_search(q=q))
            return self.get_paginated_response(CreatorResultSerializer(page, many=True, context=context).data)
        if kind == "categories":
            page = self.paginate_queryset(categories_search(q=q))
            return self.get_paginated_response(CategoryResultSerializer(page, many=True).data)
        if kind == "tags":
            page = self.paginate_queryset(tags_search(q=q, limit=100))
            return self.get_paginated_response(TagResultSerializer(page, many=True).data)
        streams = streams_search(
            q=q,
            status=params.get("status", ""),
            category=params.get("category", ""),
            sort=params["sort"],
            user=request.user,
        )
        page = self.paginate_queryset(streams)
        response = self.get_paginated_response(StreamResultSerializer(page, many=True, context=context).data)
        if kind == "all":
            has_words = bool(q.strip())
            creators = list(creators_search(q=q)[:ALSO_FOUND]) if has_words else []
            categories = categories_search(q=q)[:ALSO_FOUND] if has_words else []
            response.data["creators"] = CreatorResultSerializer(creators, many=True, context=context).data
            response.data["categories"] = CategoryResultSerializer(categories, many=True).data
            response.data["tags"] = TagResultSerializer(tags_search(q=q, limit=ALSO_FOUND), many=True).data
        return response


class SuggestView(GenericAPIView):
    """As-you-type suggestions: at most 8 creators, streams and categories for ``q`` (1 to 100 characters),
    each with ``type``, ``label``, ``detail``, ``url`` and ``image`` (an avatar or thumbnail, or empty)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = SuggestResponseSerializer
    pagination_class = None

    @extend_schema(parameters=[SuggestQuerySerializer], responses=SuggestResponseSerializer)
    def get(self, request):
        q = query_params(SuggestQuerySerializer, request)["q"]
        response = Response({"q": q, "results": search_suggest(q=q)})
        response["Cache-Control"] = "public, max-age=30"
        return response
