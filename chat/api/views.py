import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.selectors import user_get
from chat.api.serializers import (
    BanInputSerializer,
    BanSerializer,
    ChannelChatSettingsSerializer,
    ChatHistorySerializer,
    ChatMessageInputSerializer,
    ChatMessageSerializer,
    ChatSettingsSerializer,
    EmoteSerializer,
    HistoryQuerySerializer,
    MentionableQuerySerializer,
    MentionableUserSerializer,
    ModeratorSerializer,
    ReportInputSerializer,
    ReportSerializer,
    UserRefSerializer,
)
from chat.selectors import (
    chat_badges_attach,
    chat_bans,
    chat_channel_bans,
    chat_channel_moderators,
    chat_channel_role,
    chat_channel_settings_of,
    chat_deleted_since,
    chat_emote_set,
    chat_history,
    chat_mentionable,
    chat_message_get,
    chat_message_of_stream,
    chat_message_payload,
    chat_moderators,
    chat_replay,
    chat_replay_before,
    chat_require_reader,
    chat_role,
    chat_rules_payload,
    chat_settings_of,
    chat_settings_payload,
)
from chat.services import (
    chat_ban_create,
    chat_ban_lift,
    chat_channel_ban_create,
    chat_channel_ban_lift,
    chat_channel_moderator_add,
    chat_channel_moderator_remove,
    chat_channel_require_moderator,
    chat_channel_settings_update,
    chat_message_delete,
    chat_message_send,
    chat_moderator_add,
    chat_moderator_remove,
    chat_require_moderator,
    chat_settings_update,
    message_report_create,
)
from livestream.api.schema import error_responses, results_of
from streams.api.replay import ReplayBodySerializer, ReplayQuerySerializer, replay_body
from streams.selectors import stream_get
from streams.selectors.media import recording_replay_clock


def _user_ref(data: dict) -> User:
    return user_get(user_id=data.get("user_id"), username=data.get("username"))


class StreamScopedView(APIView):
    """Resolves the stream from the URL with the visibility rules (404 for what the caller may not see)."""

    def stream(self, request, stream_id):
        return stream_get(stream_id=stream_id, user=request.user)


class ChatMessagesView(StreamScopedView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=[HistoryQuerySerializer],
        responses={200: ChatHistorySerializer, **error_responses(403)},
    )
    def get(self, request, stream_id):
        stream = self.stream(request, stream_id)
        chat_require_reader(stream=stream, user=request.user)
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        if isinstance(params.get("after"), uuid.UUID):
            params["after"] = chat_message_of_stream(stream=stream, message_id=params["after"])
            if params["after"] is None:
                raise ValidationError({"after": ["No such message in this stream's chat."]})
        messages = chat_history(stream=stream, **params)
        chat_badges_attach(stream=stream, messages=messages)
        after = params.get("after")
        deleted = chat_deleted_since(stream=stream, after=after) if after is not None else []
        return Response({"results": ChatMessageSerializer(messages, many=True).data, "deleted": deleted})

    @extend_schema(request=ChatMessageInputSerializer, responses={201: ChatMessageSerializer, **error_responses(429)})
    def post(self, request, stream_id):
        stream = self.stream(request, stream_id)
        serializer = ChatMessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = chat_message_send(stream_id=stream.pk, user=request.user, **serializer.validated_data)
        return Response(ChatMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MentionableView(StreamScopedView):
    """Who ``@prefix`` may mean in this chat: its creator, moderators and recent chatters (never everyone)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[MentionableQuerySerializer],
        responses={200: results_of(MentionableUserSerializer, "Mentionable"), **error_responses(403)},
    )
    def get(self, request, stream_id):
        stream = self.stream(request, stream_id)
        chat_require_reader(stream=stream, user=request.user)
        query = MentionableQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        users = chat_mentionable(stream=stream, prefix=query.validated_data["q"], limit=query.validated_data["limit"])
        return Response({"results": MentionableUserSerializer(users, many=True).data})


class EmotesView(APIView):
    """The platform's emote set (curated by staff): what chat shows as images and the picker lists."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: results_of(EmoteSerializer, "Emotes")})
    def get(self, request):
        return Response({"results": chat_emote_set()})


class ChatReplaySerializer(ReplayBodySerializer):
    results = inline_serializer(
        "ChatReplayItem", {"offset": serializers.FloatField(), "message": ChatMessageSerializer()}, many=True
    )


class ChatReplayView(APIView):
    """A recording's chat, replayed in step with its video (the watch page of an ended stream)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[ReplayQuerySerializer],
        responses={200: ChatReplaySerializer, **error_responses(403)},
        description="The messages sent while the recording was made, each with its `offset` in seconds from the "
        "recording's start, oldest first; deleted messages left out. Read a window (`from`, `to`: at most 600 s) "
        "at a time as playback advances, following `next` when a busy window fills a page; or, after a seek, "
        "the newest `limit` `before` the new position. Premium and private streams as their recordings.",
    )
    def get(self, request, stream_id, recording_id):
        clock = recording_replay_clock(stream_id=stream_id, recording_id=recording_id, user=request.user)
        return Response(
            replay_body(
                request,
                clock=clock,
                read_window=chat_replay,
                read_before=chat_replay_before,
                key="message",
                payload=chat_message_payload,
            )
        )


class ChatMessageView(StreamScopedView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, stream_id, message_id):
        chat_message_delete(stream=self.stream(request, stream_id), message_id=message_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChatReportView(StreamScopedView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ReportInputSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer, **error_responses(409)},
    )
    def post(self, request, stream_id, message_id):
        stream = self.stream(request, stream_id)
        message = chat_message_get(stream=stream, message_id=message_id)
        serializer = ReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report, created = message_report_create(message=message, reporter=request.user, **serializer.validated_data)
        return Response(
            ReportSerializer(report).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ChatSettingsView(StreamScopedView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    json_body_max = 320 * 1024  # 200 blocked terms of 100 characters, each up to 12 bytes as JSON escapes

    @extend_schema(responses=ChatSettingsSerializer)
    def get(self, request, stream_id):
        stream = self.stream(request, stream_id)
        body = chat_settings_payload(stream)
        if chat_role(stream=stream, user=request.user) is not None:
            body["blocked_terms"] = chat_settings_of(stream).blocked_terms
        return Response(body)

    @extend_schema(request=ChatSettingsSerializer, responses=ChatSettingsSerializer)
    def put(self, request, stream_id):
        stream = self.stream(request, stream_id)
        serializer = ChatSettingsSerializer(data=request.data)  # the service checks who may change it
        serializer.is_valid(raise_exception=True)
        rules = chat_settings_update(stream=stream, actor=request.user, data=serializer.validated_data)
        stream = self.stream(request, stream_id)
        return Response({**chat_settings_payload(stream, rules), "blocked_terms": rules.blocked_terms})

    patch = put


class ModeratorsView(StreamScopedView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: results_of(ModeratorSerializer, "Moderators"), **error_responses(403)})
    def get(self, request, stream_id):
        stream = self.stream(request, stream_id)
        chat_require_moderator(stream=stream, actor=request.user)
        return Response({"results": ModeratorSerializer(chat_moderators(stream=stream), many=True).data})

    @extend_schema(
        request=UserRefSerializer,
        responses={
            201: OpenApiResponse(ModeratorSerializer, description="Made a moderator."),
            200: OpenApiResponse(ModeratorSerializer, description="Already a moderator: nothing changed."),
        },
    )
    def post(self, request, stream_id):
        stream = self.stream(request, stream_id)
        serializer = UserRefSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moderator, created = chat_moderator_add(
            stream=stream, actor=request.user, user=_user_ref(serializer.validated_data)
        )
        return Response(
            ModeratorSerializer(moderator).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ModeratorView(StreamScopedView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, stream_id, user_id):
        stream = self.stream(request, stream_id)
        chat_moderator_remove(stream=stream, actor=request.user, user=_user_ref({"user_id": user_id}))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BansView(StreamScopedView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: results_of(BanSerializer, "Bans"), **error_responses(403)})
    def get(self, request, stream_id):
        stream = self.stream(request, stream_id)
        chat_require_moderator(stream=stream, actor=request.user)
        return Response({"results": BanSerializer(chat_bans(stream=stream), many=True).data})

    @extend_schema(request=BanInputSerializer, responses={201: BanSerializer})
    def post(self, request, stream_id):
        stream = self.stream(request, stream_id)
        serializer = BanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ban = chat_ban_create(
            stream=stream,
            actor=request.user,
            user=_user_ref(data),
            duration_seconds=data.get("duration_seconds"),
            reason=data.get("reason", ""),
        )
        return Response(BanSerializer(ban).data, status=status.HTTP_201_CREATED)


class BanView(StreamScopedView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, stream_id, user_id):
        stream = self.stream(request, stream_id)
        chat_ban_lift(stream=stream, actor=request.user, user=_user_ref({"user_id": user_id}))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The channel: /creators/{username}/moderators, /bans, /chat-settings ---------------------------------------


class ChannelScopedView(APIView):
    """Resolves the creator (any active user has a channel) from the URL; 404 for nobody by that name."""

    permission_classes = [permissions.IsAuthenticated]

    def creator(self, username: str) -> User:
        return user_get(username=username)


class ChannelModeratorsView(ChannelScopedView):
    @extend_schema(
        responses={200: results_of(ModeratorSerializer, "ChannelModerators"), **error_responses(403)},
        description="The channel's moderators: they moderate every stream of the creator. The creator, the "
        "channel's moderators and staff may read them.",
    )
    def get(self, request, username):
        creator = self.creator(username)
        chat_channel_require_moderator(creator=creator, actor=request.user)
        return Response({"results": ModeratorSerializer(chat_channel_moderators(creator=creator), many=True).data})

    @extend_schema(
        request=UserRefSerializer,
        responses={
            201: OpenApiResponse(ModeratorSerializer, description="Made a channel moderator (their bans lifted)."),
            200: OpenApiResponse(ModeratorSerializer, description="Already a channel moderator: nothing changed."),
        },
        description="The creator (or staff) appoints a moderator of every stream of the channel.",
    )
    def post(self, request, username):
        creator = self.creator(username)
        serializer = UserRefSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moderator, created = chat_channel_moderator_add(
            creator=creator, actor=request.user, user=_user_ref(serializer.validated_data)
        )
        return Response(
            ModeratorSerializer(moderator).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ChannelModeratorView(ChannelScopedView):
    @extend_schema(responses={204: None}, description="The creator (or staff) removes a channel moderator.")
    def delete(self, request, username, user_id):
        creator = self.creator(username)
        chat_channel_moderator_remove(creator=creator, actor=request.user, user=_user_ref({"user_id": user_id}))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChannelBansView(ChannelScopedView, GenericAPIView):
    filter_backends: list = []  # a list of bans, not a filtered queryset: no django-filter parameters
    serializer_class = BanSerializer

    @extend_schema(
        responses={200: BanSerializer(many=True), **error_responses(403)},
        description="The channel's bans and timeouts in force, newest first, paginated (a channel's bans "
        "accumulate): the creator, the channel's moderators and staff may read them.",
    )
    def get(self, request, username):
        creator = self.creator(username)
        chat_channel_require_moderator(creator=creator, actor=request.user)
        page = self.paginate_queryset(chat_channel_bans(creator=creator))
        return self.get_paginated_response(BanSerializer(page, many=True).data)

    @extend_schema(
        request=BanInputSerializer,
        responses={201: BanSerializer},
        description="Ban (no `duration_seconds`) or time out a user in every stream of the channel, streams created "
        "later included; they hear it at once on every socket they have in the channel's rooms. The creator, the "
        "channel's moderators and staff may; they cannot be banned (code `invalid_ban`).",
    )
    def post(self, request, username):
        creator = self.creator(username)
        serializer = BanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ban = chat_channel_ban_create(
            creator=creator,
            actor=request.user,
            user=_user_ref(data),
            duration_seconds=data.get("duration_seconds"),
            reason=data.get("reason", ""),
        )
        return Response(BanSerializer(ban).data, status=status.HTTP_201_CREATED)


class ChannelBanView(ChannelScopedView):
    @extend_schema(responses={204: None}, description="Lift a channel ban or timeout (bans of single streams stay).")
    def delete(self, request, username, user_id):
        creator = self.creator(username)
        chat_channel_ban_lift(creator=creator, actor=request.user, user=_user_ref({"user_id": user_id}))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChannelChatSettingsView(ChannelScopedView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    json_body_max = ChatSettingsView.json_body_max

    def body(self, creator: User, user, rules) -> dict:
        body = chat_rules_payload(rules)
        if chat_channel_role(creator=creator, user=user) is not None:
            body["blocked_terms"] = rules.blocked_terms
        return body

    @extend_schema(
        responses=ChannelChatSettingsSerializer,
        description="The rules every new stream of the creator starts with; `blocked_terms` (the channel's, "
        "checked in all of its streams) for the creator, the channel's moderators and staff only.",
    )
    def get(self, request, username):
        creator = self.creator(username)
        return Response(self.body(creator, request.user, chat_channel_settings_of(creator.pk)))

    @extend_schema(
        request=ChannelChatSettingsSerializer,
        responses=ChannelChatSettingsSerializer,
        description="The creator (or staff) changes the channel's rules; `apply_to_streams` gives them to the "
        "scheduled and live streams too (their rooms hear the new set).",
    )
    def patch(self, request, username):
        creator = self.creator(username)
        serializer = ChannelChatSettingsSerializer(data=request.data)  # the service checks who may change it
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        apply_to_streams = data.pop("apply_to_streams", False)
        rules = chat_channel_settings_update(
            creator=creator, actor=request.user, data=data, apply_to_streams=apply_to_streams
        )
        return Response(self.body(creator, request.user, rules))
