"""Sending gifts: one transaction debits the sender and credits the creator and the platform."""

from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from rest_framework import status

from accounts.models import User
from gifts.models import Gift, SentGift
from gifts.selectors import sent_gift_payload
from livestream.api.exceptions import DomainError
from livestream.redis import redis_enabled, redis_sync
from livestream.rooms import room_publish
from streams.models import Stream
from streams.selectors import stream_visible_q
from wallet.ledger import earnings_account_id, ledger_post_debit, system_account_id
from wallet.models import Account, Transaction
from wallet.services import idempotency_store

COMBO_SECONDS = 5


def creator_share(total: int) -> int:
    """The creator's coins of a payment of ``total`` (rounded down; the platform keeps the remainder)."""
    share = Decimal(str(settings.CREATOR_REVENUE_SHARE))
    return int((Decimal(total) * share).to_integral_value(rounding=ROUND_FLOOR))


def _combo(stream_id, sender_id, gift_id) -> int:
    """How many times in a row (within COMBO_SECONDS) this sender sent this gift here: one round trip."""
    key = f"gift-combo:{stream_id}:{sender_id}:{gift_id}"
    if redis_enabled():
        with redis_sync().pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, COMBO_SECONDS)
            count, _ = pipe.execute()
        return int(count)
    if cache.add(key, 1, timeout=COMBO_SECONDS):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=COMBO_SECONDS)
        return 1
    cache.touch(key, COMBO_SECONDS)
    return count


def gift_send(
    *,
    stream_id,
    sender: User,
    gift_id,
    quantity: int,
    message: str = "",
    is_anonymous: bool = False,
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> SentGift:
    """Send ``quantity`` of a gift to a live stream, paid from the sender's wallet.

    In one transaction: the sender's wallet is debited by a conditional UPDATE
    (InsufficientCoins if it cannot pay), the creator's earnings and the
    platform get their shares as appended entries (no lock on the creator),
    the SentGift and the idempotency record are stored. After commit the room
    hears a ``gift`` event (with a combo count for repeats within 5 s).
    """
    if not 1 <= quantity <= 100:
        raise DomainError("Send between 1 and 100.", code="invalid_quantity")
    message = (message or "").strip()
    if len(message) > 200:
        raise DomainError("The message is at most 200 characters.", code="invalid_message")
    gift = Gift.objects.filter(pk=gift_id, is_active=True).first()
    if gift is None:
        raise DomainError("That gift is not available.", code="invalid_gift")
    stream = (
        Stream.objects.filter(stream_visible_q(sender), pk=stream_id)
        .only("id", "creator_id", "status", "allow_gifts")
        .first()
    )
    if stream is None:
        raise DomainError("No such stream.", code="not_found", status_code=status.HTTP_404_NOT_FOUND)
    if stream.creator_id == sender.pk:
        raise DomainError("You cannot send gifts to your own stream.", code="invalid_gift")
    if stream.status != Stream.Status.LIVE or not stream.allow_gifts:
        raise DomainError("This stream is not taking gifts right now.", code="gifts_disabled")
    total = gift.cost_in_coins * quantity
    to_creator = creator_share(total)
    credits = [
        (earnings_account_id(stream.creator_id), to_creator),
        (system_account_id(Account.Kind.PLATFORM), total - to_creator),
    ]
    with transaction.atomic():
        record = ledger_post_debit(
            kind=Transaction.Kind.GIFT,
            payer_id=sender.pk,
            amount=total,
            credits=credits,
            reference=str(stream.pk),
            description=f"{quantity}x {gift.name}",
        )
        sent = SentGift.objects.create(
            stream_id=stream.pk,
            gift=gift,
            sender=sender,
            creator_id=stream.creator_id,
            quantity=quantity,
            total_coins=total,
            creator_coins=to_creator,
            message=message,
            is_anonymous=is_anonymous,
            ledger_transaction=record,
        )
        if idempotency_key:
            idempotency_store(
                user=sender,
                scope="gift",
                key=idempotency_key,
                fingerprint=fingerprint,
                status_code=201,
                body=sent_gift_payload(sent, viewer=sender),
            )

        def announce():
            event = sent_gift_payload(sent, combo=_combo(stream.pk, sender.pk, gift.pk))
            room_publish(stream.pk, {"type": "gift", "gift": event})

        transaction.on_commit(announce)
    return sent
