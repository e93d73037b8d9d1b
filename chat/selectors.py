"""Reads for chat: history, who may moderate, the rules in force."""

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower, TruncDate, TruncMinute
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_payload
from chat.models import (
    STREAM_RULE_FIELDS,
    BlockedTerm,
    ChannelChatSettings,
    ChatBan,
    ChatMessage,
    ChatModerator,
    ChatSettings,
    Emote,
)
from livestream.errors import NotFound, PermissionDenied
from streams.models import Stream
from streams.selectors import stream_viewer_has_access, stream_visible_q, subscribers_active
from streams.selectors.media import REPLAY_PAGE_MAX, ReplayClock, ReplayPage, replay_before, replay_window

GLOBAL_TERMS_CACHE_KEY = "chat:blocked-terms"
EMOTE_SET_CACHE_KEY = "chat:emote-set"
HISTORY_MAX = 100
# A catch-up's deletions: as many as a page shows (chat.js keeps its newest 300 lines), newest messages first.
HISTORY_DELETED_MAX = 300
MENTIONABLE_MAX = 20
MENTIONABLE_RECENT_MESSAGES = 500  # "recent chatters": the authors of the stream's last this-many messages


def chat_history(
    *,
    stream: Stream,
    before: datetime | None = None,
    after: datetime | ChatMessage | None = None,
    limit: int = 50,
) -> list[ChatMessage]:
    """Newest first, deleted messages left out; ``before`` is an exclusive cursor. Two queries at most.

    ``after`` (a time, or a message of this stream) asks for what came after it, as a client catching up after
    a reconnect does: the OLDEST ``limit`` messages after the cursor (so asking again from the newest of them
    pages forward without a gap), still listed newest first. A message cursor is exclusive of that message and
    inclusive of its instant (another message stored in the same microsecond is not lost; clients dedupe by id).
    """
    limit = max(1, min(limit, HISTORY_MAX))
    messages = ChatMessage.objects.filter(stream=stream, deleted_at__isnull=True).select_related("user")
    if before is not None:
        messages = messages.filter(created_at__lt=before)
    if after is None:
        return list(messages.order_by("-created_at")[:limit])
    if isinstance(after, ChatMessage):
        messages = messages.filter(created_at__gte=after.created_at).exclude(pk=after.pk)
    else:
        messages = messages.filter(created_at__gt=after)
    return list(messages.order_by("created_at")[:limit])[::-1]


def chat_deleted_since(*, stream: Stream, after: datetime | ChatMessage) -> list[str]:
    """Ids of this stream's messages sent up to the cursor and deleted at or after it: what a client catching up
    after a reconnect (``after``, as for ``chat_history``) may still show but the room told others to remove while
    it was away. Its last message shown is the cursor; anything it missed was deleted after that message reached
    it, so no later than its ``created_at``. The newest HISTORY_DELETED_MAX messages, newest first. One query.
    """
    since = after.created_at if isinstance(after, ChatMessage) else after
    return [
        str(pk)
        for pk in ChatMessage.objects.filter(stream=stream, deleted_at__gte=since, created_at__lte=since)
        .order_by("-created_at")
        .values_list("pk", flat=True)[:HISTORY_DELETED_MAX]
    ]


def chat_message_of_stream(*, stream: Stream, message_id) -> ChatMessage | None:
    """A message of this stream, deleted or not (a cursor may name one deleted since), or None."""
    return ChatMessage.objects.filter(pk=message_id, stream=stream).first()


def chat_badges(role: str | None, *, subscribed: bool) -> list[str]:
    """A chat author's badges, as every client renders them: their role (creator, moderator, staff), then
    ``subscriber``. (Verified is the user's own ``is_verified``, not a badge of this room.)"""
    return ([role] if role else []) + (["subscriber"] if subscribed else [])


def chat_badges_attach(*, stream: Stream, messages: list[ChatMessage]) -> list[ChatMessage]:
    """Sets each stored message's ``badges`` as its author stands in the room now (a message sent live carries
    those of its moment): what the history and the replay show beside the name, as the live chat does. Two
    queries (moderators and subscribers among the authors), none for an empty list."""
    authors = {message.user_id for message in messages}
    if not authors:
        return messages
    # Moderators of this stream or of its creator's whole channel.
    moderating = set(
        ChatModerator.objects.filter(_in_scope(stream), user_id__in=authors).values_list("user_id", flat=True)
    )
    subscribed = subscribers_active(creator_id=stream.creator_id, subscriber_ids=authors)
    for message in messages:
        role = _role(
            creator_id=stream.creator_id,
            user=message.user,
            moderates=lambda message=message: message.user_id in moderating,
        )
        message.badges = chat_badges(role, subscribed=message.user_id in subscribed)
    return messages


def _replay_messages(clock: ReplayClock) -> QuerySet[ChatMessage]:
    # Deleted messages never replay: a moderator's delete, a ban's removal of its user's messages, a report upheld.
    return ChatMessage.objects.filter(stream_id=clock.recording.stream_id, deleted_at__isnull=True).select_related(
        "user"
    )


def chat_replay(*, clock: ReplayClock, start: Decimal, end: Decimal, limit: int = REPLAY_PAGE_MAX) -> ReplayPage:
    """A recording's chat from offset ``start`` to ``end`` as it was sent, oldest first, deleted messages left
    out, with their authors' badges; a full page says where the window continues (``replay_window``). Three
    queries."""
    page = replay_window(_replay_messages(clock), clock=clock, start=start, end=end, limit=limit)
    chat_badges_attach(stream=clock.recording.stream, messages=page.items)
    return page


def chat_replay_before(*, clock: ReplayClock, before: Decimal, limit: int = 50) -> list[ChatMessage]:
    """The newest ``limit`` visible messages of a recording before offset ``before``, oldest first: the chat a
    viewer who jumps there sees, with their authors' badges. Three queries."""
    messages = replay_before(_replay_messages(clock), clock=clock, before=before, limit=limit)
    return chat_badges_attach(stream=clock.recording.stream, messages=messages)


def chat_may_read(*, stream: Stream, user, role: str | None = None) -> bool:
    """Whether ``user`` may read this stream's chat (history, the room's events): as they may watch its video.

    Free streams are open; a premium one to its creator, moderators, staff, buyers and the creator's
    subscribers. ``role`` is their chat_role when the caller knows it already.
    """
    if not stream.is_premium:
        return True
    return (role or chat_role(stream=stream, user=user)) is not None or stream_viewer_has_access(stream, user)


def chat_require_reader(*, stream: Stream, user) -> None:
    """PermissionDenied (premium_required) for a viewer without access to a premium stream's chat."""
    if not chat_may_read(stream=stream, user=user):
        raise PermissionDenied("Chat on a premium stream is for viewers with access.", code="premium_required")


def chat_message_get(*, stream: Stream, message_id) -> ChatMessage:
    """A visible (not deleted) message of this stream; NotFound otherwise."""
    message = ChatMessage.objects.filter(pk=message_id, stream=stream, deleted_at__isnull=True).first()
    if message is None:
        raise NotFound("No such message.")
    return message


def _in_scope(stream: Stream) -> Q:
    """Rows (moderators, bans) that hold in this stream: its own and its creator's channel's."""
    return Q(stream_id=stream.pk) | Q(creator_id=stream.creator_id)


def chat_is_moderator(*, stream: Stream, user) -> bool:
    """Whether the user moderates this stream: as its moderator or as a moderator of its creator's channel. One
    query on the user's own rows."""
    if user is None or not user.is_authenticated:
        return False
    return ChatModerator.objects.filter(_in_scope(stream), user=user).exists()


def _role(*, creator_id, user, moderates: Callable[[], bool]) -> str | None:
    """The rule of who moderates; ``moderates`` says whether a ChatModerator row names them (asked only if needed)."""
    if user is None or not user.is_authenticated:
        return None
    if user.pk == creator_id:
        return "creator"
    if moderates():
        return "moderator"
    if user.is_staff:
        return "staff"
    return None


def chat_role(*, stream: Stream, user) -> str | None:
    """'creator', 'staff', 'moderator' or None: who may moderate this stream's chat (a channel moderator moderates
    every stream of the channel)."""
    return _role(creator_id=stream.creator_id, user=user, moderates=lambda: chat_is_moderator(stream=stream, user=user))


def chat_roles(*, pairs: Iterable[tuple[Stream, User]]) -> dict[tuple, str | None]:
    """chat_role of many (stream, user) pairs in one query, keyed by (stream id, user id)."""
    pairs = list(pairs)
    of_streams, of_channels = set(), set()
    if pairs:
        rows = ChatModerator.objects.filter(
            Q(stream_id__in={stream.pk for stream, _ in pairs}) | Q(creator_id__in={s.creator_id for s, _ in pairs}),
            user_id__in={user.pk for _, user in pairs},
        ).values_list("stream_id", "creator_id", "user_id")
        for stream_id, creator_id, user_id in rows:
            if stream_id is not None:
                of_streams.add((stream_id, user_id))
            else:
                of_channels.add((creator_id, user_id))
    roles = {}
    for stream, user in pairs:
        key = (stream.pk, user.pk)
        roles[key] = _role(
            creator_id=stream.creator_id,
            user=user,
            moderates=lambda key=key, stream=stream: key in of_streams or (stream.creator_id, key[1]) in of_channels,
        )
    return roles


def chat_channel_role(*, creator: User, user) -> str | None:
    """'creator', 'moderator' (of the channel), 'staff' or None: who may moderate a creator's whole channel."""
    return _role(
        creator_id=creator.pk,
        user=user,
        moderates=lambda: ChatModerator.objects.filter(creator=creator, user=user).exists(),
    )


def chat_channel_settings_of(creator_id) -> ChannelChatSettings:
    """A creator's channel chat settings, or unsaved defaults when they never set any. One query."""
    return ChannelChatSettings.objects.filter(creator_id=creator_id).first() or ChannelChatSettings(
        creator_id=creator_id
    )


def _channel_rules(stream: Stream) -> ChannelChatSettings:
    """The channel settings of the stream's creator: from ``select_related("creator__channel_chat_settings")``
    when the caller loaded them, else one query; remembered on the stream object."""
    rules = getattr(stream, "_channel_rules", None)
    if rules is None:
        if Stream.creator.is_cached(stream):
            try:
                rules = stream.creator.channel_chat_settings
            except ChannelChatSettings.DoesNotExist:
                rules = ChannelChatSettings(creator_id=stream.creator_id)
        else:
            rules = chat_channel_settings_of(stream.creator_id)
        stream._channel_rules = rules
    return rules


def chat_channel_blocked_terms(stream: Stream) -> list[str]:
    """The blocked terms of the stream's creator's channel (they hold in all of the channel's streams)."""
    return _channel_rules(stream).blocked_terms


def chat_settings_of(stream: Stream) -> ChatSettings:
    """The stream's chat settings; when nobody set the stream's own, unsaved ones with its channel's rules (the
    rules every new stream starts with) and no stream terms of its own."""
    try:
        return stream.chat_settings
    except ChatSettings.DoesNotExist:
        channel = _channel_rules(stream)
        return ChatSettings(stream=stream, **{field: getattr(channel, field) for field in STREAM_RULE_FIELDS})


def chat_settings_payload(stream: Stream, chat_settings: ChatSettings | ChannelChatSettings | None = None) -> dict:
    """The `chat_settings` event and the settings API body (blocked terms only for moderators); ``chat_settings``
    the rules in force, the stream's own or (applied to it) its channel's."""
    chat_settings = chat_settings or chat_settings_of(stream)
    return {
        "chat_enabled": stream.allow_chat,
        "gifts_enabled": stream.allow_gifts,
        **chat_rules_payload(chat_settings),
    }


def chat_rules_payload(rules: ChatSettings | ChannelChatSettings) -> dict:
    """The rules of a stream or a channel as the API and the socket name them (terms apart)."""
    return {
        "slow_mode": rules.slow_mode_seconds,
        "followers_only": rules.followers_only,
        "followers_min_minutes": rules.followers_min_minutes,
        "emote_only": rules.emote_only,
        "block_links": rules.block_links,
    }


def chat_active_ban(*, stream: Stream, user: User) -> ChatBan | None:
    """The ban or timeout that keeps the user out of this stream's chat (the stream's own or its channel's), the
    longest first; None. One query on the user's own rows."""
    return (
        ChatBan.objects.filter(_in_scope(stream), user=user)
        .exclude(expires_at__lte=timezone.now())
        .order_by(F("expires_at").desc(nulls_first=True))
        .first()
    )


def chat_bans(*, stream: Stream) -> QuerySet[ChatBan]:
    """The stream's own bans and timeouts in force (its channel's are listed by chat_channel_bans)."""
    return (
        ChatBan.objects.filter(stream=stream)
        .exclude(expires_at__lte=timezone.now())
        .select_related("user", "moderator")
        .order_by("-created_at")
    )


def chat_moderators(*, stream: Stream) -> QuerySet[ChatModerator]:
    """The stream's own moderators (its channel's are listed by chat_channel_moderators)."""
    return ChatModerator.objects.filter(stream=stream).select_related("user").order_by("created_at")


def chat_channel_bans(*, creator: User) -> QuerySet[ChatBan]:
    """The channel's bans and timeouts in force, newest first."""
    return (
        ChatBan.objects.filter(creator=creator)
        .exclude(expires_at__lte=timezone.now())
        .select_related("user", "moderator")
        .order_by("-created_at", "-pk")
    )


def chat_channel_moderators(*, creator: User) -> QuerySet[ChatModerator]:
    """The channel's moderators, longest-serving first."""
    return ChatModerator.objects.filter(creator=creator).select_related("user").order_by("created_at", "pk")


def chat_global_blocked_terms() -> list[str]:
    """Staff's platform-wide blocked terms, cached for a minute (admin saves clear it)."""
    terms = cache.get(GLOBAL_TERMS_CACHE_KEY)
    if terms is None:
        terms = list(BlockedTerm.objects.filter(is_active=True).values_list("term", flat=True))
        cache.set(GLOBAL_TERMS_CACHE_KEY, terms, 60)
    return terms


def chat_message_payload(message: ChatMessage, badges: list[str] | None = None) -> dict:
    """A message as every client sees it, over the socket and over REST alike; ``badges`` default to those
    ``chat_badges_attach`` (or the sending service) set on it."""
    return {
        "id": str(message.pk),
        "user": user_payload(message.user, badges if badges is not None else getattr(message, "badges", None)),
        "content": message.content,
        "message_type": message.message_type,
        "mentions": message.mentions,
        "created_at": message.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }


def chat_room_open(*, stream_id, user) -> dict | None:
    """What a socket needs to join a stream's room, or None if there is no such stream the user may see.

    ``stream_id`` is as the client spelt it (any text); ``stream_id`` in the answer is the canonical
    spelling, the room's name.
    """
    try:
        stream_id = uuid.UUID(str(stream_id))
    except ValueError:
        return None
    stream = (
        Stream.objects.select_related("chat_settings", "creator__channel_chat_settings")
        .filter(stream_visible_q(user), pk=stream_id)
        .first()
    )
    if stream is None:
        return None
    role = chat_role(stream=stream, user=user)
    return {
        "stream_id": str(stream.pk),
        "creator_id": str(stream.creator_id),
        "status": stream.status,
        "visibility": stream.visibility,
        "max_viewers": stream.max_viewers,
        "role": role,
        "may_read": chat_may_read(stream=stream, user=user, role=role),
        "settings": chat_settings_payload(stream),
    }


def chat_emote_set() -> list[dict]:
    """Staff's active emotes as clients render them, ``[{"code", "image_url"}]`` in their order.

    Cached for a minute; admin saves clear it (``chat.services.emotes_changed``). The images are served from
    our own media (the re-encoded WebP the admin stored).
    """
    emotes = cache.get(EMOTE_SET_CACHE_KEY)
    if emotes is None:
        emotes = [
            {"code": emote.code, "image_url": emote.image.url}
            for emote in Emote.objects.filter(is_active=True).exclude(image="")
        ]
        cache.set(EMOTE_SET_CACHE_KEY, emotes, 60)
    return emotes


def chat_mentionable(*, stream: Stream, prefix: str, limit: int = 8) -> list[User]:
    """Who a viewer may be suggesting with ``@prefix`` in this stream's chat: its creator, its moderators and
    its recent chatters (the authors of its last MENTIONABLE_RECENT_MESSAGES messages), active accounts only,
    whose username or display name starts with ``prefix`` (any case). Creator first, then moderators, then
    chatters, each by username; at most ``limit`` (MENTIONABLE_MAX). One query.

    Never the platform's whole user list: a name typed here finds only people already in this room.
    """
    prefix = prefix.strip().lstrip("@")
    if not prefix:
        return []
    limit = max(1, min(limit, MENTIONABLE_MAX))
    recent = (
        ChatMessage.objects.filter(stream=stream, deleted_at__isnull=True)
        .order_by("-created_at")
        .values("user_id")[:MENTIONABLE_RECENT_MESSAGES]
    )
    moderators = ChatModerator.objects.filter(_in_scope(stream)).values("user_id")
    group = Case(
        When(pk=stream.creator_id, then=Value(0)),
        When(pk__in=moderators, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(pk=stream.creator_id) | Q(pk__in=moderators) | Q(pk__in=recent))
        .filter(Q(username__istartswith=prefix) | Q(display_name__istartswith=prefix))
        .annotate(mention_group=group)
        .order_by("mention_group", Lower("username"))[:limit]
    )


# --- Analytics: what the analytics app rolls up (chat messages shown, i.e. not deleted) ---------------------


def _shown_messages(*, start: datetime, end: datetime) -> QuerySet[ChatMessage]:
    return ChatMessage.objects.filter(deleted_at__isnull=True, created_at__gte=start, created_at__lt=end)


def chat_counts_by_minute(*, stream_id, start: datetime, end: datetime) -> dict[datetime, int]:
    """The stream's chat messages (deleted ones left out) sent in [start, end), by minute. One query on the
    history index."""
    rows = (
        _shown_messages(start=start, end=end)
        .filter(stream_id=stream_id)
        .annotate(minute=TruncMinute("created_at"))
        .values("minute")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["minute"]: row["n"] for row in rows}


def chat_counts_by_day(*, creator_id, start: datetime, end: datetime, tzinfo) -> dict:
    """Chat messages (deleted ones left out) on the creator's streams sent in [start, end), by day in
    ``tzinfo``."""
    rows = (
        _shown_messages(start=start, end=end)
        .filter(stream__creator_id=creator_id)
        .annotate(day=TruncDate("created_at", tzinfo=tzinfo))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["day"]: row["n"] for row in rows}


def chat_top_chatters(*, stream_id, start: datetime, end: datetime, limit: int = 10) -> list[dict]:
    """The stream's most active chatters in [start, end): ``{"rank", "user", "messages"}``, most first. Two
    queries."""
    rows = list(
        _shown_messages(start=start, end=end)
        .filter(stream_id=stream_id)
        .values("user")
        .annotate(messages=Count("pk"))
        .order_by("-messages", "user")[:limit]
    )
    users = User.objects.in_bulk([row["user"] for row in rows])
    return [
        {"rank": rank, "user": user_payload(users[row["user"]]), "messages": row["messages"]}
        for rank, row in enumerate(rows, start=1)
        if row["user"] in users
    ]


# --- Discovery: chat velocity for the trending score ------------------------------------------------------


def chat_counts_by_stream(*, stream_ids: Iterable, start: datetime, end: datetime) -> dict:
    """Chat messages (deleted ones left out) sent in [start, end) to each of ``stream_ids``. One query."""
    stream_ids = list(stream_ids)
    if not stream_ids:
        return {}
    rows = (
        _shown_messages(start=start, end=end)
        .filter(stream_id__in=stream_ids)
        .values("stream_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["stream_id"]: row["n"] for row in rows}
