"""Premium streams and subscriptions: paid in coins on the same ledger and revenue share as gifts."""

import logging

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from livestream.errors import DomainError, NotFound
from livestream.signals import signal_on_commit, subscriber_added, subscription_lapsed, subscription_renewed
from streams.models import SUBSCRIPTION_PERIOD, CreatorProfile, Stream, StreamAccess, Subscription
from wallet.services import InsufficientCoins, creator_pay

logger = logging.getLogger(__name__)


def stream_access_buy(*, stream: Stream, user: User) -> tuple[StreamAccess, bool]:
    """Buy access to a premium stream once; returns (access, created). Buying twice charges once."""
    if not stream.is_premium:
        raise DomainError("This stream is free to watch.", code="not_premium")
    if stream.creator_id == user.pk:
        raise DomainError("You own this stream.", code="not_premium")
    existing = StreamAccess.objects.filter(stream=stream, user=user).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic(durable=True):
            record = creator_pay(
                kind="access",
                payer=user,
                creator_id=stream.creator_id,
                total=stream.price_coins,
                reference=str(stream.pk),
                description=f"Access to {stream.title}"[:200],
            )
            access = StreamAccess.objects.create(
                stream=stream, user=user, price_coins=stream.price_coins, ledger_transaction=record
            )
    except IntegrityError:  # a concurrent purchase won; it rolled ours back whole
        return StreamAccess.objects.get(stream=stream, user=user), False
    return access, True


def subscription_start(*, subscriber: User, creator: User) -> tuple[Subscription, bool]:
    """Subscribe (or resubscribe) to a creator, paying the first month now; returns (subscription, charged)."""
    if subscriber.pk == creator.pk:
        raise DomainError("You cannot subscribe to yourself.", code="invalid_subscription")
    profile = CreatorProfile.objects.filter(user=creator).first()
    price = profile.subscription_price_coins if profile else None
    if not price:
        raise DomainError("This creator does not offer subscriptions.", code="subscriptions_disabled")
    now = timezone.now()
    with transaction.atomic(durable=True):
        subscription = _subscription_locked(subscriber=subscriber, creator=creator, price=price, now=now)
        if subscription.status != Subscription.Status.LAPSED and subscription.current_period_end > now:
            if not subscription.renews:  # un-cancel: keep the paid period, renew again
                subscription.renews = True
                subscription.status = Subscription.Status.ACTIVE
                subscription.save(update_fields=["renews", "status", "updated_at"])
            return subscription, False
        creator_pay(
            kind="subscription",
            payer=subscriber,
            creator_id=creator.pk,
            total=price,
            reference=str(creator.pk),
            description=f"Subscription to {creator.public_name}"[:200],
        )
        subscription.price_coins = price
        subscription.status = Subscription.Status.ACTIVE
        subscription.renews = True
        subscription.current_period_end = now + SUBSCRIPTION_PERIOD
        subscription.save()
        signal_on_commit(
            subscriber_added, creator_id=creator.pk, subscriber_id=subscriber.pk, subscription_id=subscription.pk
        )
    return subscription, True


def _subscription_locked(*, subscriber: User, creator: User, price: int, now) -> Subscription:
    """The pair's subscription row, locked (caller holds the transaction); a first one is inserted lapsed.

    ``select_for_update`` locks nothing where no row exists, so a first subscription inserts its row before
    paying: a concurrent first subscription waits on the unique index, then finds this one (active, once it
    commits) and charges nothing; if this one rolls back, the other goes ahead.
    """
    pair = Subscription.objects.select_for_update().filter(subscriber=subscriber, creator=creator)
    subscription = pair.first()
    if subscription is not None:
        return subscription
    try:
        with transaction.atomic():  # a savepoint: losing the race leaves the caller's transaction usable
            return Subscription.objects.create(
                subscriber=subscriber,
                creator=creator,
                price_coins=price,
                status=Subscription.Status.LAPSED,
                renews=False,
                current_period_end=now,
            )
    except IntegrityError:
        # The winner committed: under READ COMMITTED (PostgreSQL's default, which Django uses) this statement sees
        # its row and locks it. Under REPEATABLE READ it would not, so do not raise the isolation level here.
        return pair.get()


def subscription_cancel(*, subscriber: User, creator: User) -> Subscription:
    """Stop renewing; what was paid for runs to the end of its period."""
    subscription = Subscription.objects.filter(subscriber=subscriber, creator=creator).first()
    if subscription is None or subscription.status == Subscription.Status.LAPSED:
        raise NotFound("You are not subscribed.")
    subscription.renews = False
    subscription.status = Subscription.Status.CANCELLED
    subscription.save(update_fields=["renews", "status", "updated_at"])
    return subscription


def subscription_renew(*, subscription_id: int) -> str:
    """Renew one due subscription: 'renewed', 'lapsed' (could not pay; the subscriber is told) or 'skipped'."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        subscription = (
            Subscription.objects.select_for_update()
            .select_related("subscriber", "creator")
            .filter(pk=subscription_id)
            .first()
        )
        if subscription is None or subscription.current_period_end > now:
            return "skipped"
        if not subscription.renews or subscription.status != Subscription.Status.ACTIVE:
            if subscription.status != Subscription.Status.LAPSED:
                subscription.status = Subscription.Status.LAPSED
                subscription.save(update_fields=["status", "updated_at"])
            return "skipped"
        try:
            with transaction.atomic():
                creator_pay(
                    kind="subscription",
                    payer=subscription.subscriber,
                    creator_id=subscription.creator_id,
                    total=subscription.price_coins,
                    reference=str(subscription.creator_id),
                    description=f"Subscription renewal: {subscription.creator.public_name}"[:200],
                )
        except InsufficientCoins:
            subscription.status = Subscription.Status.LAPSED
            subscription.save(update_fields=["status", "updated_at"])
            email, name = subscription.subscriber.email, subscription.creator.public_name
            transaction.on_commit(lambda: _notify_lapsed(email, name))
            signal_on_commit(
                subscription_lapsed,
                creator_id=subscription.creator_id,
                subscriber_id=subscription.subscriber_id,
                subscription_id=subscription.pk,
            )
            return "lapsed"
        subscription.current_period_end = max(subscription.current_period_end, now) + SUBSCRIPTION_PERIOD
        subscription.save(update_fields=["current_period_end", "updated_at"])
        signal_on_commit(
            subscription_renewed,
            creator_id=subscription.creator_id,
            subscriber_id=subscription.subscriber_id,
            subscription_id=subscription.pk,
            period_end=subscription.current_period_end.isoformat(),
        )
    return "renewed"


def _notify_lapsed(email: str, creator_name: str) -> None:
    if not email:
        return
    try:
        send_mail(
            subject=f"Your subscription to {creator_name} has lapsed",
            message=(
                f"We could not renew your subscription to {creator_name}: your wallet did not have enough coins.\n"
                "Top up and subscribe again from their page whenever you like."
            ),
            from_email=None,
            recipient_list=[email],
        )
    except Exception:  # e-mail trouble must not undo the lapse
        logger.exception("could not send the lapse notice to %s", email)


def subscriptions_due() -> list[int]:
    return list(
        Subscription.objects.filter(current_period_end__lte=timezone.now())
        .exclude(status=Subscription.Status.LAPSED)
        .values_list("pk", flat=True)[:1000]
    )
