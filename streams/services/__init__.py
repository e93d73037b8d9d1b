"""Writes for streams, creators, follows and categories.

Each service validates the rules of the product, owns its transaction and
publishes room events only after commit.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from accounts.names import display_name_clean
from livestream.errors import Conflict, DomainError, InvalidTransition
from livestream.events import room_access_changed_on_commit, send_event_on_commit
from livestream.files import files_delete_on_commit
from livestream.images import image_process
from livestream.signals import follower_added, signal_on_commit, stream_scheduled, stream_went_live
from livestream.text import with_article
from streams.models import (
    Category,
    CreatorProfile,
    Follow,
    ScheduleSlot,
    Stream,
    Tag,
    Unfollow,
    ViewerSession,
    new_stream_key,
    tag_normalize,
)
from streams.services.media.publishing import live_stream_end, publisher_release
from streams.services.media.recordings import stream_files_delete_on_commit

TAG_MAX_LENGTH = 40
_TAG_ALLOWED = re.compile(r"^[\w][\w \-]*$", re.UNICODE)

# Image sizes kept on disk.
AVATAR_SIZE = (256, 256)
BANNER_SIZE = (1500, 500)
THUMBNAIL_SIZE = (1280, 720)


# --- Tags --------------------------------------------------------------------------


def tags_get_or_create(*, names: Iterable[str]) -> list[Tag]:
    """The Tag rows for ``names`` (normalised, de-duplicated, at most STREAM_MAX_TAGS)."""
    seen: dict[str, None] = {}  # linear dedupe, first-seen order
    for raw in names:
        name = tag_normalize(raw)
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH or not _TAG_ALLOWED.match(name):
            raise ValidationError(
                {"tags": [f"{raw!r} is not a valid tag: letters, digits, spaces, - and _, up to {TAG_MAX_LENGTH}."]}
            )
        seen[name] = None
        if len(seen) > settings.STREAM_MAX_TAGS:  # refused as soon as it is too many, not after the whole list
            raise ValidationError({"tags": [f"A stream has at most {settings.STREAM_MAX_TAGS} tags."]})
    normalized = list(seen)
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=normalized)}
    missing = [Tag(name=name) for name in normalized if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=normalized)}
    return [existing[name] for name in normalized]


# --- Streams -----------------------------------------------------------------------


def _category_by_slug(slug: str | None) -> Category | None:
    if slug in (None, ""):
        return None
    category = Category.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise ValidationError({"category": [f"Unknown category {slug!r}."]})
    return category


def _check_scheduled_start(value: datetime | None) -> None:
    if value is None:
        return
    if timezone.is_naive(value):
        raise ValidationError({"scheduled_start_time": ["Include a time zone (e.g. 2026-12-01T18:00:00+01:00)."]})
    if value <= timezone.now():
        raise ValidationError({"scheduled_start_time": ["The scheduled start must be in the future."]})


def _check_price(*, is_premium: bool, price_coins: int | None, price_sent: bool) -> None:
    """A premium stream has a price of at least one coin; a free one has none (say so before the database does)."""
    if is_premium and (price_coins is None or price_coins < 1):
        raise ValidationError(
            {
                "price_coins": ValidationError(
                    "A premium stream needs a price: set price_coins to what a viewer pays, at least 1 coin.",
                    code="price_required",
                )
            }
        )
    if not is_premium and price_sent and price_coins is not None:
        raise ValidationError(
            {
                "price_coins": ValidationError(
                    "Only a premium stream has a price: set is_premium to true as well, or leave price_coins out.",
                    code="price_without_premium",
                )
            }
        )


@transaction.atomic
def stream_create(
    *,
    creator: User,
    title: str,
    description: str = "",
    category: str | None = None,
    tags: Iterable[str] = (),
    scheduled_start_time: datetime | None = None,
    is_premium: bool = False,
    price_coins: int | None = None,
    allow_chat: bool = True,
    allow_gifts: bool = True,
    visibility: str = Stream.Visibility.PUBLIC,
    max_viewers: int | None = None,
    latency_mode: str = Stream.Latency.NORMAL,
) -> Stream:
    """Create a scheduled stream with a fresh secret stream key."""
    _check_scheduled_start(scheduled_start_time)
    _check_price(is_premium=is_premium, price_coins=price_coins, price_sent=True)
    stream = Stream(
        creator=creator,
        title=title.strip(),
        description=description.strip(),
        category=_category_by_slug(category),
        scheduled_start_time=scheduled_start_time,
        is_premium=is_premium,
        price_coins=price_coins,
        allow_chat=allow_chat,
        allow_gifts=allow_gifts,
        visibility=visibility,
        max_viewers=max_viewers,
        latency_mode=latency_mode,
    )
    stream.full_clean(exclude=["thumbnail", "stream_key"])
    tag_rows = tags_get_or_create(names=tags)
    stream.save()
    stream.tags.set(tag_rows)
    creator_profile_ensure(user=creator)
    if scheduled_start_time is not None:
        signal_on_commit(stream_scheduled, stream_id=stream.pk, creator_id=creator.pk)
    return stream


# Stream fields a live room is told about, under their chat_settings names.
ROOM_SETTINGS = {"allow_chat": "chat_enabled", "allow_gifts": "gifts_enabled"}
# Stream fields viewers see; a change is announced to the room as a stream_updated event.
ROOM_STREAM_FIELDS = ("title", "description", "category", "visibility", "is_premium", "price_coins", "latency_mode")

# What stream_update changes, in the order a form shows them (the API's serializer and the admin's form).
STREAM_EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "tags",
    "scheduled_start_time",
    "is_premium",
    "price_coins",
    "allow_chat",
    "allow_gifts",
    "visibility",
    "max_viewers",
    "latency_mode",
)
# Written as they come; category (a slug) and tags (names) are resolved to rows first.
_UPDATABLE = set(STREAM_EDITABLE_FIELDS) - {"category", "tags"}
# Fixed while an encoder publishes: they choose the HLS application (and its gate) the ladder writes to.
FIXED_WHILE_PUBLISHING = {"is_premium", "latency_mode"}


def stream_update_validate(*, stream: Stream, data: dict[str, Any]) -> None:
    """Refuse a change ``stream_update`` would refuse for the stream as it is now; writes nothing.

    The admin's change form asks this to show a refusal beside its field; ``stream_update`` asks it again
    under the row lock. Raises ValidationError (by field) or Conflict.
    """
    unknown = set(data) - set(STREAM_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: ["This field cannot be changed."] for field in sorted(unknown)})
    if "scheduled_start_time" in data and data["scheduled_start_time"] != stream.scheduled_start_time:
        if stream.status != Stream.Status.SCHEDULED:
            raise ValidationError({"scheduled_start_time": ["Only a scheduled stream can be rescheduled."]})
        _check_scheduled_start(data["scheduled_start_time"])
    if stream.publisher_client_id:
        changing = sorted(f for f in FIXED_WHILE_PUBLISHING & set(data) if data[f] != getattr(stream, f))
        if changing:
            raise Conflict(
                "Stop the broadcast to change " + " or ".join(changing) + ": it decides how the video is served.",
                code="stream_publishing",
            )
    _check_price(
        is_premium=data.get("is_premium", stream.is_premium),
        price_coins=data["price_coins"] if "price_coins" in data else stream.price_coins,
        price_sent="price_coins" in data,
    )


def stream_update(*, stream: Stream, data: dict[str, Any], announce: bool = True) -> Stream:
    """Change a stream's metadata; ``category`` is a slug and ``tags`` a list of names.

    All or nothing, under the stream's row lock. A free stream keeps no price. The room hears what its
    viewers see change (``stream_updated``: title, visibility, premium and price, ...) after commit, and
    the settings it cares about (chat and gifts switched on or off, ``chat_settings``) unless the caller
    (chat's own settings service) announces the whole set itself.
    """
    with transaction.atomic():
        stream = Stream.objects.select_for_update().get(pk=stream.pk)
        stream_update_validate(stream=stream, data=data)
        before = {field: _room_value(stream, field) for field in ROOM_STREAM_FIELDS}
        room_changes = {}
        for field in _UPDATABLE & set(data):
            value = data[field].strip() if field in {"title", "description"} else data[field]
            if field in ROOM_SETTINGS and getattr(stream, field) != value:
                room_changes[ROOM_SETTINGS[field]] = value
            setattr(stream, field, value)
        if not stream.is_premium:
            stream.price_coins = None
        if "category" in data:
            stream.category = _category_by_slug(data["category"])
        stream.full_clean(exclude=["thumbnail", "stream_key"])
        stream.save()
        if "tags" in data:
            stream.tags.set(tags_get_or_create(names=data["tags"]))
        if announce and room_changes and stream.status == Stream.Status.LIVE:
            # Viewers merge chat_settings keys into what they have (chat sends the full set).
            send_event_on_commit({"type": "chat_settings", **room_changes}, room=stream.pk)
        seen = {field: _room_value(stream, field) for field in ROOM_STREAM_FIELDS}
        changed = {field: value for field, value in seen.items() if value != before[field]}
        if changed and stream.status != Stream.Status.ENDED:
            # E.g. a live stream made private: its viewers learn why the picture is about to go.
            send_event_on_commit({"type": "stream_updated", **changed}, room=stream.pk)
            if {"visibility", "is_premium", "price_coins"} & set(changed):
                # Who may read the room changed: its sockets re-check, and those now shut out are closed.
                room_access_changed_on_commit(stream.pk, visibility=stream.visibility, is_premium=stream.is_premium)
    return stream


def _room_value(stream: Stream, field: str) -> Any:
    return stream.category.slug if field == "category" and stream.category_id else getattr(stream, field)


def stream_start(*, stream: Stream) -> Stream:
    """scheduled -> live; anything else is an InvalidTransition (409)."""
    with transaction.atomic():
        stream = Stream.objects.select_for_update().get(pk=stream.pk)
        if stream.status != Stream.Status.SCHEDULED:
            raise InvalidTransition(f"{with_article(stream.status).capitalize()} stream cannot be started.")
        stream.status = Stream.Status.LIVE
        stream.started_at = timezone.now()
        stream.save(update_fields=["status", "started_at", "updated_at"])
        send_event_on_commit({"type": "stream_status", "status": stream.status}, room=stream.pk)
        signal_on_commit(stream_went_live, stream_id=stream.pk, creator_id=stream.creator_id)
    return stream


def stream_stop(*, stream: Stream) -> Stream:
    """live -> ended; anything else is an InvalidTransition (409). Viewers are zeroed; a connected encoder is
    dropped (its publish_done then finds no publisher)."""
    with transaction.atomic():
        stream = Stream.objects.select_for_update().get(pk=stream.pk)
        if stream.status != Stream.Status.LIVE:
            raise InvalidTransition(f"{with_article(stream.status).capitalize()} stream cannot be stopped.")
        live_stream_end(stream=stream)
    return stream


STREAM_ACTIONS = {"start": stream_start, "stop": stream_stop}


def stream_apply_action(*, stream: Stream, action: str) -> Stream:
    """Run a lifecycle action by name ('start' or 'stop')."""
    try:
        service = STREAM_ACTIONS[action]
    except KeyError:
        raise DomainError(f"Unknown action {action!r}; use 'start' or 'stop'.", code="invalid_action") from None
    return service(stream=stream)


def stream_viewers_update(*, stream_id, count: int) -> None:
    """Store the live audience; the peak only ever rises. One UPDATE, no lock taken."""
    Stream.objects.filter(pk=stream_id, status=Stream.Status.LIVE).update(
        current_viewers=count, peak_viewers=Greatest("peak_viewers", count)
    )


def visitor_pseudonym(*, stream_id, visitor: str) -> str:
    """A signed-out viewer's key ("a:<client address>") as stored on their sessions: an HMAC of it and the
    stream under SECRET_KEY, so one person's sessions count once while the address itself is never kept, and
    the same address on two streams cannot be linked. Empty for an empty key."""
    if not visitor:
        return ""
    message = f"{stream_id}:{visitor}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def viewer_session_start(*, stream_id, user: User | None, visitor: str = "") -> ViewerSession:
    """Record that someone joined the stream's room: a signed-in ``user``, or a signed-out viewer known by
    ``visitor`` (their presence key, "a:<client address>"; kept only as its pseudonym)."""
    if user is not None and user.is_authenticated:
        return ViewerSession.objects.create(stream_id=stream_id, user=user)
    return ViewerSession.objects.create(
        stream_id=stream_id, visitor=visitor_pseudonym(stream_id=stream_id, visitor=visitor)
    )


def viewer_session_resume(*, session_id: int, stream_id) -> bool:
    """Reopen a session the same viewer left moments ago (a reconnect), instead of writing a new one."""
    return bool(ViewerSession.objects.filter(pk=session_id, stream_id=stream_id).update(left_at=None))


def viewer_session_end(*, session_id: int) -> None:
    """Close a viewer session, keeping how long they watched (from joining, across any reconnects)."""
    session = ViewerSession.objects.filter(pk=session_id).first()
    if session is None:
        return
    now = timezone.now()
    session.left_at = now
    session.watch_seconds = max(0, int((now - session.joined_at).total_seconds()))
    session.save(update_fields=["left_at", "watch_seconds"])


def stream_rotate_key(*, stream: Stream) -> Stream:
    """Issue a new secret stream key; the old one stops working at once.

    An encoder publishing with the old key is disconnected (a leaked key is the usual reason to rotate);
    the stream stays live for the reconnect grace period, for the creator to come back with the new key (where
    no worker can wait out that period, it ends: see publisher_release).
    """
    with transaction.atomic():
        stream = Stream.objects.select_for_update().get(pk=stream.pk)
        stream.stream_key = new_stream_key()
        stream.save(update_fields=["stream_key", "updated_at"])
        publisher_release(stream=stream, drop=True)
    return stream


def stream_delete(*, stream: Stream) -> None:
    """Delete a stream that is not live (a live one must be stopped first) and that no viewer has paid on: gifts
    sent to it and access bought to it are part of the ledger's story (the rows protect it), so such a stream is
    refused (Conflict ``stream_has_payments``; making it private hides it instead)."""
    with transaction.atomic():
        stream = Stream.objects.select_for_update().get(pk=stream.pk)
        if stream.status == Stream.Status.LIVE:
            raise InvalidTransition("Stop the live stream before deleting it.")
        stream_files_delete_on_commit(stream)  # discarded with the transaction when the delete is refused
        try:
            stream.delete()
        except ProtectedError as exc:  # the collector refuses before it deletes anything
            raise Conflict(
                "Viewers sent gifts or bought access on this stream, so it stays in their history: "
                "make it private to hide it instead.",
                code="stream_has_payments",
            ) from exc


# --- Creators ------------------------------------------------------------------------


def creator_profile_ensure(*, user: User) -> CreatorProfile:
    """The user's creator profile, created empty on first need."""
    profile, _ = CreatorProfile.objects.get_or_create(user=user)
    return profile


def _clean_social_links(links: Any) -> dict[str, str]:
    if not isinstance(links, dict):
        raise ValidationError({"social_links": ['Send an object such as {"x": "https://x.com/name"}.']})
    cleaned: dict[str, str] = {}
    for network, url in links.items():
        if network not in CreatorProfile.SOCIAL_NETWORKS:
            raise ValidationError(
                {"social_links": [f"Unknown network {network!r}; use {', '.join(CreatorProfile.SOCIAL_NETWORKS)}."]}
            )
        if url in (None, ""):
            continue
        parsed = urlparse(str(url))
        if parsed.scheme not in {"http", "https"} or not parsed.netloc or len(str(url)) > 300:
            raise ValidationError({"social_links": [f"The {network} link must be an http(s) address."]})
        cleaned[network] = str(url)
    return cleaned


_PROFILE_FIELDS = ("bio", "brand_colour", "timezone", "subscription_price_coins", "recording_retention_days")


def creator_profile_update(
    *,
    user: User,
    data: dict[str, Any],
    avatar=None,
    banner=None,
    schedule: list[dict[str, Any]] | None = None,
) -> CreatorProfile:
    """Update the caller's own creator profile: all of it, or nothing.

    ``display_name`` is kept on the user; images are validated, resized and re-encoded; ``schedule`` (when
    given) replaces the weekly slots whole. Everything is checked before anything is written; the user's
    name, the profile and the slots are then written in one transaction. New image files are stored first
    (object storage is a network call, made holding no lock) and removed again if the transaction rolls
    back; the files they replace are removed once it commits.
    """
    changes: dict[str, Any] = {field: data[field] for field in _PROFILE_FIELDS if field in data}
    if "social_links" in data:
        changes["social_links"] = _clean_social_links(data["social_links"])
    display_name = display_name_clean(data["display_name"]) if "display_name" in data else None
    # Checked on a copy of the profile as it is now; the rows are locked and written below.
    draft = CreatorProfile.objects.filter(user=user).first() or CreatorProfile(user=user)
    for field, value in changes.items():
        setattr(draft, field, value)
    draft.full_clean(exclude=["user", "avatar", "banner"])
    slot_rows = _schedule_rows(slots=schedule) if schedule is not None else None
    # Pillow work and storage writes before the transaction: they hold no locks.
    images = {}
    if avatar:
        images["avatar"] = image_process(avatar, size=AVATAR_SIZE, crop=True, field="avatar")
    if banner:
        images["banner"] = image_process(banner, size=BANNER_SIZE, crop=True, min_size=(300, 100), field="banner")
    storage = CreatorProfile._meta.get_field("avatar").storage
    new_files = {}
    try:
        for field, content in images.items():
            upload_to = CreatorProfile._meta.get_field(field).upload_to
            new_files[field] = storage.save(upload_to(draft, f"{field}.webp"), content)
        with transaction.atomic(durable=True):
            if display_name is not None:
                User.objects.filter(pk=user.pk).update(display_name=display_name)
            creator_profile_ensure(user=user)
            profile = CreatorProfile.objects.select_for_update().get(user=user)
            replaced = [getattr(profile, field).name for field in new_files]
            for field, value in {**changes, **new_files}.items():
                setattr(profile, field, value)
            profile.save()
            if slot_rows is not None:
                ScheduleSlot.objects.filter(profile=profile).delete()
                for row in slot_rows:
                    row.profile = profile
                ScheduleSlot.objects.bulk_create(slot_rows)
            files_delete_on_commit(replaced, storage=storage)  # robust: never raises once the update committed
    except BaseException:  # before or at the commit: the new files are named by no row
        for name in new_files.values():
            storage.delete(name)
        raise
    if display_name is not None:
        user.display_name = display_name
    return profile


def _schedule_rows(*, slots: list[dict[str, Any]]) -> list[ScheduleSlot]:
    """The weekly slots to store, each checked (the profile is set by the caller)."""
    if len(slots) > 50:
        raise ValidationError({"schedule": ["At most 50 weekly slots."]})
    rows = []
    for slot in slots:
        row = ScheduleSlot(
            weekday=slot["weekday"],
            start_time=slot["start_time"],
            duration_minutes=slot["duration_minutes"],
            title=slot.get("title", ""),
        )
        try:
            row.full_clean(exclude=["profile"])
        except ValidationError as exc:
            raise ValidationError({"schedule": exc.messages}) from exc
        rows.append(row)
    return rows


# --- Follows -------------------------------------------------------------------------

NOTIFICATION_CHOICES = ("go_live", "scheduled")


def follow_create(*, follower: User, creator: User, notifications: Iterable[str] | None = None) -> tuple[Follow, bool]:
    """Follow ``creator`` (or update what the follower is told); returns (follow, created).

    ``notifications`` is a subset of ('go_live', 'scheduled'); empty means none;
    omitted keeps the current preference (both for a new follow).
    """
    if follower.pk == creator.pk:
        raise DomainError("You cannot follow yourself.", code="cannot_follow_self")
    prefs = None
    if notifications is not None:
        notifications = set(notifications)
        unknown = notifications - set(NOTIFICATION_CHOICES)
        if unknown:
            raise ValidationError({"notifications": [f"Unknown notification {sorted(unknown)[0]!r}."]})
        prefs = {"notify_go_live": "go_live" in notifications, "notify_scheduled": "scheduled" in notifications}
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the race below must not spoil the outer transaction
                follow, created = Follow.objects.get_or_create(follower=follower, creator=creator, defaults=prefs or {})
        except IntegrityError:  # a concurrent follow won the race
            follow, created = Follow.objects.get(follower=follower, creator=creator), False
        if not created and prefs is not None:
            for field, value in prefs.items():
                setattr(follow, field, value)
            follow.save(update_fields=list(prefs))
        if created:
            signal_on_commit(follower_added, creator_id=creator.pk, follower_id=follower.pk)
    return follow, created


def follow_delete(*, follower: User, creator: User) -> bool:
    """Unfollow; returns whether there was a follow to remove. The ended follow is recorded (``Unfollow``: when
    it began and ended) so the creator's followers over time stay exact."""
    with transaction.atomic():
        follow = Follow.objects.select_for_update().filter(follower=follower, creator=creator).first()
        if follow is None:
            return False
        Unfollow.objects.create(follower=follower, creator=creator, followed_at=follow.created_at)
        follow.delete()
    return True
