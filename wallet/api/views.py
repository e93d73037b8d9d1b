import json
import logging

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from livestream.api.schema import ErrorSerializer, error_responses, results_of
from livestream.errors import DomainError, NotFound
from livestream.views import file_response
from wallet.api.serializers import (
    BalanceSerializer,
    BankSerializer,
    CoinPackageSerializer,
    PaymentSerializer,
    PayoutAccountPreviewSerializer,
    PayoutAccountSerializer,
    PayoutDestinationSerializer,
    PayoutSerializer,
    PurchaseSerializer,
    SandboxPaySerializer,
    StatementQuerySerializer,
    StatementRowSerializer,
)
from wallet.payouts import payout_account_resolve, payout_banks, payout_destination_set
from wallet.providers import PaystackProvider, Verification
from wallet.selectors import (
    package_list,
    payment_get,
    payout_destination_get,
    payout_get,
    payout_list,
    statement,
    wallet_summary,
)
from wallet.services import payment_confirm, payment_initiate, payment_sandbox_settle, payment_verify

logger = logging.getLogger(__name__)


class PackagesView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=CoinPackageSerializer(many=True))
    def get(self, request):
        return Response(CoinPackageSerializer(package_list(), many=True).data)


class BalanceView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=BalanceSerializer)
    def get(self, request):
        return Response(BalanceSerializer(wallet_summary(user=request.user)).data)


class TransactionsView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []  # a statement, not a filtered queryset: no django-filter parameters
    serializer_class = StatementRowSerializer

    @extend_schema(parameters=[StatementQuerySerializer], responses=StatementRowSerializer(many=True))
    def get(self, request):
        query = StatementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(statement(user=request.user, kind=query.validated_data.get("type")))
        return self.get_paginated_response(StatementRowSerializer(page, many=True).data)


class PurchaseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=PurchaseSerializer,
        responses={
            200: PaymentSerializer,
            **error_responses(409, 502),
            409: OpenApiResponse(
                ErrorSerializer,
                description="The first request with this Idempotency-Key is still at the gateway (code "
                "`idempotency_request_in_progress`: retry shortly), or the gateway answered after the payment was "
                "abandoned (code `payment_abandoned`: nothing was charged, start again).",
            ),
        },
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request):
        serializer = PurchaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payment_initiate(
            user=request.user,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:100] or None,
            **serializer.validated_data,
        )
        return Response(PaymentSerializer(payment).data)


class PaymentView(APIView):
    """The buyer's payment, verified with the gateway while still pending (the return from checkout)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: PaymentSerializer, **error_responses(502)})
    def get(self, request, reference):
        payment = payment_get(reference=reference, user=request.user)
        return Response(PaymentSerializer(payment_verify(reference=payment.reference)).data)


class SandboxPayView(APIView):
    """The sandbox gateway's checkout: POST {"status": "success"|"failed"} settles the payment."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=SandboxPaySerializer, responses=PaymentSerializer)
    def post(self, request, reference):
        if settings.PAYMENT_PROVIDER != "sandbox":
            raise NotFound()
        serializer = SandboxPaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payment_sandbox_settle(reference=reference, status=serializer.validated_data["status"])
        return Response(PaymentSerializer(payment).data)


class PaystackWebhookView(APIView):
    """Paystack's events, trusted only with a valid x-paystack-signature over the raw body."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(exclude=True)
    def post(self, request):
        raw = request.body
        provider = PaystackProvider()
        if not provider.signature_valid(raw_body=raw, signature=request.headers.get("x-paystack-signature", "")):
            logger.warning("paystack webhook with a bad signature from %s", request.META.get("REMOTE_ADDR"))
            return Response({"detail": "Invalid signature.", "code": "invalid_signature"}, status=400)
        event = _paystack_event(raw)
        if event is None:
            logger.warning("paystack webhook with a malformed body from %s", request.META.get("REMOTE_ADDR"))
            return Response({"detail": "Malformed event.", "code": "invalid_event"}, status=400)
        kind, verification = event
        if kind == "charge.success" and verification is not None:
            try:
                payment_confirm(verification=verification, source="webhook")
            except DomainError as exc:
                logger.warning("paystack webhook for %s: %s", verification.reference, exc.detail)
        return Response({"status": "ok"})


def _paystack_event(raw: bytes) -> tuple[str, Verification | None] | None:
    """(event name, the charge's Verification for charge.success) from a signed body; None when malformed."""
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):  # also bytes that are not UTF-8, and nesting bombs
        return None
    if not isinstance(event, dict) or not isinstance(event.get("event", ""), str):
        return None
    kind = event.get("event", "")
    if kind != "charge.success":
        return kind, None
    data = event.get("data")
    if not isinstance(data, dict):
        return None
    reference, amount, currency = data.get("reference"), data.get("amount"), data.get("currency", "")
    if not isinstance(reference, str) or not isinstance(currency, str):
        return None
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        return None
    return kind, Verification(reference, "success", amount, currency)


class PayoutStatementView(APIView):
    """A payout's CSV statement, for its creator and staff (404 to anyone else: others' payouts are private)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, payout_id):
        payout = payout_get(payout_id=payout_id, user=request.user)
        if not payout.statement:
            raise NotFound("This payout has no statement yet.")
        return file_response(payout.statement.name, as_attachment=True, request=request)


class PayoutsView(GenericAPIView):
    """The caller's payouts, newest first: status, coins, naira, period, failure reason and statement link."""

    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []
    serializer_class = PayoutSerializer

    @extend_schema(responses=PayoutSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(payout_list(user=request.user))
        return self.get_paginated_response(PayoutSerializer(page, many=True).data)


class PayoutBanksView(APIView):
    """The banks a creator's payouts can go to, by name (the provider's list, refreshed daily)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: results_of(BankSerializer, "BankList"), **error_responses(502)})
    def get(self, request):
        return Response({"results": BankSerializer(payout_banks(), many=True).data})


class PayoutAccountThrottled:
    """Writes that look an account up at the bank (a paid call at Paystack): THROTTLE_PAYOUT_ACCOUNT per caller.
    Reads are not throttled."""

    throttle_scope = "payout_account"

    def get_throttles(self):
        if self.request is not None and self.request.method in ("GET", "HEAD", "OPTIONS"):
            return []
        return [ScopedRateThrottle()]


class PayoutAccountResolveView(PayoutAccountThrottled, APIView):
    """Whose account a number is at a bank, as the bank says: the name to confirm before saving the destination.
    Nothing is saved."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=PayoutAccountSerializer,
        responses={200: PayoutAccountPreviewSerializer, **error_responses(403, 502)},
    )
    def post(self, request):
        serializer = PayoutAccountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preview = payout_account_resolve(user=request.user, **serializer.validated_data)
        return Response(PayoutAccountPreviewSerializer(preview).data)


class PayoutDestinationView(PayoutAccountThrottled, APIView):
    """Where the caller's payouts go. PUT resolves the account's name at the bank, registers it with the
    provider for transfers, and saves it (only the number's last four digits are kept)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={
            200: PayoutDestinationSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No payout destination yet (code `not_found`)."),
        }
    )
    def get(self, request):
        destination = payout_destination_get(user=request.user)
        if destination is None:
            raise NotFound("No payout destination yet.")
        return Response(PayoutDestinationSerializer(destination).data)

    @extend_schema(
        request=PayoutAccountSerializer, responses={200: PayoutDestinationSerializer, **error_responses(403, 502)}
    )
    def put(self, request):
        serializer = PayoutAccountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        destination = payout_destination_set(user=request.user, **serializer.validated_data)
        return Response(PayoutDestinationSerializer(destination).data)
