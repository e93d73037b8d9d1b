from django.db import IntegrityError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get
from gifts.api.serializers import (
    CatalogueQuerySerializer,
    GiftSerializer,
    HistoryQuerySerializer,
    LeaderboardSerializer,
    RecentQuerySerializer,
    SendGiftSerializer,
    SentGiftSerializer,
)
from gifts.selectors import (
    gift_catalogue,
    gift_leaderboard,
    gift_payload,
    sent_gift_payload,
    stream_recent_gifts,
    user_gift_history,
)
from gifts.services import gift_send
from streams.selectors import stream_get
from wallet.services import idempotency_replay, request_fingerprint


class CatalogueView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[CatalogueQuerySerializer], responses=GiftSerializer(many=True))
    def get(self, request):
        query = CatalogueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response([gift_payload(gift, request) for gift in gift_catalogue(**query.validated_data)])


class StreamGiftsView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(parameters=[RecentQuerySerializer], responses=SentGiftSerializer(many=True))
    def get(self, request, stream_id):
        stream = stream_get(stream_id=stream_id, user=request.user)
        query = RecentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        gifts = stream_recent_gifts(stream=stream, limit=query.validated_data["limit"])
        return Response({"results": [sent_gift_payload(g, viewer=request.user, request=request) for g in gifts]})

    @extend_schema(
        request=SendGiftSerializer,
        responses={201: SentGiftSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request, stream_id):
        # gift_send applies the visibility rules itself: one query for the stream, not two.
        serializer = SendGiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = request.headers.get("Idempotency-Key", "").strip()[:100] or None
        fingerprint = request_fingerprint({**serializer.data, "stream_id": str(stream_id)})
        if key:
            record = idempotency_replay(user=request.user, scope="gift", key=key, fingerprint=fingerprint)
            if record is not None:
                return Response(record.body, status=record.status_code)
        try:
            sent = gift_send(
                stream_id=stream_id,
                sender=request.user,
                gift_id=data["gift_id"],
                quantity=data["quantity"],
                message=data["message"],
                is_anonymous=data["is_anonymous"],
                idempotency_key=key,
                fingerprint=fingerprint,
            )
        except IntegrityError:
            # A concurrent request with the same key committed first; ours rolled back whole.
            record = (
                idempotency_replay(user=request.user, scope="gift", key=key, fingerprint=fingerprint) if key else None
            )
            if record is None:
                raise
            return Response(record.body, status=record.status_code)
        return Response(sent_gift_payload(sent, viewer=request.user, request=request), status=status.HTTP_201_CREATED)


class LeaderboardView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=LeaderboardSerializer)
    def get(self, request, stream_id):
        stream = stream_get(stream_id=stream_id, user=request.user)
        return Response(
            {
                "stream": gift_leaderboard(stream=stream),
                "creator": gift_leaderboard(creator=stream.creator),
            }
        )


class UserGiftsView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = SentGiftSerializer

    @extend_schema(parameters=[HistoryQuerySerializer])
    def get(self, request, user_id):
        user = user_get(user_id=user_id)
        if request.user.pk != user.pk and not request.user.is_staff:
            self.permission_denied(request, message="You can only see your own gift history.")
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(user_gift_history(user=user, direction=query.validated_data["type"]))
        return self.get_paginated_response(
            [
                sent_gift_payload(g, viewer=request.user if not request.user.is_staff else g.sender, request=request)
                for g in page
            ]
        )
