from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get
from livestream.api.schema import error_responses
from streams.api.permissions import IsStreamOwner
from streams.api.serializers import (
    CategorySerializer,
    ClipCreateSerializer,
    ClipSerializer,
    CreatorSerializer,
    CreatorUpdateSerializer,
    FollowResponseSerializer,
    FollowSerializer,
    RecordingSerializer,
    StreamHealthSerializer,
    StreamListQuerySerializer,
    StreamSerializer,
    StreamStatusSerializer,
    StreamWriteSerializer,
    SubscriptionSerializer,
    ThumbnailUploadSerializer,
    follow_notifications,
)
from streams.models import Stream
from streams.selectors import (
    category_tree,
    creator_get,
    stream_get,
    stream_list,
    stream_live_for_creator,
    stream_upcoming_for_creator,
    stream_viewer_has_access,
)
from streams.selectors.media import clip_list, recording_list, stream_health
from streams.services import (
    creator_profile_update,
    follow_create,
    follow_delete,
    stream_apply_action,
    stream_create,
    stream_delete,
    stream_rotate_key,
    stream_update,
)
from streams.services.media.clips import clip_create
from streams.services.media.thumbnails import thumbnail_remove_custom, thumbnail_upload
from streams.services.monetization import stream_access_buy, subscription_cancel, subscription_start


class StreamViewSet(viewsets.GenericViewSet):
    """Streams: the spec's Stream Management API."""

    serializer_class = StreamSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsStreamOwner]
    public_read_actions = {"retrieve", "list", "recordings", "clips"}  # IsStreamOwner: the rest is the creator's
    body_images = {"thumbnail": 1}  # multipart images an action takes (livestream.middleware.BodySizeMiddleware)
    # A UUID, so anything else is an unknown path (404), never a stream id the lookup cannot parse (400).
    lookup_value_regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def get_queryset(self) -> QuerySet[Stream]:  # for the schema generator only
        return Stream.objects.none()

    def get_object(self) -> Stream:
        stream = stream_get(stream_id=self.kwargs["pk"], user=self.request.user)
        self.check_object_permissions(self.request, stream)
        return stream

    def _out(self, stream: Stream, code: int = status.HTTP_200_OK) -> Response:
        stream = stream_get(stream_id=stream.pk, user=self.request.user)  # fresh, with relations loaded
        return Response(StreamSerializer(stream, context={"request": self.request}).data, status=code)

    @extend_schema(parameters=[StreamListQuerySerializer], responses=StreamSerializer(many=True))
    def list(self, request):
        # The filters are the selector's; an enum sent empty (?sort=) is refused here, not read as "absent".
        StreamListQuerySerializer(data=request.query_params).is_valid(raise_exception=True)
        page = self.paginate_queryset(stream_list(filters=request.query_params, user=request.user))
        return self.get_paginated_response(StreamSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(request=StreamWriteSerializer, responses={201: StreamSerializer})
    def create(self, request):
        serializer = StreamWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stream = stream_create(creator=request.user, **serializer.validated_data)
        return self._out(stream, status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response(StreamSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(request=StreamWriteSerializer, responses={200: StreamSerializer, **error_responses(409)})
    def update(self, request, pk=None, partial=False):
        stream = self.get_object()
        serializer = StreamWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._out(stream_update(stream=stream, data=serializer.validated_data))

    @extend_schema(request=StreamWriteSerializer, responses={200: StreamSerializer, **error_responses(409)})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(responses={204: None, **error_responses(409)})
    def destroy(self, request, pk=None):
        stream_delete(stream=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=StreamStatusSerializer, responses={200: StreamSerializer, **error_responses(409)})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        stream = self.get_object()
        serializer = StreamStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._out(stream_apply_action(stream=stream, action=serializer.validated_data["action"]))

    @extend_schema(request=None, responses={200: StreamSerializer, 201: StreamSerializer})
    @action(detail=True, methods=["post"], url_path="access")
    def access(self, request, pk=None):
        """Buy access to a premium stream (once; buying again charges nothing)."""
        stream = stream_get(stream_id=pk, user=request.user)
        _, created = stream_access_buy(stream=stream, user=request.user)
        return self._out(stream, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses=StreamSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, pk=None):
        return self._out(stream_rotate_key(stream=self.get_object()))

    @extend_schema(responses=RecordingSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="recordings", pagination_class=None)
    def recordings(self, request, pk=None):
        """The stream's ready recordings (VOD), oldest first; ``url`` only for viewers with access."""
        stream = self.get_object()
        context = {"request": request, "has_access": stream_viewer_has_access(stream, request.user)}
        return Response(RecordingSerializer(recording_list(stream=stream), many=True, context=context).data)

    @extend_schema(
        methods=["GET"], responses=ClipSerializer(many=True), description="The stream's highlights, newest first."
    )
    @extend_schema(
        methods=["POST"],
        request=ClipCreateSerializer,
        responses={202: ClipSerializer, **error_responses(409)},
        description="The creator cuts a highlight (at most 60 s) from a recording; ready when status is ready.",
    )
    @action(detail=True, methods=["get", "post"], url_path="clips", pagination_class=None)
    def clips(self, request, pk=None):
        stream = self.get_object()  # GET: anyone who may see the stream; POST: its creator (IsStreamOwner)
        if request.method == "GET":
            context = {"request": request, "has_access": stream_viewer_has_access(stream, request.user)}
            return Response(ClipSerializer(clip_list(stream=stream), many=True, context=context).data)
        serializer = ClipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        clip = clip_create(stream=stream, user=request.user, **serializer.validated_data)
        clip.refresh_from_db()
        context = {"request": request, "has_access": True}  # the creator, checked by get_object
        return Response(ClipSerializer(clip, context=context).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        methods=["PUT"], request={"multipart/form-data": ThumbnailUploadSerializer}, responses=StreamSerializer
    )
    @extend_schema(methods=["DELETE"], request=None, responses={200: StreamSerializer})
    @action(detail=True, methods=["put", "delete"], url_path="thumbnail")
    def thumbnail(self, request, pk=None):
        """The creator's own thumbnail (cropped to 16:9, resized to the standard sizes); DELETE goes back to
        automatic thumbnails."""
        stream = self.get_object()
        if request.method == "DELETE":
            return self._out(thumbnail_remove_custom(stream=stream))
        serializer = ThumbnailUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._out(thumbnail_upload(stream=stream, upload=serializer.validated_data["image"]))

    @extend_schema(responses=StreamHealthSerializer)
    @action(detail=True, methods=["get"], url_path="health")
    def health(self, request, pk=None):
        """The creator's studio: what the encoder sends (bitrate, fps, resolution, keyframe interval)."""
        stream = self.get_object()  # not a public read: the creator's only (IsStreamOwner)
        return Response(StreamHealthSerializer(stream_health(stream=stream)).data)


class CategoryListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request):
        return Response(CategorySerializer(category_tree(), many=True).data)


class CreatorView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    body_images = 2  # avatar and banner, multipart (livestream.middleware.BodySizeMiddleware)

    def _out(self, request, username: str) -> Response:
        creator = creator_get(username=username, viewer=request.user)
        context = {
            "request": request,
            "live_stream": stream_live_for_creator(creator=creator),
            "upcoming_streams": stream_upcoming_for_creator(creator=creator),
        }
        return Response(CreatorSerializer(creator, context=context).data)

    @extend_schema(responses=CreatorSerializer)
    def get(self, request, username: str):
        return self._out(request, username)

    @extend_schema(
        request={"application/json": CreatorUpdateSerializer, "multipart/form-data": CreatorUpdateSerializer},
        responses=CreatorSerializer,
    )
    def patch(self, request, username: str):
        creator = user_get(username=username)
        if creator.pk != request.user.pk:
            self.permission_denied(request, message="You can only edit your own creator profile.")
        serializer = CreatorUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        schedule = data.pop("schedule", {})
        if "timezone" in schedule:
            data["timezone"] = schedule["timezone"]
        creator_profile_update(
            user=request.user,
            data=data,
            avatar=data.pop("avatar", None),
            banner=data.pop("banner", None),
            schedule=schedule.get("slots"),
        )
        return self._out(request, username)


class FollowView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=FollowSerializer, responses={200: FollowResponseSerializer, 201: FollowResponseSerializer})
    def post(self, request, username: str):
        creator = user_get(username=username)
        serializer = FollowSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        follow, created = follow_create(
            follower=request.user, creator=creator, notifications=serializer.validated_data.get("notifications")
        )
        body = {
            "creator": creator.username,
            "notifications": follow_notifications(follow),
            "followed_at": follow.created_at,
        }
        return Response(
            FollowResponseSerializer(body).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, username: str):
        follow_delete(follower=request.user, creator=user_get(username=username))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: SubscriptionSerializer, 201: SubscriptionSerializer})
    def post(self, request, username: str):
        subscription, charged = subscription_start(subscriber=request.user, creator=user_get(username=username))
        code = status.HTTP_201_CREATED if charged else status.HTTP_200_OK
        return Response(SubscriptionSerializer(subscription).data, status=code)

    @extend_schema(request=None, responses={200: SubscriptionSerializer})
    def delete(self, request, username: str):
        subscription = subscription_cancel(subscriber=request.user, creator=user_get(username=username))
        return Response(SubscriptionSerializer(subscription).data)
