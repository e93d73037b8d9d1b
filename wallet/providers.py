"""Payment providers behind one interface, chosen by PAYMENT_PROVIDER.

``sandbox`` (development and tests only) completes a payment at its
authorization URL, the checkout page (absolute against SITE_URL); ``paystack`` talks to Paystack's HTTP API
(amounts in kobo) and verifies webhooks by their HMAC-SHA512 signature.

Payouts need a creator's bank account: ``banks()`` lists the banks transfers reach, ``resolve_account`` asks
the bank (through the provider) whose account a number is, and ``create_transfer_recipient`` registers it for
transfers. The sandbox answers those from a small fixed bank list with deterministic names, so development
and tests need no network.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings
from django.urls import reverse

from livestream.errors import DomainError, UpstreamError
from livestream.links import absolute_url
from wallet.models import Payment

logger = logging.getLogger(__name__)


class ProviderError(UpstreamError):
    default_detail = "The payment provider could not be reached; nothing was charged. Try again."
    default_code = "payment_provider_error"


class ProviderRefused(ProviderError):
    """The provider answered, with a 4xx: it refused what was asked (``status``, its ``message``)."""

    def __init__(self, detail: str | None = None, *, status: int, message: str = ""):
        super().__init__(detail)
        self.status = status
        self.message = message


class AccountNotFound(DomainError):
    """The bank knows no such account number (the creator mistyped it, or chose another bank)."""

    default_detail = "That account number was not found at that bank. Check both and try again."
    default_code = "account_not_found"


@dataclass(frozen=True)
class Bank:
    code: str  # the provider's bank code (Paystack: the CBN code, e.g. "058")
    name: str


@dataclass(frozen=True)
class ResolvedAccount:
    account_number: str
    account_name: str  # as the bank holds it, e.g. "ADAEZE OKAFOR"


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

    def banks(self) -> list[Bank]:
        """The banks a transfer can reach, by name (ProviderError if unreachable)."""
        ...

    def resolve_account(self, *, account_number: str, bank_code: str) -> ResolvedAccount:
        """Whose account this is (AccountNotFound if the bank knows no such number; ProviderError if unreachable)."""
        ...

    def create_transfer_recipient(self, *, account_name: str, account_number: str, bank_code: str) -> str:
        """Register the account for transfers; returns the recipient code transfers are sent to."""
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

    def banks(self) -> list[Bank]:
        return sorted((Bank(code, name) for code, name in SANDBOX_BANKS), key=lambda bank: bank.name.casefold())

    def resolve_account(self, *, account_number: str, bank_code: str) -> ResolvedAccount:
        """Any ten digits at a sandbox bank resolve to a name chosen by the number, except those ending in 0000."""
        if bank_code not in dict(SANDBOX_BANKS) or account_number.endswith("0000"):
            raise AccountNotFound()
        digest = hashlib.sha256(f"{bank_code}:{account_number}".encode()).digest()
        first = SANDBOX_FIRST_NAMES[digest[0] % len(SANDBOX_FIRST_NAMES)]
        last = SANDBOX_LAST_NAMES[digest[1] % len(SANDBOX_LAST_NAMES)]
        return ResolvedAccount(account_number, f"{first} {last}")

    def create_transfer_recipient(self, *, account_name: str, account_number: str, bank_code: str) -> str:
        return "RCP_sandbox_" + hashlib.sha256(f"{bank_code}:{account_number}".encode()).hexdigest()[:16]


# A few real Nigerian banks with their CBN codes (as Paystack lists them), and names the sandbox's accounts get.
SANDBOX_BANKS = (
    ("044", "Access Bank"),
    ("058", "Guaranty Trust Bank"),
    ("011", "First Bank of Nigeria"),
    ("033", "United Bank For Africa"),
    ("057", "Zenith Bank"),
    ("50211", "Kuda Bank"),
    ("999992", "OPay Digital Services Limited (OPay)"),
    ("50515", "Moniepoint MFB"),
)
SANDBOX_FIRST_NAMES = ("ADAEZE", "TUNDE", "NGOZI", "EMEKA", "FUNMILAYO", "BABATUNDE", "AISHA", "CHIDI")
SANDBOX_LAST_NAMES = ("OKAFOR", "ADEYEMI", "BELLO", "EZE", "OLAWALE", "IBRAHIM", "NWOSU", "ADEBAYO")


class PaystackProvider:
    """https://paystack.com/docs/api/ - initialize, verify, and signed webhooks."""

    name = "paystack"

    def __init__(self) -> None:
        self.base_url = settings.PAYSTACK_BASE_URL.rstrip("/")
        self.secret_key = settings.PAYSTACK_SECRET_KEY

    def _call(self, method: str, path: str, **kwargs):
        """The ``data`` of Paystack's answer (ProviderRefused on a 4xx, ProviderError when unreachable or 5xx)."""
        data = self._request(method, path, **kwargs).get("data")
        return data if data is not None else {}

    def _request(self, method: str, path: str, **kwargs) -> dict:
        """Paystack's whole answer (``status``, ``message``, ``data``, ``meta``)."""
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
        if not isinstance(body, dict):
            logger.warning("paystack %s %s answered %s with no object", method, path, response.status_code)
            raise ProviderError()
        if response.status_code >= 400 or not body.get("status"):
            logger.warning("paystack %s %s answered %s: %s", method, path, response.status_code, body.get("message"))
            if 400 <= response.status_code < 500:
                raise ProviderRefused(status=response.status_code, message=str(body.get("message", "")))
            raise ProviderError()
        return body

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

    def banks(self) -> list[Bank]:
        """Nigeria's NGN banks that are active, every page of them (GET /bank pages by cursor, 100 at a time)."""
        found: dict[str, Bank] = {}
        params = {"country": "nigeria", "currency": "NGN", "use_cursor": "true", "perPage": 100}
        for _ in range(20):  # Paystack lists ~300 Nigerian banks; a cursor that never ends is not followed forever
            page = self._request("GET", "/bank", params=params)
            for bank in page.get("data") or []:
                if _usable_bank(bank):
                    found.setdefault(str(bank["code"]), Bank(str(bank["code"]), str(bank["name"]).strip()))
            following = (page.get("meta") or {}).get("next")
            if not following:
                break
            params = {**params, "next": following}
        return sorted(found.values(), key=lambda bank: bank.name.casefold())

    def resolve_account(self, *, account_number: str, bank_code: str) -> ResolvedAccount:
        try:
            data = self._call("GET", "/bank/resolve", params={"account_number": account_number, "bank_code": bank_code})
        except ProviderRefused as exc:
            # 422 "Could not resolve account name", 400 "Invalid account number" / "Unknown bank code"; not 401/429.
            if exc.status in (400, 404, 422):
                raise AccountNotFound() from exc
            raise ProviderError() from exc
        name = str((data or {}).get("account_name") or "").strip()
        if not name:
            raise AccountNotFound()
        return ResolvedAccount(str(data.get("account_number") or account_number), name)

    def create_transfer_recipient(self, *, account_name: str, account_number: str, bank_code: str) -> str:
        payload = {
            "type": "nuban",
            "name": account_name,
            "account_number": account_number,
            "bank_code": bank_code,
            "currency": "NGN",
        }
        try:
            data = self._call("POST", "/transferrecipient", json=payload)
        except ProviderRefused as exc:
            if exc.status in (400, 422):
                raise AccountNotFound() from exc
            raise ProviderError() from exc
        code = str((data or {}).get("recipient_code") or "")
        if not code:
            raise ProviderError()
        return code

    def signature_valid(self, *, raw_body: bytes, signature: str) -> bool:
        if not self.secret_key or not signature:
            return False
        expected = hmac.new(self.secret_key.encode(), raw_body, hashlib.sha512).hexdigest()
        return hmac.compare_digest(expected, signature)


def _usable_bank(bank) -> bool:
    """A bank row transfers can go to: active, not deleted, with a code and a name."""
    if not isinstance(bank, dict):
        return False
    return bool(bank.get("active", True) and not bank.get("is_deleted") and bank.get("code") and bank.get("name"))


PROVIDERS = {"sandbox": SandboxProvider, "paystack": PaystackProvider}


def payment_provider() -> PaymentProvider:
    return PROVIDERS[settings.PAYMENT_PROVIDER]()
