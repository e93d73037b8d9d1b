import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.services import chat_message_send
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.models import ViewerSession
from streams.services import follow_create, viewer_session_end, viewer_session_start
from streams.tests.factories import CategoryFactory, StreamFactory
from wallet.services import coins_grant


@pytest.fixture
def creator(db):
    # Joined well before the activity the tests back-date (minutes to hours ago): a creator's days are rolled up
    # from the day they joined, and near local midnight "now" is already the next day.
    return UserFactory(username="ada_analytics", date_joined=timezone.now() - dt.timedelta(days=2))


@pytest.fixture
def live_stream(creator):
    return StreamFactory(
        creator=creator,
        live=True,
        started_at=timezone.now() - dt.timedelta(minutes=10),
        category=CategoryFactory(name="Music"),
        title="Talking drum live",
    )


def watch(stream, user=None, *, joined_ago: float, left_ago: float | None = None, visitor: str = "") -> ViewerSession:
    """A viewer session through the service, moved back in time (minutes ago); ``visitor`` is a signed-out
    viewer's key ("a:<client address>")."""
    session = viewer_session_start(stream_id=stream.pk, user=user, visitor=visitor)
    now = timezone.now()
    ViewerSession.objects.filter(pk=session.pk).update(joined_at=now - dt.timedelta(minutes=joined_ago))
    if left_ago is not None:
        viewer_session_end(session_id=session.pk)
        session.refresh_from_db()
        left = now - dt.timedelta(minutes=left_ago)
        ViewerSession.objects.filter(pk=session.pk).update(
            left_at=left, watch_seconds=int((left - session.joined_at).total_seconds())
        )
    session.refresh_from_db()
    return session


def funded(coins: int = 1000):
    user = UserFactory()
    coins_grant(user=user, coins=coins, reason="test")
    return user


@pytest.fixture
def busy_stream(live_stream, settings):
    """N = 5 viewers (3 signed in, one of them in two tabs; 2 signed out), M = 7 messages, K = 4 gifts (one
    send of 2 and two of 1) worth 2*13 + 13 + 7 coins, and one new follower."""
    settings.CHAT_RATE_MESSAGES = 100
    signed_in = [UserFactory() for _ in range(3)]
    watch(live_stream, signed_in[0], joined_ago=9, left_ago=2)
    watch(live_stream, signed_in[0], joined_ago=8, left_ago=3)  # a second tab: the same viewer
    watch(live_stream, signed_in[1], joined_ago=5)
    watch(live_stream, signed_in[2], joined_ago=4, left_ago=1)
    watch(live_stream, None, joined_ago=6, left_ago=5)
    watch(live_stream, None, joined_ago=3)
    for index in range(7):
        chat_message_send(stream_id=live_stream.pk, user=signed_in[index % 2], content=f"Hello {index}")
    drum, rose = GiftFactory(cost_in_coins=13), GiftFactory(cost_in_coins=7)
    sender = funded()
    gift_send(stream_id=live_stream.pk, sender=sender, gift_id=drum.pk, quantity=2)
    gift_send(stream_id=live_stream.pk, sender=sender, gift_id=drum.pk, quantity=1, is_anonymous=True)
    gift_send(stream_id=live_stream.pk, sender=funded(), gift_id=rose.pk, quantity=1)
    follow_create(follower=signed_in[2], creator=live_stream.creator)
    live_stream.sender = sender
    live_stream.viewers = signed_in
    return live_stream
