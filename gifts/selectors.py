"""Reads for gifts: the catalogue, a stream's recent gifts, a user's history, leaderboards."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMinute

from accounts.models import User
from accounts.selectors import user_payload
from gifts.models import Gift, SentGift
from livestream.links import absolute_url
from streams.selectors import stream_access_transactions
from streams.selectors.media import REPLAY_PAGE_MAX, ReplayClock, ReplayPage, replay_before, replay_window
from wallet.selectors import creator_earned_from


def gift_catalogue(*, category: str | None = None, rarity: str | None = None) -> QuerySet[Gift]:
    gifts = Gift.objects.filter(is_active=True)
    if category:
        gifts = gifts.filter(category=category)
    if rarity:
        gifts = gifts.filter(rarity=rarity)
    return gifts


def gift_payload(gift: Gift, request=None) -> dict:
    def url(field):
        return absolute_url(field.url, request) if field else None

    return {
        "id": str(gift.pk),
        "name": gift.name,
        "description": gift.description,
        "category": gift.category,
        "rarity": gift.rarity,
        "cost_in_coins": gift.cost_in_coins,
        "naira_value": f"{gift.naira_value:.2f}",
        "image_url": url(gift.image),
        "animation": gift.animation,
        "sound_url": url(gift.sound),
    }


def sent_gift_payload(sent: SentGift, *, viewer=None, request=None) -> dict:
    """A sent gift as the contract shows it - the same body in the room's event, the POST's 201 and the lists;
    an anonymous sender is hidden from all but themselves."""
    show_sender = not sent.is_anonymous or (viewer is not None and viewer.pk == sent.sender_id)
    return {
        "id": str(sent.pk),
        "gift": gift_payload(sent.gift, request),
        "quantity": sent.quantity,
        "total_coins": sent.total_coins,
        "message": sent.message,
        "is_anonymous": sent.is_anonymous,
        "sender": user_payload(sent.sender) if show_sender else None,
        "stream_id": str(sent.stream_id),
        "created_at": sent.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "combo": sent.combo,
    }


@dataclass(frozen=True)
class GiftStreak:
    """A sender's run of one gift on a stream (``combo`` counts it; named and anonymous gifts apart), summed."""

    first_id: Any  # the run's first gift: what names the streak (a notification's dedupe key)
    creator_id: Any
    stream_id: Any
    stream_title: str
    sender_id: Any
    sender_name: str
    is_anonymous: bool
    gift_name: str
    count: int  # items (a send of 5 is 5)
    coins: int


def gift_streak(*, sent_gift_id) -> GiftStreak | None:
    """The streak ``sent_gift_id`` belongs to, summed over every gift of it committed so far, the later ones
    included: a late or repeated read for an early gift never counts fewer than one for the last. None for no
    such gift. Four queries."""
    sent = SentGift.objects.select_related("gift", "sender", "stream").filter(pk=sent_gift_id).first()
    if sent is None:
        return None
    run = SentGift.objects.filter(
        stream_id=sent.stream_id, sender_id=sent.sender_id, gift_id=sent.gift_id, is_anonymous=sent.is_anonymous
    ).order_by()
    first = run.filter(combo=1, created_at__lte=sent.created_at).order_by("-created_at").first() or sent
    streak = run.filter(created_at__gte=first.created_at)
    next_first = (
        run.filter(combo=1, created_at__gt=first.created_at)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if next_first is not None:  # the sender began another streak since: it is not this one's
        streak = streak.filter(created_at__lt=next_first)
    totals = streak.aggregate(count=Sum("quantity"), coins=Sum("total_coins"))
    return GiftStreak(
        first_id=first.pk,
        creator_id=sent.creator_id,
        stream_id=sent.stream_id,
        stream_title=sent.stream.title,
        sender_id=sent.sender_id,
        sender_name=sent.sender.public_name,
        is_anonymous=sent.is_anonymous,
        gift_name=sent.gift.name,
        count=totals["count"] or sent.quantity,
        coins=totals["coins"] or sent.total_coins,
    )


def stream_recent_gifts(*, stream, limit: int = 50) -> list[SentGift]:
    return list(SentGift.objects.filter(stream=stream).select_related("gift", "sender").order_by("-created_at")[:limit])


def stream_earnings(*, stream) -> dict:
    """What the stream's creator earned from this stream, exact and as the ledger says: the earnings entries of
    its gifts and of the access viewers bought to it (``creator_earned_from``), with the gifts' count and the
    coins their senders spent. Two queries, whatever the number of gifts."""
    gifts = SentGift.objects.filter(stream=stream)
    sent = gifts.aggregate(count=Count("id"), coins=Sum("total_coins", default=0))
    earned = creator_earned_from(
        creator_id=stream.creator_id,
        transactions=[gifts.values("ledger_transaction_id"), stream_access_transactions(stream=stream)],
    )
    return {
        "coins": int(earned["total"]),  # whole coins, rounded down: what a payout can pay
        "coins_exact": earned["total"],
        "gifts_exact": earned["gift"],
        "access_exact": earned["access"],
        "naira": earned["naira"],
        "gift_count": sent["count"],
        "gift_coins": sent["coins"],
    }


def _replay_gifts(clock: ReplayClock) -> QuerySet[SentGift]:
    return SentGift.objects.filter(stream_id=clock.recording.stream_id).select_related("gift", "sender")


def gift_replay(*, clock: ReplayClock, start: Decimal, end: Decimal, limit: int = REPLAY_PAGE_MAX) -> ReplayPage:
    """The gifts sent during a recording from offset ``start`` to ``end``, oldest first; a full page says where
    the window continues (``replay_window``). One query."""
    return replay_window(_replay_gifts(clock), clock=clock, start=start, end=end, limit=limit)


def gift_replay_before(*, clock: ReplayClock, before: Decimal, limit: int = 50) -> list[SentGift]:
    """The newest ``limit`` gifts of a recording before offset ``before``, oldest first. One query."""
    return replay_before(_replay_gifts(clock), clock=clock, before=before, limit=limit)


def user_gift_history(*, user, direction: str) -> QuerySet[SentGift]:
    gifts = SentGift.objects.select_related("gift", "sender", "stream")
    gifts = gifts.filter(creator=user) if direction == "received" else gifts.filter(sender=user)
    return gifts.order_by("-created_at")


def gift_leaderboard(
    *, stream=None, creator=None, limit: int = 10, start: datetime | None = None, end: datetime | None = None
) -> list[dict]:
    """Top gifters by coins (sent in [start, end) when given); anonymous gifts count toward an 'Anonymous' row,
    never a name."""
    gifts = SentGift.objects.all()
    if stream is not None:
        gifts = gifts.filter(stream=stream)
    if creator is not None:
        gifts = gifts.filter(creator=creator)
    if start is not None:
        gifts = gifts.filter(created_at__gte=start)
    if end is not None:
        gifts = gifts.filter(created_at__lt=end)
    named = (
        gifts.filter(is_anonymous=False)
        .values("sender")
        .annotate(coins=Sum("total_coins"), gifts=Count("id"))
        .order_by("-coins")[:limit]
    )
    users = User.objects.in_bulk([row["sender"] for row in named])
    rows = [{"user": user_payload(users[row["sender"]]), "coins": row["coins"], "gifts": row["gifts"]} for row in named]
    anonymous = gifts.filter(is_anonymous=True).aggregate(coins=Sum("total_coins"), gifts=Count("id"))
    if anonymous["coins"]:
        rows.append({"user": None, "coins": anonymous["coins"], "gifts": anonymous["gifts"]})
        rows.sort(key=lambda row: -row["coins"])
    for rank, row in enumerate(rows[:limit], start=1):
        row["rank"] = rank
    return rows[:limit]


# --- Analytics: what the analytics app rolls up --------------------------------------------------------------


def gift_totals_by_minute(*, stream_id, start: datetime, end: datetime) -> dict[datetime, dict]:
    """Gifts sent to the stream in [start, end), by minute: ``{"gifts"`` (items: a send of 5 is 5), ``"coins"``
    (what senders paid, the ledger's debits)``}``. One query."""
    rows = (
        SentGift.objects.filter(stream_id=stream_id, created_at__gte=start, created_at__lt=end)
        .annotate(minute=TruncMinute("created_at"))
        .values("minute")
        .annotate(gifts=Sum("quantity"), coins=Sum("total_coins"))
        .order_by()
    )
    return {row["minute"]: {"gifts": row["gifts"], "coins": row["coins"]} for row in rows}


def gift_counts_by_day(*, creator_id, start: datetime, end: datetime, tzinfo) -> dict:
    """Gift items the creator received in [start, end), by day in ``tzinfo``. One query."""
    rows = (
        SentGift.objects.filter(creator_id=creator_id, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=tzinfo))
        .values("day")
        .annotate(gifts=Sum("quantity"))
        .order_by()
    )
    return {row["day"]: row["gifts"] for row in rows}


def gift_totals_by_day_and_sender(*, creator_id, start: datetime, end: datetime, tzinfo) -> list[dict]:
    """Gifts the creator received in [start, end), by day in ``tzinfo`` and sender: ``{"day", "sender"`` (an id;
    None for the day's anonymous sends, summed into one row)``, "coins", "gifts"`` (sends)``}``. One query."""
    rows = (
        SentGift.objects.filter(creator_id=creator_id, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=tzinfo))
        .values("day", "is_anonymous", "sender")
        .annotate(coins=Sum("total_coins"), gifts=Count("id"))
        .order_by()
    )
    named, anonymous = [], {}
    for row in rows:
        if not row["is_anonymous"]:
            named.append({"day": row["day"], "sender": row["sender"], "coins": row["coins"], "gifts": row["gifts"]})
            continue
        cell = anonymous.setdefault(row["day"], {"day": row["day"], "sender": None, "coins": 0, "gifts": 0})
        cell["coins"] += row["coins"]
        cell["gifts"] += row["gifts"]
    return named + list(anonymous.values())


def gift_ledger_transactions(*, stream_id) -> QuerySet:
    """The ledger transactions that paid for the stream's gifts (ids, as a subquery for the wallet's reads)."""
    return SentGift.objects.filter(stream_id=stream_id).values("ledger_transaction_id")


# --- Discovery: gifts for the trending score ------------------------------------------------------------


def gift_coins_by_stream(*, stream_ids, start: datetime, end: datetime) -> dict:
    """Coins paid for gifts sent in [start, end) to each of ``stream_ids``. One query."""
    stream_ids = list(stream_ids)
    if not stream_ids:
        return {}
    rows = (
        SentGift.objects.filter(stream_id__in=stream_ids, created_at__gte=start, created_at__lt=end)
        .values("stream_id")
        .annotate(coins=Sum("total_coins"))
        .order_by()
    )
    return {row["stream_id"]: row["coins"] or 0 for row in rows}
