"""The sandbox gateway's checkout page: what a buyer's browser opens at a purchase's authorization_url."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from conftest import client_for
from wallet.models import Payment
from wallet.tests.factories import CoinPackageFactory

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example/coins/done?from=checkout"


@pytest.fixture
def purchase(user, settings):
    settings.SITE_URL = "https://shop.example"  # a callback_url must be on the site's own origin
    """A pending sandbox purchase by ``user`` that returns to SHOP; the API's body."""
    package = CoinPackageFactory(coins=100, bonus_coins=10)
    body = {"package_id": str(package.pk), "payment_method": "card", "callback_url": SHOP}
    response = client_for(user).post("/api/v1/currency/purchase", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def open_checkout(client: Client, url: str) -> str:
    """GET the page as a browser does; returns the form's CSRF token."""
    response = client.get(url)
    assert response.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def balance(user) -> int:
    return client_for(user).get("/api/v1/currency/balance").json()["balance"]


def test_the_authorization_url_opens_a_checkout_page(purchase):
    response = browser().get(purchase["authorization_url"])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "₦500.00" in html and purchase["reference"] in html and "110 coins" in html
    for label in ("Pay ₦500.00", "Fail", "Cancel"):
        assert label in html
    assert 'method="post"' in html and 'name="csrfmiddlewaretoken"' in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize(
    ("action", "status", "coins"),
    [("pay", "success", 110), ("fail", "failed", 0), ("cancel", "pending", 0)],
)
def test_a_button_settles_the_payment_and_returns_to_the_callback_url(user, purchase, action, status, coins):
    client = browser()
    token = open_checkout(client, purchase["authorization_url"])
    response = client.post(purchase["authorization_url"], {"action": action, "csrfmiddlewaretoken": token})
    assert response.status_code == 303
    back = urlsplit(response["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == "https://shop.example/coins/done"
    assert parse_qs(back.query) == {
        "from": ["checkout"],
        "reference": [purchase["reference"]],
        "trxref": [purchase["reference"]],
    }
    assert Payment.objects.get(reference=purchase["reference"]).status == status
    assert balance(user) == coins


def test_paying_twice_credits_once(user, purchase):
    client = browser()
    token = open_checkout(client, purchase["authorization_url"])
    for _ in range(2):
        client.post(purchase["authorization_url"], {"action": "pay", "csrfmiddlewaretoken": token})
    assert balance(user) == 110
    page = client.get(purchase["authorization_url"]).content.decode()
    assert "already paid" in page and 'value="pay"' not in page  # a settled payment offers no buttons


def test_a_form_post_without_the_csrf_token_settles_nothing(user, purchase):
    response = browser().post(purchase["authorization_url"], {"action": "pay"})
    assert response.status_code == 403
    assert Payment.objects.get(reference=purchase["reference"]).status == "pending" and balance(user) == 0


def test_an_unknown_action_is_refused(purchase):
    client = browser()
    token = open_checkout(client, purchase["authorization_url"])
    response = client.post(purchase["authorization_url"], {"action": "steal", "csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert Payment.objects.get(reference=purchase["reference"]).status == "pending"


def test_api_clients_still_post_json_to_the_authorization_url(user, purchase):
    paid = APIClient().post(purchase["authorization_url"], {"status": "success"}, format="json")
    assert paid.status_code == 200 and paid.json()["status"] == "success"
    assert paid.json()["reference"] == purchase["reference"] and balance(user) == 110
    bad = APIClient().post(purchase["authorization_url"], {"status": "maybe"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()


def test_without_a_callback_url_the_page_shows_the_outcome(user):
    package = CoinPackageFactory(coins=100, bonus_coins=10)
    body = {"package_id": str(package.pk), "payment_method": "card"}
    url = client_for(user).post("/api/v1/currency/purchase", body, format="json").json()["authorization_url"]
    client = browser()
    token = open_checkout(client, url)
    response = client.post(url, {"action": "pay", "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "Payment successful" in response.content.decode()


def test_the_checkout_is_404_for_unknown_references_and_outside_sandbox_mode(purchase, settings):
    assert browser().get(purchase["authorization_url"].replace(purchase["reference"], "nope")).status_code == 404
    settings.PAYMENT_PROVIDER = "paystack"
    assert browser().get(purchase["authorization_url"]).status_code == 404
    assert APIClient().post(purchase["authorization_url"], {"status": "success"}, format="json").status_code == 404


def test_the_authorization_url_is_the_page_against_site_url(user, settings):
    settings.SITE_URL = "https://live.example.ng"
    package = CoinPackageFactory()
    body = {"package_id": str(package.pk), "payment_method": "card"}
    started = client_for(user).post("/api/v1/currency/purchase", body, format="json").json()
    assert started["authorization_url"] == f"https://live.example.ng/checkout/sandbox/{started['reference']}"


def test_a_purchase_is_started_without_an_http_request(user, settings):
    """The service builds the absolute checkout URL from SITE_URL (Celery, shell and tests have no request)."""
    from wallet.services import payment_initiate

    settings.SITE_URL = "https://live.example.ng/"
    payment = payment_initiate(user=user, package_id=CoinPackageFactory().pk, payment_method="card")
    assert payment.authorization_url == f"https://live.example.ng/checkout/sandbox/{payment.reference}"


def test_the_page_answers_head_and_refuses_other_methods(purchase):
    head = browser().head(purchase["authorization_url"])
    assert head.status_code == 200 and head["Content-Type"].startswith("text/html")
    for method in ("put", "patch", "delete"):
        refused = getattr(browser(), method)(purchase["authorization_url"])
        assert refused.status_code == 405 and "GET" in refused["Allow"] and "POST" in refused["Allow"]
    assert Payment.objects.get(reference=purchase["reference"]).status == "pending"


def test_a_json_post_to_the_page_is_answered_in_json(user, purchase):
    gateway = APIClient()
    url = purchase["authorization_url"]
    assert gateway.post(url, "{not json", content_type="application/json").status_code == 400
    unknown = gateway.post(url.replace(purchase["reference"], "nope"), {"status": "success"}, format="json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    failed = gateway.post(url, {"status": "failed"}, format="json")
    assert failed.status_code == 200 and failed.json()["status"] == "failed" and balance(user) == 0


def test_the_page_and_the_api_route_settle_the_same_way(user, purchase):
    paid = APIClient().post(f"/api/v1/currency/sandbox/{purchase['reference']}", {"status": "success"}, format="json")
    assert paid.status_code == 200 and paid.json()["status"] == "success" and balance(user) == 110
    again = APIClient().post(purchase["authorization_url"], {"status": "success"}, format="json")
    assert again.json() == paid.json() and balance(user) == 110


def test_the_page_says_what_happens_after_a_button_without_naming_a_shop(user, purchase):
    """The site has no shop page: the page said "Then you return to the shop" to every buyer."""
    with_callback = browser().get(purchase["authorization_url"]).content.decode()
    assert "the shop" not in with_callback.lower()
    assert "Then you go back to where you started the purchase" in with_callback
    package = CoinPackageFactory(coins=100, bonus_coins=10)
    body = {"package_id": str(package.pk), "payment_method": "card"}
    url = client_for(user).post("/api/v1/currency/purchase", body, format="json").json()["authorization_url"]
    without_callback = browser().get(url).content.decode()
    assert "the shop" not in without_callback.lower() and "go back" not in without_callback
    assert "Then this page shows the outcome" in without_callback


def test_a_settled_payment_links_back_to_where_the_purchase_started(user, purchase):
    client = browser()
    token = open_checkout(client, purchase["authorization_url"])
    client.post(purchase["authorization_url"], {"action": "pay", "csrfmiddlewaretoken": token})
    page = client.get(purchase["authorization_url"]).content.decode()
    assert "already paid" in page and "the shop" not in page.lower()
    link = r'<a class="button" href="https://shop\.example/coins/done\?[^"]*">Go back to where you started'
    assert re.search(link, page)
