"""The channel page's reads (``/@<username>``): the creator, their audience, schedule and broadcasts.

``channel_get`` runs a fixed number of queries whatever the creator has (``CHANNEL_QUERIES`` for a signed-in
viewer who is not the creator; two fewer otherwise), so the page costs the same for a new creator and a
prolific one.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, FloatField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from streams.models import Clip, Recording, ScheduleSlot, Stream, Subscription
from streams.selectors import _slot_next_start, creator_get, stream_live_for_creator, stream_upcoming_for_creator

PAST_BROADCASTS_PER_PAGE = 12
CLIPS_LIMIT = 12
CHANNEL_QUERIES = 12  # signed-in viewer, a live stream and upcoming ones (their tags prefetched), some broadcasts


@dataclass(frozen=True)
class ScheduledSlot:
    """A weekly slot with its next start (aware, in the creator's time zone) and end."""

    slot: ScheduleSlot
    start: dt.datetime
    end: dt.datetime


@dataclass
class Channel:
    creator: User  # with ``profile`` (saved or defaults), ``follower_count`` and ``follow`` (creator_get)
    subscriber_count: int
    subscription: Subscription | None  # the viewer's own, unless lapsed
    schedule: list[ScheduledSlot]
    live: Stream | None
    upcoming: list[Stream]
    past: Page  # of Streams with ``recorded_seconds``
    clips: list[Clip] = field(default_factory=list)


def _subscriptions_running(now: dt.datetime) -> QuerySet[Subscription]:
    """Paid-up subscriptions and cancelled ones still in their period (as ``subscription_active`` counts them)."""
    return Subscription.objects.filter(current_period_end__gt=now).exclude(status=Subscription.Status.LAPSED)


def channel_schedule(creator: User, *, now: dt.datetime) -> list[ScheduledSlot]:
    """The creator's weekly slots, soonest next start first (an order that is the same in every time zone)."""
    profile = creator.profile
    slots = []
    for slot in profile.slots:
        slot.profile = profile  # _slot_next_start reads the zone from it: no query
        start = _slot_next_start(slot, now)
        slots.append(ScheduledSlot(slot=slot, start=start, end=start + dt.timedelta(minutes=slot.duration_minutes)))
    return sorted(slots, key=lambda item: item.start)


def channel_past_broadcasts(*, creator: User) -> QuerySet[Stream]:
    """The creator's ended public streams that have a ready recording, newest first, each with
    ``recorded_seconds`` (its ready recordings' length together)."""
    ready = Recording.objects.filter(stream=OuterRef("pk"), status=Recording.Status.READY)
    recorded = ready.order_by().values("stream").annotate(total=Sum("duration_seconds")).values("total")
    return (
        Stream.objects.select_related("category")
        .filter(creator=creator, status=Stream.Status.ENDED, visibility=Stream.Visibility.PUBLIC)
        .filter(Exists(ready))
        .annotate(recorded_seconds=Coalesce(Subquery(recorded, output_field=FloatField()), 0.0))
        .order_by(F("ended_at").desc(nulls_last=True), "-created_at")
    )


def channel_clips(*, creator: User, limit: int = CLIPS_LIMIT) -> list[Clip]:
    """The newest ready highlights of the creator's ended public streams (one query)."""
    return list(
        Clip.objects.select_related("stream")
        .filter(
            stream__creator=creator,
            stream__status=Stream.Status.ENDED,
            stream__visibility=Stream.Visibility.PUBLIC,
            status=Clip.Status.READY,
        )
        .exclude(file="")
        .order_by("-created_at")[:limit]
    )


def channel_get(*, username: str, viewer, page: int | str | None = 1, now: dt.datetime | None = None) -> Channel:
    """Everything ``/@<username>`` shows; NotFound for no such active user. A user who never set up a creator
    profile gets its defaults. Only public streams are listed: unlisted and private ones never are.
    ``page`` is the past broadcasts' page (out of range or not a number: the nearest valid one)."""
    now = now or timezone.now()
    creator = creator_get(username=username, viewer=viewer)
    running = _subscriptions_running(now).filter(creator=creator)
    subscription = None
    if viewer is not None and viewer.is_authenticated and viewer.pk != creator.pk:
        subscription = (
            Subscription.objects.filter(creator=creator, subscriber=viewer)
            .exclude(status=Subscription.Status.LAPSED)
            .first()
        )
        if subscription is not None and subscription.current_period_end <= now:
            subscription = None  # its period ran out; the renewal job has not marked it lapsed yet
    past = Paginator(channel_past_broadcasts(creator=creator), PAST_BROADCASTS_PER_PAGE).get_page(page)
    past.object_list = list(past.object_list)  # read here, where the queries are counted
    return Channel(
        creator=creator,
        subscriber_count=running.count(),
        subscription=subscription,
        schedule=channel_schedule(creator, now=now),
        live=stream_live_for_creator(creator=creator),
        upcoming=stream_upcoming_for_creator(creator=creator),
        past=past,
        clips=channel_clips(creator=creator),
    )
