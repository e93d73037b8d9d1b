"""The notifications API: the signed-in user's list, read marks, unread count, choices, and stream reminders."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from livestream.api.schema import error_responses
from notifications.api.serializers import (
    MarkedSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    PreferencesSerializer,
    ReminderInputSerializer,
    ReminderSerializer,
    UnreadCountSerializer,
)
from notifications.models import Notification
from notifications.selectors import notification_list, preferences_get, unread_count
from notifications.services import notifications_mark_read, preferences_set, reminder_delete, reminder_set
from streams.selectors import stream_get


class NotificationListView(ListAPIView):
    """The caller's notifications, newest first (`page`, `limit`)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation: no user
            return Notification.objects.none()
        return notification_list(user=self.request.user)


class MarkReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=MarkReadSerializer, responses={200: MarkedSerializer})
    def post(self, request):
        """Mark notifications read: `{"ids": [...]}` or `{"all": true}`; others' ids are ignored."""
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notifications_mark_read(
            user=request.user, ids=data.validated_data.get("ids"), all=data.validated_data["all"]
        )
        return Response({"marked": marked, "unread_count": unread_count(user_id=request.user.pk)})


class UnreadCountView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: UnreadCountSerializer})
    def get(self, request):
        """How many of the caller's notifications are unread."""
        return Response({"unread_count": unread_count(user_id=request.user.pk)})


class PreferencesView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: PreferencesSerializer})
    def get(self, request):
        """Every kind with its channels (in_app, email, push) on or off."""
        return Response(preferences_get(user=request.user))

    @extend_schema(request=PreferencesSerializer, responses={200: PreferencesSerializer})
    def put(self, request):
        """Change choices: `{kind: {channel: true|false}}`; kinds and channels left out keep their value."""
        preferences_set(user=request.user, choices=request.data)
        return Response(preferences_get(user=request.user))


class ReminderView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ReminderInputSerializer,
        responses={200: ReminderSerializer, 201: ReminderSerializer, **error_responses(409)},
    )
    def post(self, request, stream_id):
        """Remind me before this scheduled stream starts (`minutes_before`: 5, 15, 30 or 60; 15 by default).
        404 for a stream the caller may not see, 409 (`not_scheduled`) for one not scheduled to start later."""
        stream = stream_get(stream_id=stream_id, user=request.user)
        data = ReminderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reminder, created = reminder_set(
            user=request.user, stream=stream, minutes_before=data.validated_data["minutes_before"]
        )
        body = {"stream_id": stream.pk, "minutes_before": reminder.minutes_before, "remind_at": reminder.remind_at}
        return Response(
            ReminderSerializer(body).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(responses={204: None})
    def delete(self, request, stream_id):
        """Forget my reminder of this stream (404 when there is none)."""
        stream = stream_get(stream_id=stream_id, user=request.user)
        reminder_delete(user=request.user, stream_id=stream.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
