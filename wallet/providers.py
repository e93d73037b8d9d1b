"""Payment providers behind one interface, chosen by PAYMENT_PROVIDER.

``sandbox`` (development and tests only) completes a payment at its
authorization URL, the checkout page (absolute against SITE_URL); ``paystack`` talks to Paystack's HTTP API
(amounts in kobo) and verifies webhooks by their HMAC-SHA512 signature.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings
from django.urls import reverse

from livestream.errors import UpstreamError
from livestream.links import absolute_url
from wallet.models import Payment

logger = logging.getLogger(__name__)


class ProviderError(UpstreamError):
    default_detail = "The payment provider could not be reached; nothing was charged. Try again."
    default_code = "payment_provider_error"


@dataclass(frozen=True)
class Verification:
    reference: str
    status: str  # "success", "failed" or "pending"
    amount_kobo: int
    currency: str


class PaymentProvider(Protocol):
    name: str

    def initialize(self, *, reference: str, email: str, amount_kobo: int, callback_url: str) -> str: ...

    def verify(self, *, reference: str) -> Verification: ...

    def transfer(self, *, reference: str, recipient: str, amount_kobo: int, reason: str) -> str:
        """Send naira to a recipient; returns 'success', 'pending' or 'failed' (raises ProviderError if unreachable)."""
        ...


class SandboxProvider:
    """Development and tests only: the authorization URL is a checkout page (Pay / Fail / Cancel) that returns
    the browser to the callback URL; a JSON POST to it plays the gateway for API clients."""

    name = "sandbox"

    def initialize(self, *, reference: str, email: str, amount_kobo: int, callback_url: str) -> str:
        return absolute_url(reverse("sandbox-checkout", kwargs={"reference": reference}))

    def verify(self, *, reference: str) -> Verification:
        payment = Payment.objects.get(reference=reference)
        return Verification(reference, payment.status, payment.amount_kobo, payment.currency)

    def transfer(self, *, reference: str, recipient: str, amount_kobo: int, reason: str) -> str:
        return "success"


class PaystackProvider:
    """https://paystack.com/docs/api/ - initialize, verify, and signed webhooks."""

    name = "paystack"

    def __init__(self) -> None:
        self.base_url = settings.PAYSTACK_BASE_URL.rstrip("/")
        self.secret_key = settings.PAYSTACK_SECRET_KEY

    def _call(self, method: str, path: str, **kwargs) -> dict:
        if not self.secret_key:
            raise ProviderError("Paystack is not configured (PAYSTACK_SECRET_KEY).")
        try:
            response = requests.request(
                method,
                f"{self.base_url}{path}",
                headers={"Authorization": f"Bearer {self.secret_key}"},
                timeout=settings.PAYMENT_PROVIDER_TIMEOUT,
                **kwargs,
            )
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            logger.warning("paystack %s %s failed: %s", method, path, exc)
            raise ProviderError() from exc
        if response.status_code >= 400 or not body.get("status"):
            logger.warning("paystack %s %s answered %s: %s", method, path, response.status_code, body.get("message"))
            raise ProviderError()
        return body["data"]

    def initialize(self, *, reference: str, email: str, amount_kobo: int, callback_url: str) -> str:
        payload = {"reference": reference, "email": email, "amount": amount_kobo, "currency": "NGN"}
        if callback_url:
            payload["callback_url"] = callback_url
        return self._call("POST", "/transaction/initialize", json=payload)["authorization_url"]

    def verify(self, *, reference: str) -> Verification:
        data = self._call("GET", f"/transaction/verify/{reference}")
        state = {"success": "success", "failed": "failed", "abandoned": "failed", "reversed": "failed"}.get(
            data.get("status"), "pending"
        )
        return Verification(reference, state, int(data.get("amount", 0)), str(data.get("currency", "")))

    def transfer(self, *, reference: str, recipient: str, amount_kobo: int, reason: str) -> str:
        payload = {
            "source": "balance",
            "amount": amount_kobo,
            "recipient": recipient,
            "reference": reference,
            "reason": reason[:100],
            "currency": "NGN",
        }
        data = self._call("POST", "/transfer", json=payload)
        return {"success": "success", "failed": "failed", "reversed": "failed"}.get(data.get("status"), "pending")

    def signature_valid(self, *, raw_body: bytes, signature: str) -> bool:
        if not self.secret_key or not signature:
            return False
        expected = hmac.new(self.secret_key.encode(), raw_body, hashlib.sha512).hexdigest()
        return hmac.compare_digest(expected, signature)


PROVIDERS = {"sandbox": SandboxProvider, "paystack": PaystackProvider}


def payment_provider() -> PaymentProvider:
    return PROVIDERS[settings.PAYMENT_PROVIDER]()
