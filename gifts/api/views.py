import json
import re
import uuid

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.selectors import user_get, user_get_by_token_cached, user_token_forget
from gifts.api.serializers import (
    CatalogueQuerySerializer,
    GiftSerializer,
    HistoryQuerySerializer,
    LeaderboardSerializer,
    RecentQuerySerializer,
    SendGiftSerializer,
    SentGiftSerializer,
    StreamEarningsSerializer,
)
from gifts.models import GIFT_MESSAGE_MAX, GIFT_QUANTITY_MAX
from gifts.selectors import (
    gift_catalogue,
    gift_leaderboard,
    gift_payload,
    gift_replay,
    gift_replay_before,
    sent_gift_payload,
    stream_earnings,
    stream_recent_gifts,
    user_gift_history,
)
from gifts.services import SenderNotAuthenticated, gift_send
from livestream.api.exceptions import domain_error_response
from livestream.api.schema import error_responses, results_of
from livestream.errors import DomainError
from streams.api.replay import ReplayBodySerializer, ReplayQuerySerializer, replay_body
from streams.selectors import stream_get
from streams.selectors.media import recording_replay_clock


class CatalogueView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[CatalogueQuerySerializer], responses=GiftSerializer(many=True))
    def get(self, request):
        query = CatalogueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response([gift_payload(gift, request) for gift in gift_catalogue(**query.validated_data)])


class StreamGiftsView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(parameters=[RecentQuerySerializer], responses=results_of(SentGiftSerializer, "RecentGifts"))
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
        # gift_send applies the visibility rules and keeps the Idempotency-Key itself.
        serializer = SendGiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sent = gift_send(
            stream_id=stream_id,
            sender=request.user,
            gift_id=data["gift_id"],
            quantity=data["quantity"],
            message=data["message"],
            is_anonymous=data["is_anonymous"],
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:100] or None,
        )
        return Response(sent_gift_payload(sent, viewer=request.user, request=request), status=status.HTTP_201_CREATED)


class GiftReplaySerializer(ReplayBodySerializer):
    results = inline_serializer(
        "GiftReplayItem", {"offset": serializers.FloatField(), "gift": SentGiftSerializer()}, many=True
    )


class GiftReplayView(APIView):
    """The gifts sent during a recording, replayed in step with its video (the watch page of an ended stream)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[ReplayQuerySerializer],
        responses={200: GiftReplaySerializer, **error_responses(403)},
        description="The gifts sent while the recording was made, each with its `offset` in seconds from the "
        "recording's start, oldest first (an anonymous sender hidden as everywhere). Windows, `next` and "
        "`before` as the chat replay's. Premium and private streams as their recordings.",
    )
    def get(self, request, stream_id, recording_id):
        clock = recording_replay_clock(stream_id=stream_id, recording_id=recording_id, user=request.user)
        return Response(
            replay_body(
                request,
                clock=clock,
                read_window=gift_replay,
                read_before=gift_replay_before,
                key="gift",
                payload=lambda sent: sent_gift_payload(sent, viewer=request.user, request=request),
            )
        )


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


class StreamEarningsView(APIView):
    """The creator's running earnings from one stream (the studio's live dashboard follows it as gifts arrive)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: StreamEarningsSerializer, **error_responses(403)},
        description="What the stream's creator earned from it, exact and as the ledger says: their share of its "
        "gifts and of the premium access bought to it. The creator (and staff) only.",
    )
    def get(self, request, stream_id):
        stream = stream_get(stream_id=stream_id, user=request.user)
        if stream.creator_id != request.user.pk and not request.user.is_staff:
            raise exceptions.PermissionDenied("Only the stream's creator may see its earnings.")
        return Response(StreamEarningsSerializer(stream_earnings(stream=stream)).data)


class UserGiftsView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []
    serializer_class = SentGiftSerializer

    @extend_schema(
        parameters=[HistoryQuerySerializer], responses={200: SentGiftSerializer(many=True), **error_responses(403)}
    )
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


# --- The hot route ------------------------------------------------------------------------------------------------

_stream_gifts_drf = StreamGiftsView.as_view()
_SURROGATES = re.compile("[\ud800-\udfff]")
_JSON = JSONRenderer()


@csrf_exempt  # as every DRF view: token callers need no CSRF token; session callers are checked below, as DRF does
def stream_gifts(request, stream_id):
    """``/streams/{id}/gifts``: a plain POST of a gift skips DRF's request cycle; everything else is StreamGiftsView.

    A popular creator's stream takes hundreds of gifts a second, and DRF's
    request wrapping, negotiation and serializer cost more than the gift. The
    lean path handles only the common request (JSON body of the usual types,
    a token, a forced test user or a session with its CSRF token, no
    Idempotency-Key) and answers 201 or the service's refusal exactly as DRF
    would (same handler, renderer and headers). Anything else - other methods,
    keys, other credentials or none, a body DRF might read differently, a
    revoked token - goes to StreamGiftsView, so its answer is DRF's own.
    """
    if (
        request.method != "POST"
        or request.META.get("HTTP_IDEMPOTENCY_KEY", "").strip()
        or not _wants_json(request)
        or not _lean_route_matches_drf()
    ):
        return _stream_gifts_drf(request, stream_id=stream_id)
    sender, token = _sender(request)
    fields = _gift_input(request) if sender is not None else None
    if fields is None:
        return _stream_gifts_drf(request, stream_id=stream_id)
    gift_id, quantity, message, is_anonymous = fields
    try:
        sent = gift_send(
            stream_id=stream_id,
            sender=sender,
            gift_id=gift_id,
            quantity=quantity,
            message=message,
            is_anonymous=is_anonymous,
            token=token,
        )
    except SenderNotAuthenticated:  # revoked or deactivated since we remembered it: nothing was sent
        user_token_forget(key=token)
        return _stream_gifts_drf(request, stream_id=stream_id)
    except DomainError as exc:
        return _render(domain_error_response(exc))
    return _render(Response(sent_gift_payload(sent, viewer=sender, request=request), status=status.HTTP_201_CREATED))


stream_gifts.cls = StreamGiftsView  # the schema generator documents the route from the DRF view
stream_gifts.initkwargs = {}


def _render(response: Response) -> HttpResponse:
    rendered = HttpResponse(_JSON.render(response.data), status=response.status_code, content_type="application/json")
    for name, value in response.headers.items():
        if name != "Content-Type":
            rendered[name] = value
    rendered["Allow"] = _ALLOW
    if _VARY_ACCEPT:
        rendered["Vary"] = "Accept"
    return rendered


def _allowed_methods() -> str:
    view = StreamGiftsView()
    view.setup(None)  # as as_view() does: a view with get also answers HEAD
    return ", ".join(view.allowed_methods)


_ALLOW = _allowed_methods()
_VARY_ACCEPT = len(api_settings.DEFAULT_RENDERER_CLASSES) > 1  # DRF says Vary: Accept when it could negotiate


# What the lean route does by hand: DRF's token-then-session authentication, IsAuthenticatedOrReadOnly, no
# throttles. Should StreamGiftsView's policy ever differ (a new authenticator, a throttle, a permission), every
# request goes to DRF instead of being let through on old assumptions.
_LEAN_POLICY = (
    ("TokenAuthentication", "SessionAuthentication"),
    ("IsAuthenticatedOrReadOnly",),
    (),
)


def _lean_route_matches_drf() -> bool:
    view = StreamGiftsView
    policy = tuple(
        tuple(cls.__name__ for cls in classes)
        for classes in (view.authentication_classes, view.permission_classes, view.throttle_classes)
    )
    return policy == _LEAN_POLICY


def _wants_json(request) -> bool:
    """Only where DRF's negotiation surely picks compact JSON (text/html, ?format=, an indent go to DRF)."""
    if "format=" in request.META.get("QUERY_STRING", ""):
        return False
    accept = request.META.get("HTTP_ACCEPT", "")
    if not accept:
        return True
    return "text/html" not in accept and "indent" not in accept and ("json" in accept or "*/*" in accept)


def _sender(request):
    """(user, token) as DRF's authenticators (token, then session) would find them; (None, None) to let DRF answer."""
    forced = getattr(request, "_force_auth_user", None)  # APIClient.force_authenticate, honoured as DRF honours it
    if forced is not None:
        return forced, None
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        parts = header.split()
        if len(parts) == 2 and parts[0].lower() == "token":
            return user_get_by_token_cached(key=parts[1]), parts[1]
        return None, None
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return None, None
    try:
        SessionAuthentication().enforce_csrf(request)
    except exceptions.PermissionDenied:
        return None, None
    return user, None


def _gift_input(request):
    """(gift id, quantity, message, is_anonymous) when SendGiftSerializer would surely accept the body as it is."""
    content_type = request.META.get("CONTENT_TYPE", "").lower()
    if content_type.split(";")[0].strip() != "application/json" or (
        "charset" in content_type and "utf-8" not in content_type
    ):
        return None
    try:
        data = json.loads(request.body.decode("utf-8"), parse_constant=_refuse)
    except (ValueError, RecursionError):  # a nesting bomb too: DRF's parser answers it with a 400
        return None
    if type(data) is not dict:
        return None
    gift_id, quantity = data.get("gift_id"), data.get("quantity")
    message, is_anonymous = data.get("message", ""), data.get("is_anonymous", False)
    if (
        type(gift_id) is not str
        or type(quantity) is not int
        or type(message) is not str
        or type(is_anonymous) is not bool
    ):
        return None
    try:
        gift_id = uuid.UUID(gift_id)
    except ValueError:
        return None
    message = message.strip()
    if (
        not 1 <= quantity <= GIFT_QUANTITY_MAX
        or len(message) > GIFT_MESSAGE_MAX
        or "\x00" in message
        or _SURROGATES.search(message)
    ):
        return None
    return gift_id, quantity, message, is_anonymous


def _refuse(constant):
    raise ValueError(f"{constant} is not JSON")
