"""The Paystack provider against a local stub of Paystack's HTTP API (nothing leaves the machine)."""

import hashlib
import hmac
import json

import pytest
from rest_framework.test import APIClient

from wallet.ledger import account_for
from wallet.models import Payment, Transaction
from wallet.tests.factories import CoinPackageFactory
from wallet.tests.paystack_stub import SECRET

pytestmark = pytest.mark.django_db


def signed(event: dict, secret: str = SECRET) -> dict:
    raw = json.dumps(event).encode()
    return {
        "data": raw,
        "content_type": "application/json",
        "HTTP_X_PAYSTACK_SIGNATURE": hmac.new(secret.encode(), raw, hashlib.sha512).hexdigest(),
    }


def charge_success(reference, amount, currency="NGN"):
    return {"event": "charge.success", "data": {"reference": reference, "amount": amount, "currency": currency}}


@pytest.fixture
def started(auth_client, paystack, settings):
    settings.SITE_URL = "https://app.example"  # a callback_url must be on the site's own origin
    package = CoinPackageFactory(coins=500, bonus_coins=50)
    response = auth_client.post(
        "/api/v1/currency/purchase",
        {"package_id": str(package.pk), "payment_method": "card", "callback_url": "https://app.example/paid"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_initialize_sends_kobo_and_returns_the_checkout_url(started, paystack):
    method, path, body = paystack.requests[0]
    assert (method, path) == ("POST", "/transaction/initialize")
    assert body["amount"] == 50000 and body["currency"] == "NGN" and body["callback_url"] == "https://app.example/paid"
    assert started["authorization_url"].startswith("https://checkout.paystack.example/")
    assert started["provider"] == "paystack" and started["status"] == "pending"


def test_webhook_credits_once_however_often_it_arrives(started, auth_client):
    webhook = APIClient()
    for _ in range(3):
        response = webhook.post(
            "/api/v1/currency/webhooks/paystack", **signed(charge_success(started["reference"], 50000))
        )
        assert response.status_code == 200
    assert account_for(user=auth_client.user).balance == 550
    assert Transaction.objects.filter(kind="purchase").count() == 1


def test_webhook_and_verify_in_either_order_credit_once(started, auth_client, paystack):
    paystack.transactions[started["reference"]]["status"] = "success"
    assert auth_client.get(f"/api/v1/currency/purchase/{started['reference']}").json()["status"] == "success"
    APIClient().post("/api/v1/currency/webhooks/paystack", **signed(charge_success(started["reference"], 50000)))
    assert auth_client.get(f"/api/v1/currency/purchase/{started['reference']}").json()["status"] == "success"
    assert account_for(user=auth_client.user).balance == 550


def test_a_forged_signature_credits_nothing(started, auth_client, caplog):
    forged = signed(charge_success(started["reference"], 50000), secret="not-the-key")
    response = APIClient().post("/api/v1/currency/webhooks/paystack", **forged)
    assert response.status_code == 400 and response.json()["code"] == "invalid_signature"
    unsigned = APIClient().post(
        "/api/v1/currency/webhooks/paystack", charge_success(started["reference"], 50000), format="json"
    )
    assert unsigned.status_code == 400
    assert account_for(user=auth_client.user).balance == 0
    assert "bad signature" in caplog.text


@pytest.mark.parametrize(("amount", "currency"), [(100, "NGN"), (50000, "USD")])
def test_a_wrong_amount_or_currency_credits_nothing_and_is_logged(started, auth_client, caplog, amount, currency):
    APIClient().post(
        "/api/v1/currency/webhooks/paystack", **signed(charge_success(started["reference"], amount, currency))
    )
    assert account_for(user=auth_client.user).balance == 0
    assert Payment.objects.get(reference=started["reference"]).status == "failed"
    assert "nothing credited" in caplog.text


def test_verify_of_an_unpaid_transaction_leaves_it_pending(started, auth_client):
    assert auth_client.get(f"/api/v1/currency/purchase/{started['reference']}").json()["status"] == "pending"
    assert account_for(user=auth_client.user).balance == 0


def test_gateway_outage_is_a_clear_502_and_charges_nothing(auth_client, paystack):
    paystack.fail_next = True
    package = CoinPackageFactory()
    response = auth_client.post(
        "/api/v1/currency/purchase", {"package_id": str(package.pk), "payment_method": "card"}, format="json"
    )
    assert response.status_code == 502 and response.json()["code"] == "payment_provider_error"
    assert Payment.objects.get().status == "failed"


def test_unknown_reference_in_a_webhook_is_acknowledged_and_ignored(paystack, caplog):
    response = APIClient().post("/api/v1/currency/webhooks/paystack", **signed(charge_success("gnl_unknown", 100)))
    assert response.status_code == 200
    assert "unknown reference" in caplog.text


def signed_raw(raw: bytes) -> dict:
    return {
        "data": raw,
        "content_type": "application/json",
        "HTTP_X_PAYSTACK_SIGNATURE": hmac.new(SECRET.encode(), raw, hashlib.sha512).hexdigest(),
    }


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe not json",
        b"[1, 2]",
        b'{"event": "charge.success", "data": "gnl_x"}',
        b'{"event": "charge.success", "data": [1]}',
        b'{"event": "charge.success", "data": {"reference": "REF", "amount": "lots", "currency": "NGN"}}',
        b'{"event": "charge.success", "data": {"reference": "REF", "amount": [50000], "currency": "NGN"}}',
        b'{"event": "charge.success", "data": {"reference": "REF", "amount": Infinity, "currency": "NGN"}}',
        b'{"event": "charge.success", "data": {"reference": "REF", "amount": NaN, "currency": "NGN"}}',
        b'{"event": "charge.success", "data": {"reference": "REF", "amount": 50000.5, "currency": "NGN"}}',
        b'{"event": "charge.success", "data": {"reference": {"a": 1}, "amount": 50000, "currency": "NGN"}}',
    ],
)
def test_a_signed_but_malformed_event_is_a_logged_400_and_credits_nothing(started, auth_client, caplog, raw):
    raw = raw.replace(b"REF", started["reference"].encode())
    response = APIClient().post("/api/v1/currency/webhooks/paystack", **signed_raw(raw))
    assert response.status_code == 400 and response.json()["code"] == "invalid_event"
    assert "malformed" in caplog.text
    assert account_for(user=auth_client.user).balance == 0
    assert Payment.objects.get(reference=started["reference"]).status == "pending"
