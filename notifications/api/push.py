"""Web Push API: the server's VAPID public key, and a signed-in user's browser subscriptions (save, forget)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from livestream.errors import NotFound
from notifications.delivery.push import (
    InvalidSubscription,
    PushUnavailable,
    push_subscription_delete,
    push_subscription_save,
)
from notifications.delivery.vapid import vapid_keys


class PushKeySerializer(serializers.Serializer):
    public_key = serializers.CharField(help_text="base64url VAPID public key: the applicationServerKey")


class SubscriptionKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class SubscriptionSerializer(serializers.Serializer):
    """The browser's PushSubscription.toJSON(): endpoint, expirationTime and keys."""

    endpoint = serializers.CharField(max_length=1000)
    expirationTime = serializers.IntegerField(required=False, allow_null=True)  # noqa: N815 - the browser's name
    keys = SubscriptionKeysSerializer()


class EndpointSerializer(serializers.Serializer):
    endpoint = serializers.CharField(max_length=1000)


def _invalid(serializer) -> InvalidSubscription:
    fields = ", ".join(sorted(serializer.errors))
    return InvalidSubscription(f"The subscription is malformed ({fields}).")


class PushKeyView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: PushKeySerializer}, summary="The VAPID public key browsers subscribe with")
    def get(self, request):
        keys = vapid_keys()
        if keys is None:
            raise PushUnavailable()
        return Response({"public_key": keys.public_key})


class PushSubscriptionsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=SubscriptionSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Save this browser's push subscription (upsert by endpoint)",
    )
    def post(self, request):
        if vapid_keys() is None:
            raise PushUnavailable()
        serializer = SubscriptionSerializer(data=request.data)
        if not serializer.is_valid():
            raise _invalid(serializer)
        data = serializer.validated_data
        subscription = push_subscription_save(
            user=request.user,
            endpoint=data["endpoint"],
            keys=dict(data["keys"]),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(
            {"endpoint": subscription.endpoint, "created_at": subscription.created_at}, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=EndpointSerializer, responses={204: None}, summary="Forget this browser's subscription")
    def delete(self, request):
        serializer = EndpointSerializer(data=request.data)
        if not serializer.is_valid():
            raise _invalid(serializer)
        if not push_subscription_delete(user=request.user, endpoint=serializer.validated_data["endpoint"]):
            raise NotFound("You have no push subscription at this endpoint.")
        return Response(status=status.HTTP_204_NO_CONTENT)
