"""The audit holds creators to the exact share each payment recorded; the helpers around it read, never write."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from accounts.tests.factories import UserFactory
from wallet.models import Account, Entry
from wallet.selectors import platform_account_id
from wallet.services import coins_grant, creator_pay

pytestmark = pytest.mark.django_db


def pay(payer, creator, total: int):
    with transaction.atomic():
        return creator_pay(kind="gift", payer=payer, creator_id=creator.pk, total=total)


def test_a_creator_short_changed_by_half_a_coin_is_drift(user):
    creator = UserFactory()
    coins_grant(user=user, coins=10, reason="test")
    payment = pay(user, creator, 3)  # 1.5 to the creator, 1.5 to the platform
    call_command("audit_ledger")
    Entry.objects.filter(transaction=payment, account__kind="earnings").update(amount=1, amount_micro=0)
    Entry.objects.filter(transaction=payment, account__kind="platform").update(amount=2, amount_micro=0)
    with pytest.raises(CommandError, match="drift: 1 problem"):  # balanced, but the creator is half a coin short
        call_command("audit_ledger")


def test_changing_the_revenue_share_is_not_drift(user, settings, capsys):
    creator = UserFactory()
    coins_grant(user=user, coins=100, reason="test")
    settings.CREATOR_REVENUE_SHARE = "0.5"
    first = pay(user, creator, 7)
    settings.CREATOR_REVENUE_SHARE = "0.7"
    second = pay(user, creator, 7)
    call_command("audit_ledger")  # 3.5 + 4.9: each payment at the rate it used
    assert "no drift" in capsys.readouterr().out
    assert (first.creator_share_micro, second.creator_share_micro) == (500_000, 700_000)
    Entry.objects.filter(transaction=second, account__kind="earnings").update(amount=3, amount_micro=500_000)
    Entry.objects.filter(transaction=second, account__kind="platform").update(amount=3, amount_micro=500_000)
    with pytest.raises(CommandError, match="drift: 1 problem"):  # the second paid at the old rate: drift
        call_command("audit_ledger")


def test_an_entry_reads_as_exact_coins_not_a_float():
    entry = Entry(account_id=uuid.UUID(int=1), amount=123_456_789_012, amount_micro=1)
    assert str(entry) == f"+123456789012.000001 on {uuid.UUID(int=1)}"
    assert str(Entry(account_id=uuid.UUID(int=1), amount=-1, amount_micro=500_000)).startswith("-0.500000 ")


def test_paying_a_creator_needs_a_payer(user):
    with pytest.raises(TypeError), transaction.atomic():  # not a misleading InsufficientCoins
        creator_pay(kind="gift", creator_id=UserFactory().pk, total=1)


def test_reading_the_platform_accounts_id_creates_no_account():
    assert platform_account_id() is None
    assert not Account.objects.filter(kind=Account.Kind.PLATFORM).exists()


@pytest.mark.needs_postgres
@pytest.mark.django_db
def test_on_postgres_the_audit_reads_the_ledger_with_fresh_statistics():
    """On a database without statistics (a new one, autovacuum off) the share check's NOT EXISTS ran for minutes
    after a 70,000-gift run; with statistics, 1.5 s. The audit gathers them first."""
    from django.core.management import call_command
    from django.db import connection

    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call_command("audit_ledger")
    assert statements[0].startswith("ANALYZE wallet_transaction, wallet_entry, wallet_account")
