import csv
import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import client_for
from wallet.ledger import account_balance, account_for
from wallet.models import Payout, PayoutDestination
from wallet.payouts import payout_create, payout_statement_url
from wallet.providers import ProviderError, SandboxProvider
from wallet.services import coins_grant, creator_pay
from wallet.tasks import run_payouts

pytestmark = pytest.mark.django_db


def earn(creator, coins):
    """``coins`` of earnings the way a creator earns them: a fan's gift of twice that (the creator's share is half)."""
    fan = UserFactory()
    coins_grant(user=fan, coins=coins * 2, reason="test")
    with transaction.atomic():
        creator_pay(kind="gift", payer=fan, creator_id=creator.pk, total=coins * 2, description="test earnings")


@pytest.fixture
def creator(settings):
    settings.PAYOUT_MINIMUM_COINS = 1000
    settings.PAYOUT_NAIRA_PER_COIN = "5.00"
    user = UserFactory()
    PayoutDestination.objects.create(user=user, recipient_code="RCP_test", bank_name="GTBank", account_last4="1234")
    return user


def earnings(user):
    return account_balance(account_for(user=user, kind="earnings"))


def test_weekly_run_pays_creators_over_the_minimum_with_a_statement(creator):
    earn(creator, 1500)
    small = UserFactory()
    PayoutDestination.objects.create(user=small, recipient_code="RCP_small")
    earn(small, 999)
    no_destination = UserFactory()
    earn(no_destination, 5000)
    assert run_payouts.apply().get() == {"paid": 1, "pending": 0, "failed": 0, "skipped": 1}
    payout = Payout.objects.get()
    assert payout.creator == creator and payout.status == "paid" and payout.coins == 1500
    assert payout.amount_kobo == 750_000  # 1,500 coins at NGN 5.00
    statement = payout.statement.read().decode()
    assert "test earnings" in statement and "750000" not in statement and "7500.00" in statement
    assert earnings(creator) == 0 and earnings(small) == 999 and earnings(no_destination) == 5000
    rows = client_for(creator).get("/api/v1/currency/transactions?type=payout").json()["results"]
    assert [row["amount"] for row in rows] == [-1500]
    call_command("audit_ledger")


def test_a_payout_statement_is_private_and_only_its_creator_and_staff_download_it(creator, settings):
    earn(creator, 1500)
    run_payouts.apply()
    payout = Payout.objects.get()
    assert payout.statement.name.startswith("private/payout-statements/")
    settings.DEBUG = True  # the development server's /media/ does not serve it
    assert Client().get(f"/media/{payout.statement.name}").status_code == 404

    url = payout_statement_url(payout)
    assert url == f"/api/v1/currency/payouts/{payout.pk}/statement"
    response = client_for(creator).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment") and "private" in response["Cache-Control"]
    assert "test earnings" in b"".join(response.streaming_content).decode()
    assert client_for(UserFactory(is_staff=True)).get(url).status_code == 200
    assert client_for(UserFactory()).get(url).status_code == 404  # another creator's: not theirs to see
    assert APIClient().get(url).status_code == 401


def test_a_payout_without_a_statement_yet_has_none_to_download(creator):
    earn(creator, 1500)
    with mock.patch("wallet.payouts.payment_provider") as provider:
        provider.return_value.name = "sandbox"
        payout = payout_create(creator=creator)
    assert payout_statement_url(payout) is None
    assert client_for(creator).get(f"/api/v1/currency/payouts/{payout.pk}/statement").status_code == 404


def test_a_refused_transfer_returns_the_coins_and_staff_can_retry(creator):
    earn(creator, 2000)
    with mock.patch.object(SandboxProvider, "transfer", return_value="failed"):
        assert run_payouts.apply().get()["failed"] == 1
    payout = Payout.objects.get()
    assert payout.status == "failed" and earnings(creator) == 2000
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert staff.get("/admin/wallet/payout/").status_code == 200
    staff.post("/admin/wallet/payout/", {"action": "retry", "_selected_action": [payout.pk]}, follow=True)
    payout.refresh_from_db()
    assert payout.status == "paid" and payout.attempts == 2 and earnings(creator) == 0
    call_command("audit_ledger")


def test_an_unreachable_provider_fails_the_payout_safely(creator):
    earn(creator, 1200)
    with mock.patch.object(SandboxProvider, "transfer", side_effect=ProviderError()):
        run_payouts.apply()
    assert Payout.objects.get().status == "failed" and earnings(creator) == 1200
    with mock.patch.object(SandboxProvider, "transfer", side_effect=ProviderError()):
        assert run_payouts.apply().get()["failed"] == 1  # next week it tries again
    assert earnings(creator) == 1200
    call_command("audit_ledger")


def test_a_payout_pays_whole_coins_and_keeps_the_fraction(creator):
    from wallet.selectors import earnings_exact
    from wallet.services import coins_grant, creator_pay

    fan = UserFactory()
    coins_grant(user=fan, coins=2001, reason="test")
    with transaction.atomic():
        creator_pay(kind="gift", payer=fan, creator_id=creator.pk, total=2001)  # 1,000.5 coins to the creator
    assert run_payouts.apply().get()["paid"] == 1
    assert Payout.objects.get().coins == 1000
    assert str(earnings_exact(user=creator)) == "0.500000"
    call_command("audit_ledger")


def test_a_failed_payouts_returned_coins_are_not_counted_as_earned_again(creator):
    earn(creator, 1500)
    with mock.patch.object(SandboxProvider, "transfer", return_value="failed"):
        run_payouts.apply()
    balance = client_for(creator).get("/api/v1/currency/balance").json()
    assert balance["earnings"] == 1500  # the coins are back, to be paid next time
    assert balance["lifetime_earned"] == 1500 and balance["lifetime_earned_exact"] == "1500.000000"

    earn(creator, 100)
    run_payouts.apply()
    second = Payout.objects.get(status="paid")
    rows = list(csv.reader(io.StringIO(second.statement.read().decode())))
    assert ["earned in period", "", "", "100"] in rows  # the returned 1,500 were earned in the first period
    assert ["paid out", "", "at NGN 5.00 per coin", "1600"] in rows
    assert [row[1] for row in rows[1 : rows.index([])]] == ["gift"]  # no "payout_reversal" line


def test_a_creator_lists_their_own_payouts_with_naira_and_statement_links(creator, django_assert_max_num_queries):
    earn(creator, 1500)
    with mock.patch.object(SandboxProvider, "transfer", return_value="failed"):
        run_payouts.apply()
    earn(creator, 500)
    run_payouts.apply()
    other = UserFactory()
    PayoutDestination.objects.create(user=other, recipient_code="RCP_other")
    earn(other, 1000)
    run_payouts.apply()
    client = client_for(creator)
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/currency/payouts").json()
    assert body["count"] == 2
    paid, failed = body["results"]
    assert (paid["status"], paid["coins"], paid["amount"], paid["currency"]) == ("paid", 2000, "10000.00", "NGN")
    assert paid["naira_per_coin"] == "5.00" and paid["paid_at"] and paid["failure_reason"] == ""
    assert paid["statement_url"] == f"/api/v1/currency/payouts/{paid['id']}/statement"
    assert (failed["status"], failed["failure_reason"], failed["paid_at"]) == (
        "failed",
        "the provider refused the transfer",
        None,
    )
    assert client_for(UserFactory()).get("/api/v1/currency/payouts").json()["count"] == 0
    assert APIClient().get("/api/v1/currency/payouts").status_code == 401
