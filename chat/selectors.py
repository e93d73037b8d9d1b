"""Reads for chat: history, who may moderate, the rules in force."""

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_payload
from chat.models import BlockedTerm, ChatBan, ChatMessage, ChatModerator, ChatSettings
from livestream.errors import NotFound, PermissionDenied
from streams.models import Stream
from streams.selectors import stream_viewer_has_access, stream_visible_q

GLOBAL_TERMS_CACHE_KEY = "chat:blocked-terms"
HISTORY_MAX = 100


def chat_history(*, stream: Stream, before: datetime | None = None, limit: int = 50) -> list[ChatMessage]:
    """Newest first, deleted messages left out; ``before`` is an exclusive cursor. Two queries at most."""
    messages = ChatMessage.objects.filter(stream=stream, deleted_at__isnull=True).select_related("user")
    if before is not None:
        messages = messages.filter(created_at__lt=before)
    return list(messages.order_by("-created_at")[: max(1, min(limit, HISTORY_MAX))])


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


def chat_is_moderator(*, stream: Stream, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return ChatModerator.objects.filter(stream=stream, user=user).exists()


def _role(*, stream: Stream, user, moderates: Callable[[], bool]) -> str | None:
    """The rule of who moderates; ``moderates`` says whether a ChatModerator row names them (asked only if needed)."""
    if user is None or not user.is_authenticated:
        return None
    if user.pk == stream.creator_id:
        return "creator"
    if moderates():
        return "moderator"
    if user.is_staff:
        return "staff"
    return None


def chat_role(*, stream: Stream, user) -> str | None:
    """'creator', 'staff', 'moderator' or None: who may moderate this stream's chat."""
    return _role(stream=stream, user=user, moderates=lambda: chat_is_moderator(stream=stream, user=user))


def chat_roles(*, pairs: Iterable[tuple[Stream, User]]) -> dict[tuple, str | None]:
    """chat_role of many (stream, user) pairs in one query, keyed by (stream id, user id)."""
    pairs = list(pairs)
    moderating = set()
    if pairs:
        moderating = set(
            ChatModerator.objects.filter(
                stream_id__in={stream.pk for stream, _ in pairs}, user_id__in={user.pk for _, user in pairs}
            ).values_list("stream_id", "user_id")
        )
    roles = {}
    for stream, user in pairs:
        key = (stream.pk, user.pk)
        roles[key] = _role(stream=stream, user=user, moderates=lambda key=key: key in moderating)
    return roles


def chat_settings_of(stream: Stream) -> ChatSettings:
    """The stream's chat settings, or unsaved defaults when nobody changed them."""
    try:
        return stream.chat_settings
    except ChatSettings.DoesNotExist:
        return ChatSettings(stream=stream)


def chat_settings_payload(stream: Stream, chat_settings: ChatSettings | None = None) -> dict:
    """The `chat_settings` event and the settings API body (blocked terms only for moderators)."""
    chat_settings = chat_settings or chat_settings_of(stream)
    return {
        "chat_enabled": stream.allow_chat,
        "gifts_enabled": stream.allow_gifts,
        "slow_mode": chat_settings.slow_mode_seconds,
        "followers_only": chat_settings.followers_only,
        "followers_min_minutes": chat_settings.followers_min_minutes,
        "emote_only": chat_settings.emote_only,
        "block_links": chat_settings.block_links,
    }


def chat_active_ban(*, stream: Stream, user: User) -> ChatBan | None:
    return ChatBan.objects.filter(stream=stream, user=user).exclude(expires_at__lte=timezone.now()).first()


def chat_bans(*, stream: Stream) -> QuerySet[ChatBan]:
    return (
        ChatBan.objects.filter(stream=stream)
        .exclude(expires_at__lte=timezone.now())
        .select_related("user", "moderator")
        .order_by("-created_at")
    )


def chat_moderators(*, stream: Stream) -> QuerySet[ChatModerator]:
    return ChatModerator.objects.filter(stream=stream).select_related("user").order_by("created_at")


def chat_global_blocked_terms() -> list[str]:
    """Staff's platform-wide blocked terms, cached for a minute (admin saves clear it)."""
    terms = cache.get(GLOBAL_TERMS_CACHE_KEY)
    if terms is None:
        terms = list(BlockedTerm.objects.filter(is_active=True).values_list("term", flat=True))
        cache.set(GLOBAL_TERMS_CACHE_KEY, terms, 60)
    return terms


def chat_message_payload(message: ChatMessage, badges: list[str] | None = None) -> dict:
    """A message as every client sees it, over the socket and over REST alike."""
    return {
        "id": str(message.pk),
        "user": user_payload(message.user, badges),
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
    stream = Stream.objects.select_related("chat_settings").filter(stream_visible_q(user), pk=stream_id).first()
    if stream is None:
        return None
    role = chat_role(stream=stream, user=user)
    return {
        "stream_id": str(stream.pk),
        "status": stream.status,
        "max_viewers": stream.max_viewers,
        "role": role,
        "may_read": chat_may_read(stream=stream, user=user, role=role),
        "settings": chat_settings_payload(stream),
    }
