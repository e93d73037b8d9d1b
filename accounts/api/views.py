from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.api.serializers import (
    AuthResponseSerializer,
    MeSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
    VerificationApplySerializer,
    VerificationStatusSerializer,
)
from accounts.selectors import verification_request_latest
from accounts.services import (
    user_create,
    user_token_get_or_create,
    user_token_revoke,
    user_update,
    verification_apply,
)
from livestream.api.schema import error_responses
from livestream.errors import DomainError


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegisterSerializer, responses={201: AuthResponseSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create(**serializer.validated_data)
        token = user_token_get_or_create(user=user)
        return Response({"user": UserSerializer(user).data, "token": token}, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """Exchange a username and password for the API token; DELETE revokes it."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request=request._request, **serializer.validated_data)
        if user is None:
            raise DomainError("Unable to log in with those credentials.", code="invalid_credentials")
        # A token is a log-in: django-axes clears this account's and address's failures on it, as on the pages.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": user_token_get_or_create(user=user)})


class TokenRevokeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        user_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_update(user=request.user, **serializer.validated_data)
        return Response(MeSerializer(user).data)


class VerificationView(APIView):
    """The caller's verified badge and verification request; POST applies (409 ``verification_pending`` while
    one is open, ``already_verified`` with the badge). Staff decide in the admin; the applicant is e-mailed."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=VerificationStatusSerializer)
    def get(self, request):
        latest = verification_request_latest(user=request.user)
        return Response(VerificationStatusSerializer({"is_verified": request.user.is_verified, "request": latest}).data)

    @extend_schema(
        request=VerificationApplySerializer,
        responses={201: VerificationStatusSerializer, **error_responses(409)},
    )
    def post(self, request):
        serializer = VerificationApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = verification_apply(user=request.user, **serializer.validated_data)
        body = VerificationStatusSerializer({"is_verified": request.user.is_verified, "request": created}).data
        return Response(body, status=status.HTTP_201_CREATED)
