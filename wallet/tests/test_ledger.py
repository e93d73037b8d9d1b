"""The ledger's helpers."""

import pytest
from django.db import transaction

from accounts.tests.factories import UserFactory
from wallet import ledger
from wallet.models import Account, Transaction
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_account_ids(monkeypatch):
    monkeypatch.setattr(ledger, "_system_ids", {})
    monkeypatch.setattr(ledger, "_earnings_ids", {})


def test_account_ids_looked_up_in_a_payment_are_remembered_once_it_commits(django_capture_on_commit_callbacks):
    """pay_creator runs inside the caller's transaction: its lookups must still spare the next payment them."""
    payer, creator = UserFactory(), UserFactory()
    coins_grant(user=payer, coins=10, reason="test")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ledger.pay_creator(kind=Transaction.Kind.GIFT, payer_id=payer.pk, creator_id=creator.pk, total=4)
        assert ledger._earnings_ids == {}  # not yet committed: an id from a rolled-back transaction is no id
    assert ledger._earnings_ids == {creator.pk: ledger.account_for(user=creator, kind="earnings").pk}
    assert ledger._system_ids[Account.Kind.PLATFORM] == ledger.system_account(Account.Kind.PLATFORM).pk


def test_an_account_id_from_a_rolled_back_transaction_is_not_remembered(django_capture_on_commit_callbacks):
    creator = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                ledger.earnings_account_id(creator.pk)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert ledger._earnings_ids == {}
