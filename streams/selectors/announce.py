"""Reads for telling people about streams (the ``notifications`` app): a stream with its creator, the followers
who asked to hear of a creator's streams, a subscription. notifications reads streams through these alone."""

from typing import Any

from streams.models import Follow, Stream, Subscription

FOLLOW_FLAGS = ("notify_go_live", "notify_scheduled")  # what a follower asks to hear of, on their follow


def stream_get_with_creator(*, stream_id, creator_id=None) -> Stream | None:
    """The stream (any visibility: the caller decides whom to tell) with its creator loaded, or None; with
    ``creator_id``, only if that creator's. One query."""
    streams = Stream.objects.select_related("creator").filter(pk=stream_id)
    if creator_id is not None:
        streams = streams.filter(creator_id=creator_id)
    return streams.first()


def follower_ids_page(*, creator_id, asked_for: str, after: int = 0, limit: int) -> list[tuple[int, Any]]:
    """A keyset page of the creator's follows with ``asked_for`` (one of FOLLOW_FLAGS) on, after the follow id
    ``after``: ``[(follow id, follower id)]`` in follow id order. One query on the follows alone (their creator
    index; a join ahead of the LIMIT made the planner join every remaining follow per page)."""
    if asked_for not in FOLLOW_FLAGS:
        raise ValueError(f"A follow asks for {' or '.join(FOLLOW_FLAGS)}, not {asked_for!r}.")
    follows = Follow.objects.filter(creator_id=creator_id, pk__gt=after, **{asked_for: True})
    return list(follows.order_by("pk").values_list("pk", "follower_id")[:limit])


def subscription_get(*, subscription_id) -> Subscription | None:
    """A subscription by id, or None. One query."""
    return Subscription.objects.filter(pk=subscription_id).first()
