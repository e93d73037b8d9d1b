"""Two gifts of one streak notified at the same moment: the creator's notification ends with the whole count
(PostgreSQL: real row locks between threads)."""

import pytest

from accounts.tests.factories import UserFactory
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from notifications.models import Kind, Notification
from notifications.services import gift_notify
from notifications.tests.racing import race
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
    for first, second in streaks:
        race(
            lambda first=first: gift_notify(sent_gift_id=first), lambda second=second: gift_notify(sent_gift_id=second)
        )

    rows = Notification.objects.filter(user=creator, kind=Kind.GIFT)
    assert rows.count() == len(streaks)
    assert sorted(row.data["count"] for row in rows) == [3] * len(streaks)
