"""Every kind fires where it happens (through the real services, after commit) and respects its choice."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.services import verification_apply, verification_decide
from accounts.tests.factories import UserFactory
from chat.services import chat_message_send
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from notifications.models import Kind, Notification, Preference
from notifications.services import followers_notify, gift_notify
from streams.models import Follow, Subscription
from streams.services import creator_profile_ensure, follow_create, stream_create, stream_start
from streams.services.media.publishing import publish_begin
from streams.services.monetization import subscription_renew, subscription_start
from streams.tests.factories import StreamFactory
from wallet.models import PayoutDestination
from wallet.payouts import payout_create, payout_retry, payout_send
from wallet.providers import SandboxProvider
from wallet.services import coins_grant, creator_pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def of(kind, user=None):
    rows = Notification.objects.filter(kind=kind)
    return list(rows.filter(user=user) if user is not None else rows)


def off(user, kind, channels=("in_app", "email", "push")):
    for channel in channels:
        Preference.objects.update_or_create(user=user, kind=kind, channel=channel, defaults={"enabled": False})


def test_going_live_tells_followers_who_asked_once(creator, fans, after_commit):
    Follow.objects.filter(follower=fans[0]).update(notify_go_live=False)
    off(fans[1], Kind.LIVE)
    stream = StreamFactory(creator=creator, title="Yoruba for beginners")
    after_commit(stream_start, stream=stream)
    rows = of(Kind.LIVE)
    assert {row.user_id for row in rows} == {fan.pk for fan in fans[2:]}
    assert rows[0].title == "Ada is live" and rows[0].body == "Yoruba for beginners"
    assert rows[0].url == f"/streams/{stream.pk}/" and rows[0].actor_id == creator.pk


def test_the_encoder_going_live_tells_followers_and_a_reconnect_does_not_again(creator, fans, after_commit):
    stream = StreamFactory(creator=creator)
    with mock.patch("streams.services.media.publishing.publisher_present", return_value=False):
        after_commit(publish_begin, key=stream.stream_key, client_id="1")
        after_commit(publish_begin, key=stream.stream_key, client_id="2")  # the encoder came back
    assert len(of(Kind.LIVE)) == len(fans)


def test_private_and_unlisted_streams_are_not_announced(creator, fans, after_commit):
    for visibility in ("private", "unlisted"):
        after_commit(stream_start, stream=StreamFactory(creator=creator, visibility=visibility))
    assert of(Kind.LIVE) == []


def test_scheduling_tells_followers_who_asked(creator, fans, after_commit):
    Follow.objects.filter(follower=fans[0]).update(notify_scheduled=False)
    start = timezone.now() + timedelta(days=1)
    after_commit(stream_create, creator=creator, title="Igbo proverbs", scheduled_start_time=start)
    after_commit(stream_create, creator=creator, title="No time yet")
    rows = of(Kind.SCHEDULED)
    assert {row.user_id for row in rows} == {fan.pk for fan in fans[1:]}
    assert rows[0].title == "Ada scheduled a stream" and rows[0].body.startswith("Igbo proverbs")


def test_fan_out_walks_pages_and_a_retry_duplicates_nothing(creator, fans, after_commit, deliveries):
    stream = StreamFactory(creator=creator, live=True)
    stored = after_commit(followers_notify, kind=Kind.LIVE, creator_id=creator.pk, stream_id=stream.pk, page_size=2)
    assert stored == 5
    assert [len(ids) for name, ids in deliveries if name == "deliver_email"] == [2, 2, 1]  # a page per transaction
    assert after_commit(followers_notify, kind=Kind.LIVE, creator_id=creator.pk, stream_id=stream.pk) == 0
    assert Notification.objects.count() == 5 and len(deliveries) == 6


def test_a_new_follower_is_told_once_and_respects_the_creators_choice(creator, after_commit):
    fan, other = UserFactory(display_name="Bola"), UserFactory()
    after_commit(follow_create, follower=fan, creator=creator)
    Follow.objects.filter(follower=fan).delete()
    after_commit(follow_create, follower=fan, creator=creator)  # unfollow and follow again: no second one
    assert [row.title for row in of(Kind.FOLLOWER, creator)] == ["Bola followed you"]
    off(creator, Kind.FOLLOWER)
    after_commit(follow_create, follower=other, creator=creator)
    assert len(of(Kind.FOLLOWER, creator)) == 1


def subscribed(creator, after_commit, coins=100):
    profile = creator_profile_ensure(user=creator)
    profile.subscription_price_coins = 40
    profile.save()
    fan = UserFactory(display_name="Chidi")
    coins_grant(user=fan, coins=coins, reason="test")
    after_commit(subscription_start, subscriber=fan, creator=creator)
    return fan


def test_subscriber_renewed_and_lapsed(creator, after_commit):
    fan = subscribed(creator, after_commit, coins=80)
    assert [row.title for row in of(Kind.SUBSCRIBER, creator)] == ["Chidi subscribed to you"]
    subscription = Subscription.objects.get()
    Subscription.objects.update(current_period_end=timezone.now() - timedelta(minutes=1))
    after_commit(subscription_renew, subscription_id=subscription.pk)  # 40 -> 0
    assert [row.title for row in of(Kind.SUBSCRIPTION_RENEWED, fan)] == ["Your subscription to Ada renewed"]
    assert of(Kind.SUBSCRIPTION_LAPSED, fan) == []
    Subscription.objects.update(current_period_end=timezone.now() - timedelta(minutes=1))
    assert after_commit(subscription_renew, subscription_id=subscription.pk) == "lapsed"
    assert [row.title for row in of(Kind.SUBSCRIPTION_LAPSED, fan)] == ["Your subscription to Ada lapsed"]


def test_a_gift_combo_is_one_notification_per_streak(creator, after_commit):
    stream = StreamFactory(creator=creator, live=True, title="Talking drums")
    gift = GiftFactory(cost_in_coins=1, name="Kola nut")
    sender = UserFactory(display_name="Dayo")
    coins_grant(user=sender, coins=100, reason="test")
    for _ in range(50):
        after_commit(gift_send, stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1)
    rows = of(Kind.GIFT, creator)
    assert len(rows) == 1 and rows[0].title == "Dayo sent you Kola nut ×50" and rows[0].data["count"] == 50
    after_commit(gift_send, stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=2, is_anonymous=True)
    titles = sorted(row.title for row in of(Kind.GIFT, creator))
    assert titles == ["Dayo sent you Kola nut ×50", "Someone sent you Kola nut ×2"]  # an anonymous run apart


def test_a_late_task_of_an_earlier_gift_does_not_take_the_streaks_count_back(creator, after_commit):
    # Tasks run in any order (a retry, a slow worker): the one for the first gift may write after the second's.
    stream = StreamFactory(creator=creator, live=True, title="Talking drums")
    gift = GiftFactory(cost_in_coins=1, name="Kola nut")
    sender = UserFactory(display_name="Dayo")
    coins_grant(user=sender, coins=100, reason="test")
    first = after_commit(gift_send, stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1)
    after_commit(gift_send, stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=2)
    gift_notify(sent_gift_id=first.pk)
    [row] = of(Kind.GIFT, creator)
    assert row.title == "Dayo sent you Kola nut ×3" and row.data == {"gift": "Kola nut", "count": 3, "coins": 3}


def test_a_mention_tells_the_mentioned_unless_they_muted_mentions(creator, after_commit):
    stream = StreamFactory(creator=creator, live=True, title="Q&A")
    sender, tolu, muted = UserFactory(display_name="Emeka"), UserFactory(username="tolu"), UserFactory(username="kemi")
    off(muted, Kind.MENTION)
    after_commit(chat_message_send, stream_id=stream.pk, user=sender, content="@tolu @kemi @Emeka hello")
    rows = of(Kind.MENTION)
    assert [row.user_id for row in rows] == [tolu.pk]
    assert rows[0].title == "Emeka mentioned you in Q&A" and rows[0].body == "@tolu @kemi @Emeka hello"
    message = after_commit(chat_message_send, stream_id=stream.pk, user=sender, content="hi", mentions=[str(tolu.pk)])
    assert message.mentions == [str(tolu.pk)] and len(of(Kind.MENTION, tolu)) == 2  # ids still work


def test_a_mention_in_a_premium_stream_reaches_only_those_with_access(creator, after_commit):
    from streams.services.monetization import stream_access_buy
    from wallet.services import coins_grant

    stream = StreamFactory(creator=creator, live=True, title="Paid class", is_premium=True, price_coins=10)
    sender, payer = UserFactory(), UserFactory(username="payer")
    UserFactory(username="outsider")  # mentioned, but without access
    for person in (sender, payer):
        coins_grant(user=person, coins=20, reason="test")
        stream_access_buy(stream=stream, user=person)
    after_commit(chat_message_send, stream_id=stream.pk, user=sender, content="@payer @outsider the answer is 42")
    assert [row.user_id for row in of(Kind.MENTION)] == [payer.pk]  # the text never reaches one who has not paid


def test_verification_decided(creator, after_commit):
    request = after_commit(verification_apply, user=creator, full_name="Ada O", about="Teacher", reason="Public")
    after_commit(verification_decide, request_id=request.pk, decided_by=None, approve=True)
    assert [row.title for row in of(Kind.VERIFICATION, creator)] == ["Your verification request was approved"]


def test_payout_paid_and_failed(creator, settings, after_commit):
    settings.PAYOUT_MINIMUM_COINS = 100
    settings.PAYOUT_NAIRA_PER_COIN = "5.00"
    PayoutDestination.objects.create(user=creator, recipient_code="RCP_t", bank_name="GTBank", account_last4="1234")
    fan = UserFactory()
    coins_grant(user=fan, coins=1000, reason="test")
    with transaction.atomic():
        creator_pay(kind="gift", payer=fan, creator_id=creator.pk, total=400, description="earnings")
    payout = after_commit(payout_create, creator=creator)
    after_commit(payout_send, payout_id=payout.pk)
    with transaction.atomic():
        creator_pay(kind="gift", payer=fan, creator_id=creator.pk, total=400, description="earnings")
    payout = after_commit(payout_create, creator=creator)
    with mock.patch.object(SandboxProvider, "transfer", return_value="failed"):
        after_commit(payout_send, payout_id=payout.pk)
    titles = [row.title for row in of(Kind.PAYOUT, creator)]
    assert len(titles) == 2 and "was paid" in titles[1] and "failed" in titles[0]
    assert titles[1] == "Your payout of ₦1,000.00 was paid"  # the creator's share at ₦5 a coin, as wallet writes naira
    # Staff retry it and it fails again: the creator hears of that attempt too.
    with mock.patch.object(SandboxProvider, "transfer", return_value="failed"):
        after_commit(payout_retry, payout_id=payout.pk)
    titles = [row.title for row in of(Kind.PAYOUT, creator)]
    assert len(titles) == 3 and "failed" in titles[0]
