"""The wallet page: balance, coin packages, buying through the sandbox checkout and coming back to where the
viewer was (only a local ``next``), and the history filtered by type, in pages."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from wallet import views
from wallet.models import Payment
from wallet.selectors import STATEMENT_TYPES, naira_text, wallet_balance
from wallet.services import coins_grant
from wallet.tests.factories import CoinPackageFactory

# The stub of Paystack's API: a fixture, registered under the name it is imported as.

pytestmark = pytest.mark.django_db

UNSAFE_NEXT = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "http://testserver/wallet/",  # even this site's own host: a path is all a page needs
    "javascript:alert(1)",
    "/ok\r\nLocation: https://evil.example",
]


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def package():
    return CoinPackageFactory(name="Fan", coins=500, bonus_coins=50, price="2500.00")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def buy(client: Client, package, **extra) -> str:
    """Start a purchase from the page's form; returns the checkout's path."""
    response = client.post("/wallet/buy", {"package": str(package.pk), "key": "k1", **extra})
    assert response.status_code == 303, response.content
    assert "/checkout/sandbox/" in response["Location"]
    return path_of(response["Location"])


def checkout(client: Client, checkout_path: str, action: str) -> str:
    """Press a button on the sandbox checkout; returns where the gateway sends the browser."""
    page = client.get(checkout_path)
    assert page.status_code == 200
    response = client.post(checkout_path, {"action": action})
    assert response.status_code == 303
    return path_of(response["Location"])


def test_the_wallet_asks_for_a_log_in_and_comes_back_with_next():
    response = Client().get("/wallet/?next=/streams/x/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/wallet/%3Fnext%3D/streams/x/"


def test_a_purchase_sent_after_the_session_ended_logs_in_and_returns_to_the_wallet(package):
    response = Client().post("/wallet/buy", {"package": str(package.pk), "next": "/streams/1/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/wallet/%3Fnext%3D%252Fstreams%252F1%252F"
    assert not Payment.objects.exists()


def test_a_new_account_at_zero_coins_sees_its_first_step_and_the_packages(browser, package):
    CoinPackageFactory(name="Retired", is_active=False)
    page = browser.get("/wallet/").content.decode()
    assert "Start here: get your first coins" in page
    assert re.search(r'id="wallet-balance">0<', page)
    assert "Fan" in page and "<strong>550</strong> coins" in page and "500 + 50 bonus" in page
    assert "₦2,500" in page and "Retired" not in page
    assert 'aria-label="Buy Fan: 550 coins for ₦2,500"' in page
    assert "No coins in or out yet" in page


def test_an_account_with_coins_sees_no_first_step(browser, user):
    coins_grant(user=user, coins=40, reason="Welcome")
    page = browser.get("/wallet/").content.decode()
    assert "Start here" not in page and re.search(r'id="wallet-balance">40<', page)


def test_buying_through_the_sandbox_checkout_returns_to_next_with_the_new_balance(browser, user, package):
    back = "/?from=wallet"  # the page the viewer came from (wallet knows nothing of streams)
    checkout_path = buy(browser, package, next=back)
    payment = Payment.objects.get(user=user)
    assert payment.status == "pending" and payment.coins == 550
    assert path_of(payment.callback_url) == "/wallet/return/?next=%2F%3Ffrom%3Dwallet"

    returned = checkout(browser, checkout_path, "pay")
    assert returned.startswith("/wallet/return/?")
    assert parse_qs(urlsplit(returned).query)["reference"] == [payment.reference]
    response = browser.get(returned)
    assert response.status_code == 303 and response["Location"] == back
    assert wallet_balance(user=user) == 550
    page = browser.get(back).content.decode()
    assert "Payment received: 550 coins added. You have 550 coins." in page
    assert 'id="header-coins">550<' in page


def test_without_next_the_purchase_returns_to_the_wallet_page(browser, user, package):
    response = browser.get(checkout(browser, buy(browser, package), "pay"))
    assert response["Location"] == "/wallet/"
    page = browser.get("/wallet/").content.decode()
    assert re.search(r'id="wallet-balance">550<', page) and "Coins bought" in page


@pytest.mark.parametrize("unsafe", UNSAFE_NEXT)
def test_an_unsafe_next_is_never_followed(browser, user, package, unsafe):
    page = browser.get("/wallet/", {"next": unsafe}).content.decode()
    assert "Back to where you were" not in page and "evil" not in page
    returned = checkout(browser, buy(browser, package, next=unsafe), "pay")
    assert "evil" not in returned and "next" not in returned
    assert browser.get(returned)["Location"] == "/wallet/"
    assert browser.get("/wallet/return/", {"reference": "x", "next": unsafe})["Location"] == "/wallet/"


def test_a_failed_or_cancelled_payment_goes_back_to_the_wallet_keeping_next(browser, user, package):
    for action, message in (("fail", "did not go through"), ("cancel", "was not completed")):
        response = browser.get(checkout(browser, buy(browser, package, next="/streams/1/", key=action), action))
        assert response["Location"] == "/wallet/?next=%2Fstreams%2F1%2F"
        page = browser.get(response["Location"]).content.decode()
        assert message in page and "nothing was charged" in page
        assert 'href="/streams/1/"' in page  # the way back is still offered
    assert wallet_balance(user=user) == 0


def test_the_same_form_sent_twice_starts_one_payment(browser, user, package):
    assert buy(browser, package) == buy(browser, package)
    assert Payment.objects.filter(user=user).count() == 1


def test_someone_elses_payment_is_not_found_on_return(browser, other_user, package):
    other = Client()
    other.force_login(other_user)
    returned = checkout(other, buy(other, package), "pay")
    response = browser.get(returned)
    assert response["Location"] == "/wallet/"
    assert "could not find that payment" in browser.get("/wallet/").content.decode()


def test_a_bad_package_is_a_message_not_an_error(browser):
    for package in ("", "nope", "00000000-0000-0000-0000-000000000000"):
        response = browser.post("/wallet/buy", {"package": package, "next": "/streams/1/"})
        assert response.status_code == 303 and response["Location"] == "/wallet/?next=%2Fstreams%2F1%2F"
    page = browser.get("/wallet/").content.decode()
    assert "Choose a coin package." in page and "No such coin package." in page
    assert browser.get("/wallet/buy").status_code == 405


def test_the_history_filters_by_type_and_pages(browser, user, package):
    for n in range(views.HISTORY_PAGE_SIZE + 3):
        coins_grant(user=user, coins=n + 1, reason=f"Grant {n}")
    browser.get(checkout(browser, buy(browser, package), "pay"))
    first = browser.get("/wallet/").content.decode()
    assert "Page 1 of 2" in first and 'rel="next"' in first and "Coins bought" in first
    second = browser.get("/wallet/?page=2").content.decode()
    assert "Page 2 of 2" in second and "Grant 0" in second and 'rel="prev"' in second

    bought = browser.get("/wallet/?type=purchase&next=/streams/1/").content.decode()
    assert "Bought Fan" in bought and "Grant" not in bought and "Page 1 of" not in bought
    assert '<option value="purchase" selected>' in bought
    granted = browser.get("/wallet/?type=grant&next=/streams/1/").content.decode()
    assert "type=grant&amp;next=%2Fstreams%2F1%2F&amp;page=2" in granted  # pages keep the filter and next
    assert "Nothing of this kind yet" in browser.get("/wallet/?type=payout").content.decode()

    for bad in ("?type=nonsense", "?page=999", "?page=x"):
        assert browser.get(f"/wallet/{bad}").status_code == 200


def test_every_statement_type_has_a_label_on_the_page():
    assert set(views.TYPE_LABELS) == set(STATEMENT_TYPES)


def test_the_page_reads_a_fixed_number_of_queries(browser, user, package, django_assert_max_num_queries):
    for n in range(30):
        coins_grant(user=user, coins=1, reason=f"Grant {n}")
    with django_assert_max_num_queries(12):
        assert browser.get("/wallet/").status_code == 200


def test_with_paystack_the_page_sends_the_buyer_to_its_checkout_and_the_return_verifies(
    browser,
    user,
    package,
    paystack,
):
    """Production's provider through the same page: Paystack's (stubbed) checkout, and on the return the payment
    is verified with Paystack at once, so the coins are there before any webhook."""
    response = browser.post("/wallet/buy", {"package": str(package.pk), "next": "/streams/1/"})
    payment = Payment.objects.get(user=user)
    assert response.status_code == 303
    assert response["Location"] == f"https://checkout.paystack.example/{payment.reference}"
    sent = paystack.transactions[payment.reference]
    assert sent["amount"] == 250000 and sent["callback_url"].endswith("/wallet/return/?next=%2Fstreams%2F1%2F")

    paystack.transactions[payment.reference]["status"] = "success"  # the buyer paid at Paystack
    returned = browser.get("/wallet/return/", {"next": "/streams/1/", "trxref": payment.reference})
    assert returned["Location"] == "/streams/1/"
    assert wallet_balance(user=user) == 550


@pytest.mark.parametrize(
    ("kobo", "always_kobo", "text"),
    [
        (250_000, False, "₦2,500"),
        (250_050, False, "₦2,500.50"),
        (250_000, True, "₦2,500.00"),
        (5, False, "₦0.05"),
        (123_456_789, True, "₦1,234,567.89"),
    ],
)
def test_naira_text(kobo, always_kobo, text):
    assert naira_text(kobo, always_kobo=always_kobo) == text
