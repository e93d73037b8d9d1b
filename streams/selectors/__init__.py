"""Reads for streams, categories and creators; each runs a fixed number of queries.

The media pipeline's reads (recordings, clips, their signed file links, live segments, encoder health) are in
``streams.selectors.media``.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from livestream.errors import NotFound
from streams.filters import StreamFilter
from streams.media import janus
from streams.media.config import dvr_window_seconds, hls_app_name, hls_app_parse
from streams.models import (
    Category,
    CreatorProfile,
    Follow,
    Recording,
    ScheduleSlot,
    Stream,
    StreamAccess,
    Subscription,
    Tag,
    WebRTCMount,
)

# Query building blocks other apps' reads build on (discovery's search), offered here so that they read streams
# through its selectors alone.
from streams.querysets import category_ids_under as category_ids_under
from streams.querysets import stream_order_trending as stream_order_trending

UPCOMING_LIMIT = 10
MORE_FROM_CREATOR_LIMIT = 6
PLAYBACK_SALT = "streams.playback"


def _stream_base(user=None) -> QuerySet[Stream]:
    streams = Stream.objects.select_related("creator", "category", "webrtc_mount").prefetch_related("tags")
    if user is not None and user.is_authenticated:
        # Whether the viewer may watch a premium stream, in the same query as the stream.
        streams = streams.annotate(
            viewer_bought=Exists(StreamAccess.objects.filter(stream=OuterRef("pk"), user=user)),
            viewer_subscribed=Exists(
                Subscription.objects.filter(
                    subscriber=user, creator=OuterRef("creator"), current_period_end__gt=timezone.now()
                ).exclude(status=Subscription.Status.LAPSED)
            ),
        )
    return streams


def subscription_active(*, subscriber, creator_id) -> bool:
    """Whether ``subscriber`` has a paid-up (or cancelled but still running) subscription to the creator."""
    if subscriber is None or not subscriber.is_authenticated:
        return False
    return (
        Subscription.objects.filter(subscriber=subscriber, creator_id=creator_id, current_period_end__gt=timezone.now())
        .exclude(status=Subscription.Status.LAPSED)
        .exists()
    )


def subscribers_active(*, creator_id, subscriber_ids: Iterable) -> set:
    """Which of ``subscriber_ids`` subscribe to the creator now (as ``subscription_active``). One query."""
    subscriber_ids = set(subscriber_ids)
    if not subscriber_ids:
        return set()
    return set(
        Subscription.objects.filter(
            subscriber_id__in=subscriber_ids, creator_id=creator_id, current_period_end__gt=timezone.now()
        )
        .exclude(status=Subscription.Status.LAPSED)
        .values_list("subscriber_id", flat=True)
    )


def stream_viewer_has_access(stream: Stream, user) -> bool:
    """Free streams are open; premium ones to their creator, staff, buyers and the creator's subscribers.

    Uses _stream_base's annotations when present (no query), else asks the database.
    """
    if not stream.is_premium:
        return True
    if user is None or not user.is_authenticated:
        return False
    if user.pk == stream.creator_id or user.is_staff:
        return True
    if hasattr(stream, "viewer_bought"):
        return stream.viewer_bought or stream.viewer_subscribed
    if StreamAccess.objects.filter(stream=stream, user=user).exists():
        return True
    return subscription_active(subscriber=user, creator_id=stream.creator_id)


def stream_visible_q(user) -> Q:
    """What ``user`` may open by id: public and unlisted streams, and their own private ones."""
    visible = Q(visibility__in=[Stream.Visibility.PUBLIC, Stream.Visibility.UNLISTED])
    if user is not None and user.is_authenticated:
        visible |= Q(creator_id=user.pk)
    return visible


def stream_list(*, filters=None, user=None) -> QuerySet[Stream]:
    """Public streams for the listing, filtered and sorted by ``filters`` (query parameters).

    Raises ``django.core.exceptions.ValidationError`` for bad parameters.
    """
    queryset = _stream_base(user).filter(visibility=Stream.Visibility.PUBLIC)
    filterset = StreamFilter(filters, queryset=queryset)
    if not filterset.is_valid():
        errors = filterset.errors.get_json_data()
        raise ValidationError({field: [error["message"] for error in errs] for field, errs in errors.items()})
    return filterset.qs


def stream_get(*, stream_id, user) -> Stream:
    """The stream if ``user`` may see it; NotFound otherwise (private streams included)."""
    stream = _stream_base(user).filter(stream_visible_q(user), pk=stream_id).first()
    if stream is None:
        raise NotFound("No such stream.")
    return stream


def stream_hls_url(stream: Stream, user) -> str | None:
    """Where ``user``'s player loads the stream's master playlist while it is live; None when they may not.

    A premium stream's URL carries a signed, expiring playback token for this viewer (nginx checks it).
    """
    if stream.status != Stream.Status.LIVE:
        return None
    # Before the encoder connects, where its ladder will write.
    app = stream.media_app or hls_app_name(latency_mode=stream.latency_mode, premium=stream.is_premium)
    parsed = hls_app_parse(app)
    if parsed is None:
        return None
    latency_mode, premium = parsed
    base = settings.HLS_BASE_URL.rstrip("/")
    if not premium:
        return f"{base}/{latency_mode}/{stream.pk}.m3u8"
    if not stream_viewer_has_access(stream, user):
        return None
    return f"{base}/p/{playback_token_make(stream_id=stream.pk, user_id=user.pk)}/{latency_mode}/{stream.pk}.m3u8"


def stream_dvr_window_seconds(stream: Stream) -> int:
    """How far back a viewer may seek in the stream's live playlists (0: no rewind), by the preset its ladder
    runs in (the one it went live with; before that, the one it will go live with)."""
    app = stream.media_app or hls_app_name(latency_mode=stream.latency_mode, premium=stream.is_premium)
    parsed = hls_app_parse(app)
    return dvr_window_seconds(parsed[0]) if parsed else 0


def stream_webrtc_url(stream: Stream, user, *, request=None) -> str | None:
    """Where ``user``'s page starts WebRTC signalling for the live stream; None when it cannot play that way now:
    not live, WebRTC off, no confirmed mountpoint yet, Janus down (lately), or a premium stream they may not watch.

    Reads the mount through _stream_base's join (no query there); the page falls back to hls_url when None.
    """
    if stream.status != Stream.Status.LIVE or not settings.WEBRTC_ENABLED:
        return None
    try:
        mount = stream.webrtc_mount
    except WebRTCMount.DoesNotExist:
        return None
    # The cache last: a list of streams asks it only for those with a confirmed mount.
    if mount.created_in_janus_at is None or not stream_viewer_has_access(stream, user) or janus.edge_marked_down():
        return None
    path = reverse("stream-webrtc", kwargs={"pk": stream.pk})
    return request.build_absolute_uri(path) if request is not None else path


def playback_token_make(*, stream_id, user_id) -> str:
    """A signed token naming the stream and viewer; nginx asks Django to check it (and its age) per playlist."""
    return signing.dumps({"s": str(stream_id), "u": str(user_id)}, salt=PLAYBACK_SALT, compress=True)


def playback_token_stream(token: str) -> tuple[str, str] | None:
    """(stream id, user id) of a valid, unexpired token; None otherwise."""
    try:
        payload = signing.loads(token, salt=PLAYBACK_SALT, max_age=settings.PLAYBACK_TOKEN_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict) or "s" not in payload or "u" not in payload:
        return None
    return str(payload["s"]), str(payload["u"])


def playback_token_allows(*, token: str, stream_id: str) -> bool:
    """Whether ``token`` opens stream ``stream_id``'s premium HLS: signed, unexpired, for that stream, and its
    viewer (still active) still has access."""
    holder = playback_token_stream(token)
    if holder is None or holder[0] != stream_id:
        return False
    stream = Stream.objects.filter(pk=stream_id).only("pk", "is_premium", "creator_id").first()
    viewer = User.objects.filter(pk=holder[1], is_active=True).first()
    return stream is not None and viewer is not None and stream_viewer_has_access(stream, viewer)


def stream_list_for_owner(*, owner: User) -> dict[str, list[Stream]]:
    """All of a creator's own streams, whatever their visibility, by status: ``live``, ``scheduled`` (soonest
    first) and ``ended`` (newest first). One query."""
    streams = Stream.objects.select_related("category").filter(creator=owner).order_by("-created_at")
    by_status: dict[str, list[Stream]] = {status: [] for status in Stream.Status.values}
    for stream in streams:
        by_status[stream.status].append(stream)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    by_status[Stream.Status.SCHEDULED].sort(key=lambda stream: stream.scheduled_start_time or far)
    by_status[Stream.Status.ENDED].sort(key=lambda stream: stream.ended_at or stream.created_at, reverse=True)
    return by_status


def creator_timezone(*, user: User) -> str:
    """The IANA zone a creator's times are shown and entered in: their creator profile's (its schedule's
    ``timezone``), or the site's display zone for a user who has no profile yet. One query."""
    zone = CreatorProfile.objects.filter(user=user).values_list("timezone", flat=True).first()
    return zone or settings.DISPLAY_TIME_ZONE


def stream_get_for_owner(*, stream_id, owner: User) -> Stream:
    """The creator's own stream; anyone else's (or none) is ``NotFound``, as for a private stream."""
    # The WebRTC mount too: the studio's preview asks for it (stream_webrtc_url).
    stream = (
        Stream.objects.select_related("category", "creator", "webrtc_mount").filter(pk=stream_id, creator=owner).first()
    )
    if stream is None:
        raise NotFound("No such stream.")
    return stream


def stream_access_transactions(*, stream: Stream) -> QuerySet:
    """The ledger transactions that paid for access to this premium stream, as a subquery of their ids (for
    ``wallet.selectors.creator_earned_from``)."""
    return StreamAccess.objects.filter(stream=stream).values("ledger_transaction_id")


def stream_upcoming_for_creator(*, creator: User, limit: int = UPCOMING_LIMIT) -> list[Stream]:
    return list(
        _stream_base()
        .filter(
            creator=creator,
            status=Stream.Status.SCHEDULED,
            visibility=Stream.Visibility.PUBLIC,
            scheduled_start_time__gte=timezone.now(),
        )
        .order_by("scheduled_start_time")[:limit]
    )


def stream_more_from_creator(*, stream: Stream, limit: int = MORE_FROM_CREATOR_LIMIT) -> dict[str, list[Stream]]:
    """ "More from <creator>" on an ended stream's page: the creator's other public broadcasts that have a
    recording to play (newest first) and their upcoming streams (soonest first), at most ``limit`` of each.
    Two queries."""
    recorded = (
        Stream.objects.select_related("creator", "category")
        .filter(creator_id=stream.creator_id, status=Stream.Status.ENDED, visibility=Stream.Visibility.PUBLIC)
        .filter(Exists(Recording.objects.filter(stream=OuterRef("pk"), status=Recording.Status.READY)))
        .exclude(pk=stream.pk)
        .order_by(F("ended_at").desc(nulls_last=True), "-created_at")
    )
    upcoming = (
        Stream.objects.select_related("creator", "category")
        .filter(
            creator_id=stream.creator_id,
            status=Stream.Status.SCHEDULED,
            visibility=Stream.Visibility.PUBLIC,
            scheduled_start_time__gte=timezone.now(),
        )
        .order_by("scheduled_start_time")
    )
    return {"recordings": list(recorded[:limit]), "upcoming": list(upcoming[:limit])}


def stream_live_for_creator(*, creator: User) -> Stream | None:
    return (
        _stream_base()
        .filter(creator=creator, status=Stream.Status.LIVE, visibility=Stream.Visibility.PUBLIC)
        .order_by("-started_at")
        .first()
    )


@dataclass(frozen=True)
class NextBroadcast:
    """When a creator is next expected on air: a scheduled stream (``stream_id``) or a weekly schedule slot."""

    start: dt.datetime  # aware
    title: str
    stream_id: object = None


def _slot_next_start(slot: ScheduleSlot, now: dt.datetime) -> dt.datetime:
    """The slot's next start after ``now``, in the creator's time zone (wall-clock time across DST changes)."""
    zone = zoneinfo.ZoneInfo(slot.profile.timezone)
    today = now.astimezone(zone).date()
    day = today + dt.timedelta(days=(slot.weekday - today.weekday()) % 7)
    start = dt.datetime.combine(day, slot.start_time, tzinfo=zone)
    if start <= now:
        start = dt.datetime.combine(day + dt.timedelta(days=7), slot.start_time, tzinfo=zone)
    return start


def creator_next_broadcast(
    *, creator_id, exclude_stream_id=None, now: dt.datetime | None = None
) -> NextBroadcast | None:
    """The creator's next public scheduled stream or weekly schedule slot, whichever starts first; None without
    either. Two queries."""
    now = now or timezone.now()
    upcoming = (
        Stream.objects.filter(
            creator_id=creator_id,
            status=Stream.Status.SCHEDULED,
            visibility=Stream.Visibility.PUBLIC,
            scheduled_start_time__gt=now,
        )
        .exclude(pk=exclude_stream_id)
        .order_by("scheduled_start_time")
        .only("pk", "title", "scheduled_start_time")
        .first()
    )
    candidates = [
        NextBroadcast(start=_slot_next_start(slot, now), title=slot.title)
        for slot in ScheduleSlot.objects.filter(profile_id=creator_id).select_related("profile")
    ]
    if upcoming is not None:
        candidates.append(
            NextBroadcast(start=upcoming.scheduled_start_time, title=upcoming.title, stream_id=upcoming.pk)
        )
    return min(candidates, key=lambda candidate: candidate.start, default=None)


def creator_followed_by(*, creator_id, viewer) -> bool:
    """Whether ``viewer`` (any user, signed in or not) follows the creator."""
    if viewer is None or not viewer.is_authenticated or viewer.pk == creator_id:
        return False
    return Follow.objects.filter(creator_id=creator_id, follower=viewer).exists()


def category_tree() -> list[Category]:
    """Active top-level categories, each with ``child_nodes`` filled in (one query)."""
    categories = list(Category.objects.filter(is_active=True).select_related("parent"))
    by_parent: dict[int | None, list[Category]] = {}
    for category in categories:
        category.child_nodes = []
        by_parent.setdefault(category.parent_id, []).append(category)
    for category in categories:
        category.child_nodes = by_parent.get(category.pk, [])
    active_ids = {c.pk for c in categories}
    return [c for c in categories if c.parent_id is None or c.parent_id not in active_ids]


def creator_get(*, username: str, viewer=None) -> User:
    """A creator by username with ``follower_count``, ``follow`` (the viewer's, or None) and ``profile``; NotFound
    for no such active user."""
    users = User.objects.filter(username__iexact=username, is_active=True).annotate(
        follower_count=Count("followers", distinct=True)
    )
    user = users.select_related("creator_profile").first()
    if user is None:
        raise NotFound("No such creator.")
    try:
        user.profile = user.creator_profile
    except CreatorProfile.DoesNotExist:
        user.profile = CreatorProfile(user=user)  # never saved: defaults for a user who never set one up
    user.profile.slots = list(user.profile.schedule.all()) if user.profile.pk else []
    user.follow = None
    if viewer is not None and viewer.is_authenticated and viewer.pk != user.pk:
        user.follow = Follow.objects.filter(creator=user, follower=viewer).first()
    return user


# --- What search (discovery.search) reads: the sources of its stored documents, and the public streams. ---


def stream_search_sources(*, stream_ids: Iterable) -> list[dict]:
    """``{id, title, description, creator_id, tags}`` (tag names) of the given streams that exist. Two queries."""
    streams = list(Stream.objects.filter(pk__in=list(stream_ids)).values("id", "title", "description", "creator_id"))
    tags: dict = {}
    for stream_id, name in Stream.tags.through.objects.filter(stream_id__in=[s["id"] for s in streams]).values_list(
        "stream_id", "tag__name"
    ):
        tags.setdefault(stream_id, []).append(name)
    for stream in streams:
        stream["tags"] = sorted(tags.get(stream["id"], []))
    return streams


def stream_ids_all() -> list:
    """Every stream's id (for rebuilding search documents). One query."""
    return list(Stream.objects.order_by("pk").values_list("pk", flat=True))


def user_is_creator(*, user_id) -> bool:
    """Whether the user is a creator: has a creator profile or ever made a stream. At most two queries."""
    return CreatorProfile.objects.filter(user_id=user_id).exists() or Stream.objects.filter(creator_id=user_id).exists()


def creator_user_ids() -> list:
    """The ids of every creator (as ``user_is_creator``). One query."""
    profiles = CreatorProfile.objects.values_list("user_id", flat=True)
    return list(
        User.objects.filter(Q(pk__in=profiles) | Q(streams__isnull=False)).distinct().values_list("pk", flat=True)
    )


def users_search_sources(*, user_ids: Iterable) -> list[dict]:
    """``{id, username, display_name}`` of the given users. One query."""
    return list(User.objects.filter(pk__in=list(user_ids)).values("id", "username", "display_name"))


def stream_public_list(*, user=None) -> QuerySet[Stream]:
    """Every public stream (any status), with creator, category and tags loaded as the list's: what search may
    show. Private and unlisted streams never appear (their owner included, as in ``stream_list``)."""
    return _stream_base(user).filter(visibility=Stream.Visibility.PUBLIC)


CATEGORY_LIST_CACHE_SECONDS = 60


def category_active_list() -> list[Category]:
    """Every active category, parents loaded (for matching names in search). One query, or none within
    CATEGORY_LIST_CACHE_SECONDS of the last (staff edit the tree rarely; search may lag it a minute)."""
    categories = cache.get("streams:categories:active")
    if categories is None:
        categories = list(Category.objects.filter(is_active=True).select_related("parent"))
        cache.set("streams:categories:active", categories, CATEGORY_LIST_CACHE_SECONDS)
    return categories


def tag_public_counts(*, names: Iterable[str]) -> dict[str, int]:
    """How many public streams carry each of the tag ``names``. One query."""
    rows = (
        Stream.tags.through.objects.filter(tag__name__in=list(names), stream__visibility=Stream.Visibility.PUBLIC)
        .values("tag__name")
        .annotate(n=Count("stream_id"))
    )
    return {row["tag__name"]: row["n"] for row in rows}


def tag_names_matching(*, fragments: Iterable[str], limit: int) -> list[str]:
    """Tag names containing any of ``fragments`` that some public stream carries. One query."""
    condition = Q()
    for fragment in fragments:
        condition |= Q(name__contains=fragment)
    if not condition:
        return []
    tags = Tag.objects.filter(condition, streams__visibility=Stream.Visibility.PUBLIC).distinct()
    return list(tags.order_by("name").values_list("name", flat=True)[:limit])


def stream_public_q(*, through: str = "") -> Q:
    """The condition "the stream is public", for a query on another model reaching the stream by ``through``
    (such as ``"stream__"``): search narrows its own rows with it, in the same query."""
    return Q(**{f"{through}visibility": Stream.Visibility.PUBLIC})
