"""The studio's money page (/studio/money/): earnings, payouts with their statements, and the payout destination
form without script (check, then save). The browser journey is in test_studio_money_browser.py."""

import re
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client

from accounts.tests.factories import UserFactory
from wallet.ledger import account_for
from wallet.models import Account, Payout, PayoutDestination
from wallet.providers import SandboxProvider
from wallet.selectors import payout_next_run
from wallet.services import coins_grant, creator_pay
from wallet.tasks import run_payouts
from wallet.tests.test_payouts import earn

pytestmark = pytest.mark.django_db
URL = "/studio/money/"


@pytest.fixture
def creator(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYOUT_MINIMUM_COINS = 1000
    settings.PAYOUT_NAIRA_PER_COIN = "5.00"
    creator = UserFactory()
    account_for(user=creator, kind=Account.Kind.EARNINGS)  # a creator who has been paid: the form is open
    return creator


def test_a_user_who_never_earned_is_told_when_the_payout_account_opens(settings):
    settings.PAYMENT_PROVIDER = "sandbox"
    page = browser_for(UserFactory()).get(URL)
    assert (
        "once you have earned your first coins" in text(page) and 'name="account_number"' not in page.content.decode()
    )


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_page_is_the_signed_in_creators_own():
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_earnings_in_coins_and_naira_the_minimum_and_the_next_automatic_payout(creator):
    earn(creator, 600)
    page = text(browser_for(creator).get(URL))
    assert "600 coins to be paid out" in page and "≈ ₦3,000 at ₦5 a coin" in page
    assert "Minimum payout 1,000 coins (₦5,000)" in page
    assert "No payout is made until you add the bank account" in page
    when = payout_next_run()
    assert when.weekday() == 0 and (when.hour, when.minute) == (8, 0)  # Mondays 08:00 UTC: 09:00 in Lagos
    assert f"{when:%A} {when.day} {when:%B %Y}, 09:00 WAT" in page
    assert 'aria-current="page">Money<' in browser_for(creator).get(URL).content.decode()


def test_a_fraction_of_a_coin_is_shown_exactly_and_waits(creator):
    earn(creator, 1)
    fan = UserFactory()
    coins_grant(user=fan, coins=3, reason="test")
    with transaction.atomic():
        creator_pay(kind="gift", payer=fan, creator_id=creator.pk, total=3)  # 1.5 coins to the creator
    page = text(browser_for(creator).get(URL))
    assert "2 coins to be paid out" in page and "exactly 2.5 coins" in page


def test_how_far_to_the_minimum_once_the_account_is_set(creator):
    PayoutDestination.objects.create(
        user=creator, recipient_code="RCP_x", bank_name="Zenith Bank", account_last4="4321"
    )
    earn(creator, 990)
    assert "10 more coins to reach the minimum" in text(browser_for(creator).get(URL))
    earn(creator, 10)
    assert "paid out to Zenith Bank ending 4321 at the next automatic payout" in text(browser_for(creator).get(URL))


def test_payout_history_with_status_naira_failure_reason_and_statements(creator, settings):
    PayoutDestination.objects.create(user=creator, recipient_code="RCP_x", bank_name="GTBank", account_last4="1234")
    earn(creator, 1500)
    with mock.patch.object(SandboxProvider, "transfer", return_value="failed"):
        run_payouts.apply()
    earn(creator, 500)
    run_payouts.apply()  # the failed payout's 1,500 came back: 2,000 are paid
    failed, paid = Payout.objects.order_by("created_at")
    response = browser_for(creator).get(URL)
    page = text(response)
    assert "Paid" in page and "Failed" in page and "2,000" in page and "₦10,000" in page and "₦7,500" in page
    assert "Why it failed the provider refused the transfer. The coins are back in your earnings." in page
    html = response.content.decode()
    for payout in (failed, paid):
        assert f'href="/api/v1/currency/payouts/{payout.pk}/statement"' in html
    # The statement link downloads with the creator's own session; anyone else gets a 404, staff get it.
    link = f"/api/v1/currency/payouts/{paid.pk}/statement"
    download = browser_for(creator).get(link)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert "paid out" in b"".join(download.streaming_content).decode()
    assert browser_for(UserFactory()).get(link).status_code == 404
    assert browser_for(UserFactory(is_staff=True)).get(link).status_code == 200
    assert Client().get(link).status_code in (401, 403)
    # Another creator's page lists none of it.
    assert str(paid.pk) not in browser_for(UserFactory()).get(URL).content.decode()


def test_no_payouts_yet(creator):
    assert "No payouts yet" in text(browser_for(creator).get(URL))


def test_without_script_check_shows_the_banks_name_then_save_keeps_it(creator):
    client = browser_for(creator)
    page = client.get(URL).content.decode()
    assert '<option value="057">Zenith Bank</option>' in page and "Save as payout account" in page
    assert re.search(r'class="button destination-save" hidden', page)  # nothing to save before a check
    checked = client.post(URL, {"bank_code": "057", "account_number": "2233445566", "action": "check"})
    name = SandboxProvider().resolve_account(account_number="2233445566", bank_code="057").account_name
    assert checked.status_code == 200 and f"Account name: {name} (Zenith Bank)" in text(checked)
    assert not re.search(r'class="button destination-save" hidden', checked.content.decode())
    assert not PayoutDestination.objects.exists()
    saved = client.post(URL, {"bank_code": "057", "account_number": "2233445566", "action": "save"})
    assert saved.status_code == 303 and saved["Location"] == "/studio/money/#payout-destination"
    destination = PayoutDestination.objects.get(user=creator)
    assert (destination.account_name, destination.bank_name, destination.account_last4) == (name, "Zenith Bank", "5566")
    after = text(client.get(URL))
    assert f"Payouts now go to {name}, Zenith Bank ending 5566." in after
    assert f"{name} · Zenith Bank ending 5566" in after and "Change the account" in after


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bank_code": "057", "account_number": "2233440000"}, "That account number was not found at that bank"),
        ({"bank_code": "057", "account_number": "123"}, "Enter your 10-digit account number (NUBAN)."),
        ({"bank_code": "", "account_number": "2233445566"}, "Choose your bank."),
        ({"bank_code": "nope", "account_number": "2233445566"}, "Select a valid choice"),
    ],
)
def test_the_form_says_what_is_wrong_and_saves_nothing(creator, data, message):
    response = browser_for(creator).post(URL, {**data, "action": "save"})
    assert response.status_code == 200 and message in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert not PayoutDestination.objects.exists()


def test_a_gateway_outage_is_said_plainly_on_the_page(creator, paystack):
    client = browser_for(creator)
    client.get(URL)  # the bank list is fetched and kept
    paystack.fail_next = True
    response = client.post(URL, {"bank_code": "058", "account_number": "0123456789", "action": "check"})
    assert "Paystack could not be reached to check the account; nothing was changed." in text(response)


def test_the_bank_list_unreachable_leaves_the_rest_of_the_page(creator, paystack):
    paystack.fail_next = True
    response = browser_for(creator).get(URL)
    assert response.status_code == 200 and "Paystack could not be reached to list the banks" in text(response)
    assert "Earnings" in text(response)


def test_the_page_and_the_api_share_the_lookup_throttle(creator, settings):
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "payout_account": "1/hour",
    }
    try:
        client = browser_for(creator)
        client.post(URL, {"bank_code": "057", "account_number": "2233445566", "action": "check"})
        refused = client.post(URL, {"bank_code": "057", "account_number": "2233445566", "action": "save"})
        assert "Too many account checks for now." in text(refused)
        assert not PayoutDestination.objects.exists()
    finally:
        ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]


def test_the_next_run_is_read_from_the_beat_schedule(settings):
    from celery.schedules import crontab

    settings.CELERY_BEAT_SCHEDULE = {
        "run-payouts": {"task": "wallet.tasks.run_payouts", "schedule": crontab(minute=30, hour=6, day_of_week="fri")}
    }
    friday = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)
    assert payout_next_run(now=datetime(2026, 11, 27, 6, 29, tzinfo=UTC)) == friday
    assert payout_next_run(now=friday) == datetime(2026, 12, 4, 6, 30, tzinfo=UTC)
    settings.CELERY_BEAT_SCHEDULE = {"run-payouts": {"task": "wallet.tasks.run_payouts", "schedule": 3600}}
    assert payout_next_run() is None


def test_a_creators_wallet_page_leads_to_the_money_page(creator):
    assert 'href="/studio/money/"' not in browser_for(creator).get("/wallet/").content.decode()  # nothing earned
    earn(creator, 10)
    assert (
        '<a href="/studio/money/">your earnings and payouts</a>'
        in browser_for(creator).get("/wallet/").content.decode()
    )
