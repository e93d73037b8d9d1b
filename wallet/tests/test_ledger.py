"""The ledger: postings, its invariants, the audit, and the helpers the hot paths use."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from accounts.tests.factories import UserFactory
from wallet import ledger
from wallet.ledger import InsufficientCoins, Line, account_balance, account_for, ledger_post, system_account
from wallet.models import Account, Entry, Transaction
from wallet.services import coins_grant

pytestmark = pytest.mark.django_db


def test_a_posting_moves_coins_and_records_balance_after(user):
    coins_grant(user=user, coins=100, reason="test")
    other = UserFactory()
    with transaction.atomic():
        ledger_post(
            kind="gift",
            lines=[Line(account_for(user=user), -30), Line(account_for(user=other, kind="earnings"), 30)],
        )
    wallet = account_for(user=user)
    wallet.refresh_from_db()
    assert wallet.balance == 70
    assert Entry.objects.filter(account=wallet).order_by("created_at").last().balance_after == 70
    assert account_balance(account_for(user=other, kind="earnings")) == 30


def test_an_unaffordable_posting_moves_nothing(user):
    coins_grant(user=user, coins=10, reason="test")
    entries_before = Entry.objects.count()
    with pytest.raises(InsufficientCoins), transaction.atomic():
        ledger_post(kind="gift", lines=[Line(account_for(user=user), -11), Line(system_account("platform"), 11)])
    assert account_for(user=user).balance == 10
    assert Entry.objects.count() == entries_before


def test_unbalanced_postings_are_refused(user):
    with pytest.raises(ValueError), transaction.atomic():
        ledger_post(kind="grant", lines=[Line(account_for(user=user), 5)])


def test_the_database_forbids_a_negative_wallet(user):
    wallet = account_for(user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=wallet.pk).update(balance=-1)


def test_audit_ledger_finds_drift(user, capsys):
    coins_grant(user=user, coins=50, reason="test")
    call_command("audit_ledger")
    assert "no drift" in capsys.readouterr().out
    Account.objects.filter(owner=user, kind="wallet").update(balance=500)  # someone wrote around the ledger
    with pytest.raises(CommandError, match="drift"):
        call_command("audit_ledger")


@pytest.fixture
def _forget_account_ids(monkeypatch):
    monkeypatch.setattr(ledger, "_system_ids", {})
    monkeypatch.setattr(ledger, "_earnings_ids", {})


def test_account_ids_looked_up_in_a_payment_are_remembered_once_it_commits(
    _forget_account_ids, django_capture_on_commit_callbacks
):
    """pay_creator runs inside the caller's transaction: its lookups must still spare the next payment them."""
    payer, creator = UserFactory(), UserFactory()
    coins_grant(user=payer, coins=10, reason="test")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ledger.pay_creator(kind=Transaction.Kind.GIFT, payer_id=payer.pk, creator_id=creator.pk, total=4)
        assert ledger._earnings_ids == {}  # not yet committed: an id from a rolled-back transaction is no id
    assert ledger._earnings_ids == {creator.pk: ledger.account_for(user=creator, kind="earnings").pk}
    assert ledger._system_ids[Account.Kind.PLATFORM] == ledger.system_account(Account.Kind.PLATFORM).pk


def test_an_account_id_from_a_rolled_back_transaction_is_not_remembered(
    _forget_account_ids, django_capture_on_commit_callbacks
):
    creator = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError, match="rolled back"), transaction.atomic():
            ledger.earnings_account_id(creator.pk)
            raise RuntimeError("rolled back")
        assert ledger._earnings_ids == {}
        with transaction.atomic():
            account_id = ledger.earnings_account_id(creator.pk)
    assert ledger._earnings_ids == {creator.pk: account_id}


def test_audit_ledger_checks_every_creators_share(user):
    """A payment whose creator got less than the exact share (the platform the rest) is drift past one coin."""
    from wallet.services import creator_pay

    creator = UserFactory()
    coins_grant(user=user, coins=100, reason="test")
    payments = []
    for _ in range(2):
        with transaction.atomic():
            payments.append(creator_pay(kind="gift", payer=user, creator_id=creator.pk, total=7))
    call_command("audit_ledger")
    for payment in payments:  # 3.5 / 3.5 becomes 3 / 4: balanced, but half a coin short each time
        Entry.objects.filter(transaction=payment, account__kind="earnings").update(amount=3, amount_micro=0)
        Entry.objects.filter(transaction=payment, account__kind="platform").update(amount=4, amount_micro=0)
    with pytest.raises(CommandError, match="drift: 1 problem"):
        call_command("audit_ledger")


def test_audit_ledger_finds_an_unbalanced_fraction(user):
    from wallet.services import creator_pay

    coins_grant(user=user, coins=10, reason="test")
    with transaction.atomic():
        payment = creator_pay(kind="gift", payer=user, creator_id=UserFactory().pk, total=1)
    Entry.objects.filter(transaction=payment, account__kind="platform").update(amount_micro=400_000)
    with pytest.raises(CommandError, match="drift"):
        call_command("audit_ledger")
