"""Sending gifts: one transaction debits the sender and credits the creator and the platform.

Two implementations write a gift, and they must write the same rows: the
PostgreSQL function ``livestream_gift_send`` (gifts/migrations/0007), every
gift on PostgreSQL, and the ORM (``_gift_send_orm``), every gift elsewhere
(SQLite). gifts/tests/test_gift_paths.py runs one table of scenarios through
both and compares every row they write.
"""

from datetime import timedelta

import psycopg
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_get_by_token
from gifts.models import GIFT_MESSAGE_MAX, GIFT_QUANTITY_MAX, Gift, SentGift
from gifts.selectors import sent_gift_payload
from livestream import errors
from livestream.errors import DomainError
from livestream.events import send_event_on_commit
from livestream.signals import gift_sent, signal_on_commit
from streams.models import Stream
from streams.selectors import stream_visible_q
from wallet.selectors import creator_share_rate_micro, platform_account_id
from wallet.services import (
    InsufficientCoins,
    creator_pay,
    idempotency_claim,
    idempotency_complete,
    request_fingerprint,
)

COMBO_SECONDS = 5


class SenderNotAuthenticated(errors.NotAuthenticated):
    """The token the caller passed no longer belongs to an active sender; nothing was sent."""

    default_detail = "Invalid token."
    default_code = "authentication_failed"


def gift_send(
    *,
    stream_id,
    sender: User,
    gift_id,
    quantity: int,
    message: str = "",
    is_anonymous: bool = False,
    idempotency_key: str | None = None,
    token: str | None = None,
) -> SentGift:
    """Send ``quantity`` of a gift to a live stream, paid from the sender's wallet.

    In one transaction: the sender's wallet is debited by a conditional UPDATE
    (InsufficientCoins if it cannot pay), the creator's earnings and the
    platform get their exact shares as appended entries (no lock on the
    creator), the SentGift is stored. After commit the room hears a ``gift``
    event. ``combo`` counts this sender's same gift here, each within
    COMBO_SECONDS of the last, named and anonymous gifts in separate runs (an
    anonymous gift must not be linkable to its sender's named ones); it is
    counted after the debit, which holds the sender's wallet row, so their
    concurrent gifts count one by one.

    ``idempotency_key``: the key's record is written in the same transaction;
    a retry with it gets the first gift back and moves nothing, the key with
    another gift is Unprocessable (``idempotency_key_reused``), and concurrent
    requests with one key send one gift.

    ``token``: the API token the sender authenticated with, when the caller
    looked it up from a cache. Nothing moves unless, at the moment of the
    debit, it still belongs to the sender and the sender is active
    (SenderNotAuthenticated otherwise).
    """
    if not 1 <= quantity <= GIFT_QUANTITY_MAX:
        raise DomainError(f"Send between 1 and {GIFT_QUANTITY_MAX}.", code="invalid_quantity")
    message = (message or "").strip()
    if len(message) > GIFT_MESSAGE_MAX:
        raise DomainError(f"The message is at most {GIFT_MESSAGE_MAX} characters.", code="invalid_message")
    gift_args = {
        "stream_id": stream_id,
        "sender": sender,
        "gift_id": gift_id,
        "quantity": quantity,
        "message": message,
        "is_anonymous": is_anonymous,
        "token": token,
    }
    if idempotency_key:
        request = {"stream_id": str(stream_id), "gift_id": str(gift_id), "quantity": quantity, "message": message}
        fingerprint = request_fingerprint({**request, "is_anonymous": is_anonymous})
        with transaction.atomic(durable=True):
            record = idempotency_claim(user=sender, scope="gift", key=idempotency_key, fingerprint=fingerprint)
            if record.result:  # a retry: the first gift, nothing moves again
                return SentGift.objects.select_related("gift", "sender").get(pk=record.result)
            sent = _gift_write(**gift_args)
            idempotency_complete(record, result=sent.pk)
            _announce(sent)
        return sent
    if _uses_function():  # one round trip in autocommit: the function is the whole transaction
        sent = _gift_send_function(**gift_args)
        _announce(sent)
        return sent
    with transaction.atomic(durable=True):
        sent = _gift_send_orm(**gift_args)
        _announce(sent)
    return sent


def _uses_function() -> bool:
    """Whether gifts are written by livestream_gift_send (PostgreSQL) rather than the ORM."""
    return connection.vendor == "postgresql"


def _gift_write(**gift_args) -> SentGift:
    """The gift's rows, by whichever path this database uses. Caller holds the transaction."""
    return (_gift_send_function if _uses_function() else _gift_send_orm)(**gift_args)


def _gift_send_orm(
    *, stream_id, sender: User, gift_id, quantity: int, message: str, is_anonymous: bool, token: str | None
) -> SentGift:
    """The gift through the ORM: the same checks, order, words and rows as livestream_gift_send.

    Caller holds the transaction.
    """
    if token is not None:
        current = user_get_by_token(key=token)
        if current is None or current.pk != sender.pk:
            raise SenderNotAuthenticated()
        sender = current  # as they are now, not as the caller remembered them
    stream = (
        Stream.objects.filter(stream_visible_q(sender), pk=stream_id)
        .only("id", "creator_id", "status", "allow_gifts")
        .first()
    )
    if stream is None:
        raise _refusal("not_found")
    gift = Gift.objects.filter(pk=gift_id, is_active=True).first()
    if gift is None:
        raise _refusal("invalid_gift")
    if stream.creator_id == sender.pk:
        raise _refusal("own_stream")
    if stream.status != Stream.Status.LIVE or not stream.allow_gifts:
        raise _refusal("gifts_disabled")
    total = gift.cost_in_coins * quantity
    record = creator_pay(
        kind="gift",
        payer=sender,
        creator_id=stream.creator_id,
        total=total,
        reference=str(stream.pk),
        description=f"{quantity}x {gift.name}",
    )
    return SentGift.objects.create(
        stream_id=stream.pk,
        gift=gift,
        sender=sender,
        creator_id=stream.creator_id,
        quantity=quantity,
        total_coins=total,
        message=message,
        is_anonymous=is_anonymous,
        combo=_combo_after(sender_id=sender.pk, stream_id=stream.pk, gift_id=gift.pk, is_anonymous=is_anonymous),
        ledger_transaction=record,
    )


def _combo_after(*, sender_id, stream_id, gift_id, is_anonymous: bool) -> int:
    """1, or one more than the sender's previous same gift here within COMBO_SECONDS, named and anonymous
    gifts counted apart. Caller holds the debit."""
    previous = (
        SentGift.objects.filter(
            sender_id=sender_id,
            created_at__gt=timezone.now() - timedelta(seconds=COMBO_SECONDS),
            stream_id=stream_id,
            gift_id=gift_id,
            is_anonymous=is_anonymous,
        )
        .order_by("-combo")  # the latest of the run; within one transaction created_at ties
        .values_list("combo", flat=True)
        .first()
    )
    return (previous or 0) + 1


def _announce(sent: SentGift) -> None:
    send_event_on_commit({"type": "gift", "gift": sent_gift_payload(sent)}, room=sent.stream_id)
    signal_on_commit(
        gift_sent, sent_gift_id=sent.pk, stream_id=sent.stream_id, creator_id=sent.creator_id, sender_id=sent.sender_id
    )


# Why a gift is refused before any coin moves: reason -> (kind, code, detail). The reasons are also what
# livestream_gift_send raises, so both paths answer with the same words.
_REFUSALS = {
    "not_found": (errors.NotFound, "not_found", "No such stream."),
    "invalid_gift": (DomainError, "invalid_gift", "That gift is not available."),
    "own_stream": (DomainError, "invalid_gift", "You cannot send gifts to your own stream."),
    "gifts_disabled": (DomainError, "gifts_disabled", "This stream is not taking gifts right now."),
}


def _refusal(reason: str) -> DomainError:
    kind, code, detail = _REFUSALS[reason]
    return kind(detail, code=code)


_GIFT_FIELDS = [
    "id", "name", "description", "category", "rarity", "cost_in_coins", "naira_value", "image", "animation", "sound",
    "is_active",
]  # fmt: skip
_SENT_FIELDS = [
    "id", "stream_id", "gift_id", "sender_id", "creator_id", "quantity", "total_coins", "message",
    "is_anonymous", "combo", "created_at",
]  # fmt: skip
_PG_CALL = "SELECT * FROM livestream_gift_send(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


def _gift_send_prepared(db, params: list):
    """The call as a prepared statement on this connection: parsed and planned once per connection, not per gift.

    Django's cursors bind parameters on the client (the statement text differs on every call, so PostgreSQL
    parses and plans it each time); a server-binding psycopg cursor with ``prepare=True`` sends only the
    values. Errors go through Django's wrapper, so they arrive as Django's DatabaseError and a broken
    connection is noticed as with any other query.
    """
    db.ensure_connection()
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(_PG_CALL, params, prepare=True)
        return cursor.fetchone()


def _gift_send_function(
    *, stream_id, sender: User, gift_id, quantity: int, message: str, is_anonymous: bool, token: str | None
) -> SentGift:
    """The same gift as the ORM path, as one call to livestream_gift_send (gifts/migrations/0007).

    Outside a transaction the call is one round trip: a single statement in
    autocommit is its own transaction, and the function does all of the gift
    or none of it. Inside the caller's transaction it runs in a savepoint, so
    a refusal leaves the caller's transaction usable.
    """
    share = creator_share_rate_micro()
    platform_id = platform_account_id()
    if platform_id is not None:  # as text, like None: one prepared statement whether the account exists or not
        platform_id = str(platform_id)
    params = [sender.pk, stream_id, gift_id, quantity, message, is_anonymous, share, platform_id, token, COMBO_SECONDS]
    try:
        db = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` looks up this thread's connection again
        if db.in_atomic_block:
            with transaction.atomic(), db.cursor() as cursor:
                cursor.execute(_PG_CALL, params)
                row = cursor.fetchone()
        elif db.queries_logged or db.execute_wrappers:
            with db.cursor() as cursor:  # DEBUG, assertNumQueries, a wrapper: let them see the call
                cursor.execute(_PG_CALL, params)
                row = cursor.fetchone()
        else:
            row = _gift_send_prepared(db, params)
    except DatabaseError as exc:
        reason = str(getattr(exc, "__cause__", exc) or exc).split("\n")[0].strip()
        if reason == "insufficient_coins":
            raise InsufficientCoins() from None
        if reason == "not_authenticated":
            raise SenderNotAuthenticated() from None
        if reason in _REFUSALS:
            raise _refusal(reason) from None
        raise
    (
        sent_id,
        sent_at,
        total,
        creator_id,
        name,
        description,
        category,
        rarity,
        cost,
        naira,
        image,
        animation,
        sound,
        sender_username,
        sender_display_name,
        sender_is_verified,
        combo,
    ) = row
    if token is not None and (sender_username, sender_display_name, sender_is_verified) != (
        sender.username,
        sender.display_name,
        sender.is_verified,
    ):
        # The caller's user came from a cache; show the sender as they are now.
        sender = User(
            pk=sender.pk,
            username=sender_username,
            display_name=sender_display_name,
            is_verified=sender_is_verified,
        )
    # from_db: Django's own quick way to build instances from a row (positional, no per-field defaults).
    gift = Gift.from_db(
        "default",
        _GIFT_FIELDS,
        (gift_id, name, description, category, rarity, cost, naira, image, animation, sound, True),
    )
    values = (sent_id, stream_id, gift_id, sender.pk, creator_id, quantity, total, message, is_anonymous)
    sent = SentGift.from_db("default", _SENT_FIELDS, (*values, combo, sent_at))
    sent.gift = gift
    sent.sender = sender
    return sent
