"""Two gifts of one streak notified at the same moment: the creator's notification ends with the whole count
(PostgreSQL: real row locks between threads)."""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from notifications.models import Kind, Notification
from notifications.services import gift_notify
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_gifts_of_a_streak_notified_at_once_keep_every_count(monkeypatch):
    # The gifts are sent first with their notification tasks held back, then notified by racing threads.
    monkeypatch.setattr("notifications.receivers.task_on_commit", lambda *args, **kwargs: None)
    creator = UserFactory(display_name="Ada")
    stream = StreamFactory(creator=creator, live=True, title="Talking drums")
    sender = UserFactory(display_name="Dayo")
    coins_grant(user=sender, coins=1000, reason="test")
    streaks = []
    for index in range(6):  # six streaks (six gifts), each of two sends
        gift = GiftFactory(cost_in_coins=1, name=f"Kola nut {index}")
        streaks.append([gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=n).pk for n in (1, 2)])
    errors = []

    def notify(barrier: threading.Barrier, sent_gift_id) -> None:
        try:
            barrier.wait()
            gift_notify(sent_gift_id=sent_gift_id)
        except Exception as exc:  # noqa: BLE001 - any error in a thread is reported below
            errors.append(exc)
        finally:
            connection.close()

    for sent_ids in streaks:
        barrier = threading.Barrier(len(sent_ids))
        threads = [threading.Thread(target=notify, args=(barrier, sent_id)) for sent_id in sent_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    rows = Notification.objects.filter(user=creator, kind=Kind.GIFT)
    assert rows.count() == len(streaks)
    assert sorted(row.data["count"] for row in rows) == [3] * len(streaks)
