"""A creator sets up where their payouts go: the bank list, the account's name as the bank says, the transfer
recipient made on save. Against the local Paystack stub (wallet/tests/paystack_stub.py) and the sandbox."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from conftest import client_for
from wallet.ledger import account_for
from wallet.models import Account, PayoutDestination
from wallet.payouts import payout_account_resolve, payout_banks, payout_destination_set
from wallet.providers import SANDBOX_BANKS, SandboxProvider

pytestmark = pytest.mark.django_db

GTB, ADAEZE = "058", "0123456789"


@pytest.fixture(autouse=True)
def creators_who_earned(user, other_user):
    """The users here are creators who have been paid: only they may look accounts up (below, one who has not)."""
    for person in (user, other_user):
        account_for(user=person, kind=Account.Kind.EARNINGS)


def test_a_user_who_never_earned_cannot_look_an_account_up_nor_save_one(paystack):
    from accounts.tests.factories import UserFactory

    client = client_for(UserFactory())
    body = {"bank_code": GTB, "account_number": ADAEZE}
    for response in (
        client.post("/api/v1/currency/payouts/destination/resolve", body, format="json"),
        client.put("/api/v1/currency/payouts/destination", body, format="json"),
    ):
        assert response.status_code == 403 and response.json()["code"] == "payouts_not_open"
    assert not paystack.paths("GET") and not PayoutDestination.objects.exists()  # the bank was never asked


# --- Paystack -------------------------------------------------------------------------------------


def test_the_bank_list_is_every_page_of_active_nigerian_banks_by_name_and_kept_a_day(paystack):
    names = [bank.name for bank in payout_banks()]
    assert names == ["Access Bank", "Guaranty Trust Bank", "Kuda Bank", "Zenith Bank"]  # closed and deleted left out
    first, second = paystack.requests
    assert first[1].startswith("/bank?") and first[2]["country"] == "nigeria" and first[2]["currency"] == "NGN"
    assert second[2]["next"] == "cursor-2"
    assert [bank.code for bank in payout_banks()] == ["044", "058", "50211", "057"]
    assert len(paystack.requests) == 2  # the second read came from the cache


def test_the_banks_route(auth_client, paystack):
    response = auth_client.get("/api/v1/currency/payouts/banks")
    assert response.status_code == 200
    assert {"code": "058", "name": "Guaranty Trust Bank"} in response.json()["results"]
    assert APIClient().get("/api/v1/currency/payouts/banks").status_code == 401


def test_the_bank_list_unreachable_is_a_502_and_not_cached(auth_client, paystack):
    paystack.fail_next = True
    response = auth_client.get("/api/v1/currency/payouts/banks")
    assert response.status_code == 502
    assert response.json()["code"] == "payment_provider_error" and "Paystack" in response.json()["detail"]
    assert auth_client.get("/api/v1/currency/payouts/banks").status_code == 200


def test_resolving_an_account_shows_the_banks_name_for_it_and_saves_nothing(auth_client, paystack):
    response = auth_client.post(
        "/api/v1/currency/payouts/destination/resolve", {"bank_code": GTB, "account_number": ADAEZE}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "bank_code": GTB,
        "bank_name": "Guaranty Trust Bank",
        "account_number": ADAEZE,
        "account_name": "ADAEZE NGOZI OKAFOR",
    }
    assert f"/bank/resolve?account_number={ADAEZE}&bank_code={GTB}" in paystack.paths("GET")
    assert not PayoutDestination.objects.exists() and not paystack.recipients


def test_an_account_the_bank_does_not_know_is_a_field_error(auth_client, paystack):
    response = auth_client.post(
        "/api/v1/currency/payouts/destination/resolve",
        {"bank_code": GTB, "account_number": "9999999999"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "account_not_found" and "account_number" in response.json()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"bank_code": GTB, "account_number": "12345"}, "account_number", "invalid_account_number"),
        ({"bank_code": GTB, "account_number": "01234567ab"}, "account_number", "invalid_account_number"),
        ({"bank_code": "999", "account_number": ADAEZE}, "bank_code", "invalid_bank"),  # closed: not on the list
    ],
)
def test_a_malformed_account_or_an_unknown_bank_never_reaches_the_bank(auth_client, paystack, body, field, code):
    response = auth_client.post("/api/v1/currency/payouts/destination/resolve", body, format="json")
    assert response.status_code == 400
    assert field in response.json() and response.json()["code"] == code
    assert not any(path.startswith("/bank/resolve") for path in paystack.paths())


def test_the_gateway_failing_on_resolve_is_a_clear_502(auth_client, paystack):
    payout_banks()  # the list is cached; the next request is the resolution
    paystack.fail_next = True
    response = auth_client.post(
        "/api/v1/currency/payouts/destination/resolve", {"bank_code": GTB, "account_number": ADAEZE}, format="json"
    )
    assert response.status_code == 502
    assert response.json()["detail"].startswith("Paystack could not be reached to check the account")


def test_a_gateway_that_never_answers_is_a_502_after_the_timeout(auth_client, paystack, settings):
    settings.PAYMENT_PROVIDER_TIMEOUT = 0.3
    payout_banks()
    paystack.stall_next = True
    response = auth_client.post(
        "/api/v1/currency/payouts/destination/resolve", {"bank_code": GTB, "account_number": ADAEZE}, format="json"
    )
    assert response.status_code == 502 and response.json()["code"] == "payment_provider_error"


def test_saving_the_destination_creates_a_nuban_recipient_and_keeps_only_the_last_four_digits(auth_client, paystack):
    response = auth_client.put(
        "/api/v1/currency/payouts/destination", {"bank_code": GTB, "account_number": ADAEZE}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["account_name"] == "ADAEZE NGOZI OKAFOR" and body["account_last4"] == "6789"
    assert body["bank_name"] == "Guaranty Trust Bank" and "account_number" not in body
    [recipient] = paystack.recipients
    assert recipient["type"] == "nuban" and recipient["currency"] == "NGN"
    assert (recipient["bank_code"], recipient["account_number"], recipient["name"]) == (
        GTB,
        ADAEZE,
        "ADAEZE NGOZI OKAFOR",
    )
    destination = PayoutDestination.objects.get(user=auth_client.user)
    assert destination.recipient_code == recipient["recipient_code"] and destination.provider == "paystack"
    assert auth_client.get("/api/v1/currency/payouts/destination").json() == body


def test_check_then_save_asks_the_bank_once(auth_client, paystack):
    payout_account_resolve(user=auth_client.user, bank_code=GTB, account_number=ADAEZE)
    payout_destination_set(user=auth_client.user, bank_code=GTB, account_number=ADAEZE)
    assert sum(path.startswith("/bank/resolve") for path in paystack.paths()) == 1


def test_a_new_account_replaces_the_old_destination(user, paystack):
    payout_destination_set(user=user, bank_code=GTB, account_number=ADAEZE)
    payout_destination_set(user=user, bank_code="044", account_number="1234-567 890")
    destination = PayoutDestination.objects.get(user=user)
    assert (destination.bank_name, destination.account_name, destination.account_last4) == (
        "Access Bank",
        "TUNDE BELLO",
        "7890",
    )
    assert destination.recipient_code == "RCP_stub0002"


def test_a_recipient_the_gateway_cannot_create_saves_nothing(auth_client, paystack):
    payout_account_resolve(
        user=auth_client.user, bank_code=GTB, account_number=ADAEZE
    )  # resolved and cached; the next call is the recipient
    paystack.fail_next = True
    response = auth_client.put(
        "/api/v1/currency/payouts/destination", {"bank_code": GTB, "account_number": ADAEZE}, format="json"
    )
    assert response.status_code == 502
    assert "save the account for payouts" in response.json()["detail"]
    assert not PayoutDestination.objects.exists()


def test_no_destination_yet_is_a_404(auth_client):
    response = auth_client.get("/api/v1/currency/payouts/destination")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_account_lookups_are_throttled_per_creator_but_reads_are_not(user, other_user, paystack, settings):
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "payout_account": "2/hour"}
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        client, body = client_for(user), {"bank_code": GTB, "account_number": ADAEZE}
        assert client.post("/api/v1/currency/payouts/destination/resolve", body, format="json").status_code == 200
        assert client.put("/api/v1/currency/payouts/destination", body, format="json").status_code == 200
        refused = client.post("/api/v1/currency/payouts/destination/resolve", body, format="json")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert client.get("/api/v1/currency/payouts/destination").status_code == 200
        other = client_for(other_user).post("/api/v1/currency/payouts/destination/resolve", body, format="json")
        assert other.status_code == 200
    finally:
        ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]


# --- The sandbox ----------------------------------------------------------------------------------


def test_the_sandbox_answers_without_network_and_the_same_way_every_time(user, settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    assert [bank.code for bank in payout_banks()] == sorted(
        (code for code, _ in SANDBOX_BANKS), key=lambda code: dict(SANDBOX_BANKS)[code].casefold()
    )
    first = payout_account_resolve(user=user, bank_code="057", account_number="2233445566")
    assert (
        first.account_name
        == SandboxProvider().resolve_account(account_number="2233445566", bank_code="057").account_name
    )
    assert first.bank_name == "Zenith Bank"
    with pytest.raises(ValidationError) as refused:
        payout_account_resolve(user=user, bank_code="057", account_number="2233440000")
    assert refused.value.error_dict["account_number"][0].code == "account_not_found"
    destination = payout_destination_set(user=user, bank_code="057", account_number="2233445566")
    assert destination.recipient_code.startswith("RCP_sandbox_") and destination.account_name == first.account_name
