"""gifts.services.gift_send: what a gift pays, what the room hears, and what it must not reveal."""

import pytest

from accounts.tests.factories import UserFactory
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.tests.factories import StreamFactory
from wallet.selectors import earnings_exact, wallet_balance
from wallet.services import coins_grant
from wallet.tests.ledger_reads import earnings_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream():
    return StreamFactory(live=True)


def funded(coins=100):
    user = UserFactory()
    coins_grant(user=user, coins=coins, reason="test")
    return user


def test_one_coin_gifts_pay_their_creator_half_a_coin_each(stream):
    """Rounded down per gift, 7,869 one-coin gifts earned a creator nothing; no coin may vanish."""
    gift = GiftFactory(cost_in_coins=1)
    sender = funded(7)
    for _ in range(7):
        gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1)
    assert wallet_balance(user=sender) == 0
    assert str(earnings_exact(user=stream.creator)) == "3.500000"
    assert earnings_balance(user=stream.creator) == 3  # whole coins, the half kept for the next gift


def test_an_anonymous_gift_does_not_continue_its_senders_named_run(stream, django_capture_on_commit_callbacks):
    """combo counted across named and anonymous gifts told the room who the anonymous sender was."""
    gift = GiftFactory(cost_in_coins=1)
    sender = funded()

    def combo(is_anonymous):
        return gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1, is_anonymous=is_anonymous)

    runs = [combo(False).combo, combo(False).combo, combo(True).combo, combo(True).combo, combo(False).combo]
    assert runs == [1, 2, 1, 2, 3]


def test_the_room_hears_an_absolute_image_url(stream, settings, django_capture_on_commit_callbacks, room_events):
    """The socket's gift event carried /media/...: a client on another origin could not load it."""
    settings.SITE_URL = "https://live.example.ng"
    gift = GiftFactory(cost_in_coins=1)
    gift.image.name = "gifts/drum.webp"
    gift.save(update_fields=["image"])
    sender = funded()
    with django_capture_on_commit_callbacks(execute=True):
        gift_send(stream_id=stream.pk, sender=sender, gift_id=gift.pk, quantity=1)
    ((_, event),) = room_events
    event = event["gift"]
    assert event["gift"]["image_url"] == "https://live.example.ng/media/gifts/drum.webp"
    assert event["gift"]["sound_url"] is None


def test_a_sent_gift_keeps_no_rounded_share_its_ledger_entry_holds_the_exact_one(user):
    """A one-coin gift's share used to be stored rounded down (0) on the sent gift: the rounding the ledger dropped."""
    from wallet.models import Entry

    coins_grant(user=user, coins=1, reason="test")
    stream = StreamFactory(live=True)
    sent = gift_send(stream_id=stream.pk, sender=user, gift_id=GiftFactory(cost_in_coins=1).pk, quantity=1)
    assert "creator_coins" not in {field.name for field in type(sent)._meta.get_fields()}
    earned = Entry.objects.get(transaction_id=sent.ledger_transaction_id, account__kind="earnings")
    assert earned.value_micro == 500_000  # half of one coin, to the millionth
