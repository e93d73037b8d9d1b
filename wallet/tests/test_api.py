import pytest
from rest_framework.test import APIClient

from conftest import client_for
from wallet.ledger import account_for
from wallet.models import Payment, Transaction
from wallet.services import coins_grant
from wallet.tests.factories import CoinPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def package():
    return CoinPackageFactory(coins=100, bonus_coins=10)


def buy(client, package, key=None, method="card"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/v1/currency/purchase", {"package_id": str(package.pk), "payment_method": method}, format="json", **headers
    )


def test_packages_are_public(api_client, package):
    CoinPackageFactory(is_active=False)
    rows = api_client.get("/api/v1/currency/packages").json()
    assert rows == [
        {
            "id": str(package.pk),
            "name": package.name,
            "coins": 100,
            "bonus_coins": 10,
            "price": "500.00",
            "currency": "NGN",
        }
    ]


def test_balance_and_transactions_need_a_user(api_client):
    assert api_client.get("/api/v1/currency/balance").status_code == 401
    assert api_client.get("/api/v1/currency/transactions").status_code == 401
    assert api_client.post("/api/v1/currency/purchase", {}, format="json").status_code == 401


def test_sandbox_purchase_credits_exactly_once(auth_client, package, settings):
    settings.SITE_URL = "https://live.example.ng"
    response = buy(auth_client, package)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "pending" and body["currency"] == "NGN" and body["amount"] == "500.00"
    assert body["provider"] == "sandbox" and body["authorization_url"].startswith("https://live.example.ng/")
    gateway = APIClient()
    for _ in range(3):
        paid = gateway.post(body["authorization_url"], {"status": "success"}, format="json")
        assert paid.status_code == 200 and paid.json()["status"] == "success"
    assert auth_client.get("/api/v1/currency/balance").json()["balance"] == 110
    assert Transaction.objects.filter(kind="purchase").count() == 1
    assert gateway.post(body["authorization_url"], {"status": "failed"}, format="json").json()["status"] == "success"
    assert auth_client.get(f"/api/v1/currency/purchase/{body['reference']}").json()["status"] == "success"


def test_failed_payment_credits_nothing(auth_client, package):
    body = buy(auth_client, package).json()
    assert APIClient().post(body["authorization_url"], {"status": "failed"}, format="json").json()["status"] == "failed"
    APIClient().post(body["authorization_url"], {"status": "success"}, format="json")
    assert auth_client.get("/api/v1/currency/balance").json()["balance"] == 0


def test_purchase_rejects_bad_input(auth_client, package):
    assert buy(auth_client, package, method="cash").status_code == 400
    package.is_active = False
    package.save()
    inactive = buy(auth_client, package)
    assert inactive.status_code == 400 and inactive.json()["code"] == "invalid_package"
    assert (
        auth_client.post(
            "/api/v1/currency/purchase", {"package_id": "nope", "payment_method": "card"}, format="json"
        ).status_code
        == 400
    )
    assert not Payment.objects.filter(status="pending").exists()


def test_purchase_idempotency_key_replays_and_refuses_reuse(auth_client, package):
    first = buy(auth_client, package, key="k-1")
    again = buy(auth_client, package, key="k-1")
    assert again.json() == first.json() and Payment.objects.count() == 1
    other = CoinPackageFactory()
    reused = buy(auth_client, other, key="k-1")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert buy(auth_client, package, key="k-2").json()["reference"] != first.json()["reference"]


def test_sandbox_checkout_is_unknown_outside_the_sandbox(auth_client, package, settings):
    url = buy(auth_client, package).json()["authorization_url"]
    settings.PAYMENT_PROVIDER = "paystack"
    assert APIClient().post(url, {"status": "success"}, format="json").status_code == 404
    assert account_for(user=auth_client.user).balance == 0


def test_someone_elses_payment_is_404(auth_client, package, other_user):
    reference = buy(auth_client, package).json()["reference"]
    assert client_for(other_user).get(f"/api/v1/currency/purchase/{reference}").status_code == 404


def test_statement_types_and_balance_summary(auth_client, package):
    coins_grant(user=auth_client.user, coins=40, reason="welcome")
    body = buy(auth_client, package).json()
    APIClient().post(body["authorization_url"], {"status": "success"}, format="json")
    rows = auth_client.get("/api/v1/currency/transactions").json()
    assert rows["count"] == 2
    assert [(r["type"], r["amount"], r["balance_after"]) for r in rows["results"]] == [
        ("purchase", 110, 150),
        ("grant", 40, 40),
    ]
    only = auth_client.get("/api/v1/currency/transactions?type=purchase").json()
    assert [r["type"] for r in only["results"]] == ["purchase"]
    assert auth_client.get("/api/v1/currency/transactions?type=bogus").status_code == 400
    summary = auth_client.get("/api/v1/currency/balance").json()
    assert summary["balance"] == 150 and summary["lifetime_purchased"] == 110 and summary["lifetime_spent"] == 0


def test_a_creators_fractional_earnings_show_beside_the_whole_coins(auth_client):
    from django.db import transaction

    from accounts.tests.factories import UserFactory
    from wallet.services import creator_pay

    creator = UserFactory()
    coins_grant(user=auth_client.user, coins=10, reason="test")
    for _ in range(3):
        with transaction.atomic():
            creator_pay(kind="gift", payer=auth_client.user, creator_id=creator.pk, total=1)
    balance = client_for(creator).get("/api/v1/currency/balance").json()
    assert balance["earnings"] == 1 and balance["earnings_exact"] == "1.500000"
    assert balance["lifetime_earned"] == 1 and balance["lifetime_earned_exact"] == "1.500000"
    rows = client_for(creator).get("/api/v1/currency/transactions").json()["results"]
    assert [(r["type"], r["amount"], r["amount_exact"]) for r in rows] == [("earn", 0, "0.500000")] * 3
    spent = auth_client.get("/api/v1/currency/transactions?type=gift").json()["results"]
    assert [(r["amount"], r["amount_exact"]) for r in spent] == [(-1, "-1.000000")] * 3


def test_a_purchase_whose_gateway_failed_is_retried_sanely_with_its_key(auth_client, package):
    """The pending payment and the key are stored before the gateway call; a retry after a failure starts again."""
    from unittest import mock

    from wallet.providers import ProviderError, SandboxProvider

    with mock.patch.object(SandboxProvider, "initialize", side_effect=ProviderError()):
        failed = buy(auth_client, package, key="k-gw")
    assert failed.status_code == 502
    first = Payment.objects.get()
    assert first.status == "failed" and first.authorization_url == ""
    retried = buy(auth_client, package, key="k-gw")
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    assert retried.json()["reference"] != first.reference and retried.json()["authorization_url"]
    again = buy(auth_client, package, key="k-gw")
    assert again.json() == retried.json() and Payment.objects.count() == 2


def test_a_purchase_still_at_the_gateway_is_a_conflict_for_its_key(auth_client, package):
    from wallet.models import IdempotencyRecord
    from wallet.services import request_fingerprint

    # As if another request with the key had committed its payment and were waiting on the gateway now.
    payment = Payment.objects.create(
        reference="gnl_inflight", user=auth_client.user, package=package, coins=110, amount_kobo=50000,
        payment_method="card", provider="sandbox",
    )  # fmt: skip
    fingerprint = request_fingerprint({"package_id": str(package.pk), "payment_method": "card", "callback_url": ""})
    IdempotencyRecord.objects.create(
        user=auth_client.user, scope="purchase", key="k-busy", fingerprint=fingerprint, result=payment.reference
    )
    busy = buy(auth_client, package, key="k-busy")
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_request_in_progress"
    assert Payment.objects.count() == 1
