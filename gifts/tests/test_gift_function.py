"""The PostgreSQL gift function (livestream_gift_send) under conditions the planner gets wrong."""

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from gifts.models import SentGift
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db]


def _index_scans(index: str) -> int:
    """Scans of ``index`` in this transaction so far (PostgreSQL counts them before they are reported)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_numscans(%s::regclass)", [index])
        return cursor.fetchone()[0]


def _gift_id_index() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index i JOIN pg_attribute a"
            " ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
            " WHERE i.indrelid = 'gifts_sentgift'::regclass AND i.indnatts = 1 AND a.attname = 'gift_id'"
        )
        return cursor.fetchone()[0]


def test_combo_lookup_reads_the_senders_recent_gifts_not_every_gift_of_its_kind():
    """A popular gift is most of the sent gifts; the combo must not depend on the planner knowing that.

    Where statistics are missing or stale (a new table, autovacuum off, a burst since the last ANALYZE) the
    planner took the gift_id index for the combo lookup and read every sent gift of that gift on every
    gift: milliseconds each, growing with the table.
    """
    stream = StreamFactory(live=True)
    gift = GiftFactory(cost_in_coins=1)
    sender = UserFactory()
    coins_grant(user=sender, coins=100, reason="test")
    others = [UserFactory() for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE gifts_sentgift")  # statistics taken while there is nothing to count
        cursor.execute(
            "WITH t AS (INSERT INTO wallet_transaction (id, kind, reference, description, created_at)"
            " SELECT gen_random_uuid(), 'gift', %s, '', now() FROM generate_series(1, 20000) RETURNING id)"
            " INSERT INTO gifts_sentgift (id, stream_id, gift_id, sender_id, creator_id, quantity, total_coins,"
            " message, is_anonymous, combo, ledger_transaction_id, created_at)"
            " SELECT gen_random_uuid(), %s, %s, (ARRAY[%s, %s, %s]::uuid[])[1 + (random() * 2)::int], %s, 1, 1,"
            " '', false, 1, t.id, now() FROM t",
            [str(stream.pk), stream.pk, gift.pk, *[o.pk for o in others], stream.creator_id],
        )
    index = _gift_id_index()
    before = _index_scans(index)
    for expected_combo in (1, 2, 3):
        sent = gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1)
        assert sent.combo == expected_combo
    assert _index_scans(index) == before
    assert SentGift.objects.filter(sender=sender).count() == 3


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_call_is_prepared_once_and_refusals_keep_their_codes():
    """The hot path: autocommit, a server-side prepared statement, the function's refusals as DomainErrors."""
    from rest_framework.authtoken.models import Token

    from gifts.services import SenderNotAuthenticated
    from livestream.errors import DomainError
    from wallet.services import InsufficientCoins

    stream = StreamFactory(live=True)
    gift = GiftFactory(cost_in_coins=5)
    sender = UserFactory()
    coins_grant(user=sender, coins=7, reason="test")
    token = Token.objects.create(user=sender)

    def send(**overrides):
        kwargs = {"stream_id": stream.pk, "sender": sender, "gift_id": gift.pk, "quantity": 1, "token": token.key}
        return gift_send(**{**kwargs, **overrides})

    assert send().combo == 1
    with pytest.raises(InsufficientCoins):
        send()
    import uuid

    with pytest.raises(DomainError) as refused:
        send(stream_id=uuid.uuid4())
    assert refused.value.code == "not_found"
    with pytest.raises(DomainError) as refused:
        send(gift_id=uuid.uuid4())
    assert refused.value.code == "invalid_gift"
    with pytest.raises(SenderNotAuthenticated):
        send(token="not-a-token")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%livestream_gift_send%%'")
        assert cursor.fetchone()[0] == 1
    assert SentGift.objects.filter(sender=sender).count() == 1


def test_the_ledger_transaction_and_the_sent_gift_get_time_ordered_ids():
    """UUID version 7: inserts land on the right-hand leaves of their indexes, not a random leaf each."""
    import time

    stream = StreamFactory(live=True)
    gift = GiftFactory(cost_in_coins=1)
    sender = UserFactory()
    coins_grant(user=sender, coins=5, reason="test")
    before_ms = int(time.time() * 1000)
    sent = gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1)
    stored = SentGift.objects.get(pk=sent.pk)
    for value in (stored.pk, stored.ledger_transaction_id):
        assert value.version == 7
        assert before_ms - 1000 <= value.int >> 80 <= int(time.time() * 1000) + 1000  # its first 48 bits: ms
