"""Writes for chat: sending, deleting, moderators, bans, settings, reports.

Every rule (chat on/off, bans, followers-only, emote-only, filters, flood and
slow mode) is checked here, so a message sent over the socket and one POSTed
over REST meet exactly the same rules. Broadcasts run after commit.
"""

import math
import re
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from chat.emotes import is_emotes_only
from chat.links import first_link
from chat.models import ChatBan, ChatMessage, ChatModerator, ChatSettings, MessageReport
from chat.selectors import (
    EMOTE_SET_CACHE_KEY,
    GLOBAL_TERMS_CACHE_KEY,
    chat_active_ban,
    chat_badges,
    chat_global_blocked_terms,
    chat_message_payload,
    chat_role,
    chat_roles,
    chat_settings_of,
    chat_settings_payload,
)
from livestream import errors
from livestream.events import send_event_on_commit
from streams.models import Follow, Stream
from streams.selectors import stream_viewer_has_access, subscription_active
from streams.services import stream_update

MAX_LENGTH = 500
MAX_MENTIONS = 20
MAX_TERMS = 200


def chat_error_event(exc: errors.DomainError) -> dict[str, Any]:
    """The `error` event a WebSocket client gets for a refusal."""
    return {"type": "error", **exc.as_dict()}


def _duration(seconds: float) -> str:
    """A wait in words, rounded up: "45 s", "10 min", "3 h", "2 days"."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if (minutes := math.ceil(seconds / 60)) < 60:
        return f"{minutes} min"
    if (hours := math.ceil(seconds / 3600)) < 24:
        return f"{hours} h"
    days = math.ceil(seconds / 86400)
    return "1 day" if days == 1 else f"{days} days"


def chat_ban_error(ban: ChatBan, *, just_now: bool = False) -> errors.PermissionDenied:
    """What a ban tells its user: ``banned`` (for good), or ``timed_out`` with ``until`` and ``retry_after``.

    ``just_now``: the words for the moment it is imposed (the event on the user's sockets).
    """
    reason = f" Reason: {ban.reason}" if ban.reason else ""
    if ban.expires_at is None:
        words = "You have been banned from this chat." if just_now else "You are banned from this chat."
        return errors.PermissionDenied(words + reason, code="banned")
    remaining = (ban.expires_at - timezone.now()).total_seconds()
    words = "You have been timed out in this chat" if just_now else "You are timed out in this chat"
    return errors.PermissionDenied(
        f"{words} for {_duration(remaining)}.{reason}", code="timed_out", until=ban.expires_at, retry_after=remaining
    )


def _terms_pattern(terms: Iterable[str]) -> re.Pattern | None:
    cleaned = sorted({term.strip().casefold() for term in terms if term and term.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(term) for term in cleaned) + r")(?!\w)")


def _check_rate(*, stream_id, user_id) -> None:
    """Flood protection: at most CHAT_RATE_MESSAGES per CHAT_RATE_SECONDS per user per stream."""
    limit, window = settings.CHAT_RATE_MESSAGES, settings.CHAT_RATE_SECONDS
    bucket = int(time.time() // window)
    key = f"chat:rate:{stream_id}:{user_id}:{bucket}"
    if cache.add(key, 1, timeout=window + 1):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return
    if count > limit:
        wait = window - (time.time() % window)
        raise errors.RateLimited(
            f"You are sending messages too fast; wait {max(1, round(wait))} s.", code="rate_limited", retry_after=wait
        )


def _check_slow_mode(*, stream_id, user_id, seconds: int) -> None:
    if seconds <= 0:
        return
    key = f"chat:slow:{stream_id}:{user_id}"
    now = time.time()
    if cache.add(key, now, timeout=seconds):
        return
    last = cache.get(key) or now
    wait = max(0.0, seconds - (now - last))
    if wait <= 0:
        cache.set(key, now, timeout=seconds)
        return
    raise errors.RateLimited(f"Slow mode is on: one message every {seconds} s.", code="slow_mode", retry_after=wait)


def _clean_mentions(mentions: list | tuple) -> list[str]:
    # The length is the first thing looked at (a 40,000-id list is refused without reading an id), and the
    # dedupe is linear (a dict keeps the first-seen order).
    if len(mentions) > MAX_MENTIONS:
        raise ValidationError({"mentions": [f"At most {MAX_MENTIONS} mentions."]})
    seen: dict[str, None] = {}
    for raw in mentions:
        try:
            value = str(uuid.UUID(str(raw)))
        except (ValueError, TypeError):
            raise ValidationError({"mentions": [f"{str(raw)[:64]!r} is not a user id."]}) from None
        seen[value] = None
    ids = list(seen)
    if ids:
        known = {str(pk) for pk in User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)}
        unknown = [value for value in ids if value not in known]
        if unknown:
            raise ValidationError({"mentions": [f"Unknown user {unknown[0]}."]})
    return ids


# "@name" where a username may start (not inside an e-mail address or a word); Django's usernames are
# letters, digits and . + - _ (and @, which a mention cannot carry). A full stop ending the sentence is not part of it.
_MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]{1,150})")


def _mentioned_usernames(content: str) -> list[str]:
    """The first MAX_MENTIONS distinct ``@username``s of ``content``, folded to lower case, in order."""
    names: dict[str, None] = {}
    for match in _MENTION.finditer(content):
        name = match.group(1).rstrip(".").lower()
        if name:
            names[name] = None
            if len(names) == MAX_MENTIONS:
                break
    return list(names)


def _resolve_mentions(*, content: str, mention_ids: list[str]) -> list[str]:
    """The message's mentions: the ids the client sent, then the active users its ``@username``s name (any
    case; names nobody has are plain text), deduplicated, at most MAX_MENTIONS. One query, none without an @."""
    names = _mentioned_usernames(content) if "@" in content else []
    if not names:
        return mention_ids
    found = dict(
        User.objects.filter(is_active=True)
        .annotate(folded=Lower("username"))
        .filter(folded__in=names)
        .values_list("folded", "pk")
    )
    ids = dict.fromkeys(mention_ids)
    for name in names:
        if name in found:
            ids[str(found[name])] = None
    return list(ids)[:MAX_MENTIONS]


def chat_message_send(
    *,
    stream_id,
    user: User,
    content: str,
    message_type: str = ChatMessage.Type.TEXT,
    mentions: Iterable[Any] = (),
) -> ChatMessage:
    """Store a chat message and, after commit, send it to the whole room.

    ``mentions`` are user ids; the server adds the users the content names as ``@username`` (at most
    MAX_MENTIONS in all). Raises a DomainError (with a contract ``code``) when a rule refuses it and
    ValidationError for malformed input; nothing is stored then.
    """
    if user is None or not user.is_authenticated:
        raise errors.NotAuthenticated("Sign in to chat.")
    if not isinstance(content, str):
        raise ValidationError({"content": ["Send the message as text."]})
    content = content.strip()
    if not content:
        raise ValidationError({"content": ["The message is empty."]})
    if len(content) > MAX_LENGTH:
        raise ValidationError({"content": [f"At most {MAX_LENGTH} characters."]})
    if message_type not in ChatMessage.Type.values:
        raise ValidationError({"message_type": ["Use 'text' or 'emote'."]})
    if not isinstance(mentions, list | tuple):
        raise ValidationError({"mentions": ["Send a list of user ids."]})

    stream = Stream.objects.select_related("chat_settings").filter(pk=stream_id).first()
    if stream is None:
        raise errors.NotFound("No such stream.")
    if not stream.allow_chat:
        raise errors.PermissionDenied("Chat is turned off for this stream.", code="chat_disabled")
    if stream.status == Stream.Status.ENDED:
        raise errors.PermissionDenied("This stream has ended; its chat is closed.", code="chat_disabled")
    rules = chat_settings_of(stream)
    role = chat_role(stream=stream, user=user)
    subscribed = subscription_active(subscriber=user, creator_id=stream.creator_id)
    if role is None and stream.is_premium and not subscribed and not stream_viewer_has_access(stream, user):
        raise errors.PermissionDenied("Chat on a premium stream is for viewers with access.", code="premium_required")
    if role is None:
        ban = chat_active_ban(stream=stream, user=user)
        if ban is not None:
            raise chat_ban_error(ban)
        if rules.followers_only:
            cutoff = timezone.now() - timedelta(minutes=rules.followers_min_minutes)
            if not Follow.objects.filter(follower=user, creator_id=stream.creator_id, created_at__lte=cutoff).exists():
                minutes = rules.followers_min_minutes
                detail = "Only followers can chat" + (
                    f" once they have followed for {minutes} min." if minutes else "."
                )
                raise errors.PermissionDenied(detail, code="followers_only")
        if rules.emote_only and not is_emotes_only(content):
            raise errors.DomainError("Emote-only mode is on: send emoji and emotes only.", code="emote_only")
        folded = content.casefold()
        for pattern in (_terms_pattern(chat_global_blocked_terms()), _terms_pattern(rules.blocked_terms)):
            if pattern is not None and pattern.search(folded):
                raise errors.DomainError("Your message contains a blocked term.", code="message_blocked")
        if rules.block_links and (link := first_link(content)) is not None:
            raise errors.DomainError(
                f"Links are not allowed in this chat, and “{link}” reads as one.", code="message_blocked"
            )
        _check_rate(stream_id=stream.pk, user_id=user.pk)
    mention_ids = _resolve_mentions(content=content, mention_ids=_clean_mentions(mentions))
    if role is None:
        _check_slow_mode(stream_id=stream.pk, user_id=user.pk, seconds=rules.slow_mode_seconds)

    with transaction.atomic():
        message = ChatMessage.objects.create(
            stream=stream, user=user, content=content, message_type=message_type, mentions=mention_ids
        )
        message.badges = chat_badges(role, subscribed=subscribed)
        send_event_on_commit(
            {"type": "chat_message", "message": chat_message_payload(message, message.badges)}, room=stream.pk
        )
    return message


def chat_require_moderator(*, stream: Stream, actor: User) -> str:
    """The actor's role on this stream's chat (creator, moderator, staff); PermissionDenied for anyone else.

    The one check of who may moderate, for the services below and for the API's moderator-only reads.
    """
    role = chat_role(stream=stream, user=actor)
    if role is None:
        raise errors.PermissionDenied("Only the creator, moderators and staff can do that.")
    return role


def _messages_delete(*, messages: Iterable[ChatMessage], actor: User) -> int:
    """Soft-delete these messages (those not deleted yet) in one write and tell each room after commit; returns
    how many. Caller holds the transaction and the messages' row locks (so nobody else deletes them meanwhile)."""
    live = [message for message in messages if message.deleted_at is None]
    if live:
        ChatMessage.objects.filter(pk__in=[message.pk for message in live]).update(
            deleted_at=timezone.now(), deleted_by=actor
        )
    for message in live:
        send_event_on_commit({"type": "message_deleted", "message_id": str(message.pk)}, room=message.stream_id)
    return len(live)


def chat_message_delete(*, stream: Stream, message_id, actor: User) -> None:
    """Soft-delete a message (creator, moderators, staff) and tell the room."""
    chat_require_moderator(stream=stream, actor=actor)
    with transaction.atomic():
        locked = ChatMessage.objects.select_for_update().filter(pk=message_id, stream_id=stream.pk)
        if not _messages_delete(messages=locked, actor=actor):
            raise errors.NotFound("No such message.")


def chat_moderator_add(*, stream: Stream, actor: User, user: User) -> tuple[ChatModerator, bool]:
    """The creator (or staff) appoints a moderator; returns (moderator, created).

    A new moderator's ban here is lifted in the same transaction: never a moderator who is still banned.
    """
    if actor.pk != stream.creator_id and not actor.is_staff:
        raise errors.PermissionDenied("Only the creator appoints moderators.")
    if user.pk == stream.creator_id:
        raise errors.DomainError("The creator already moderates their stream.", code="invalid_moderator")
    with transaction.atomic():
        # get_or_create survives a concurrent appointment (its create runs in a savepoint, then it reads).
        moderator, created = ChatModerator.objects.get_or_create(
            stream=stream, user=user, defaults={"appointed_by": actor}
        )
        if created:
            ChatBan.objects.filter(stream=stream, user=user).delete()
    return moderator, created


def chat_moderator_remove(*, stream: Stream, actor: User, user: User) -> None:
    if actor.pk != stream.creator_id and not actor.is_staff:
        raise errors.PermissionDenied("Only the creator removes moderators.")
    if not ChatModerator.objects.filter(stream=stream, user=user).delete()[0]:
        raise errors.NotFound("That user is not a moderator here.")


def _ban_write(*, stream: Stream, actor: User, user: User, expires_at, reason: str) -> ChatBan:
    """Store the ban (or timeout) and, after commit, tell its user on every socket. Caller holds the transaction."""
    ban, _ = ChatBan.objects.update_or_create(
        stream=stream, user=user, defaults={"moderator": actor, "reason": reason.strip(), "expires_at": expires_at}
    )
    event = chat_error_event(chat_ban_error(ban, just_now=True))
    event["stream_id"] = str(stream.pk)
    send_event_on_commit(event, users=[user.pk])
    return ban


def chat_ban_create(
    *, stream: Stream, actor: User, user: User, duration_seconds: int | None = None, reason: str = ""
) -> ChatBan:
    """Ban (no duration) or time out a user; they hear it at once on every socket they have."""
    chat_require_moderator(stream=stream, actor=actor)
    if user.pk == actor.pk:
        raise errors.DomainError("You cannot ban yourself.", code="invalid_ban")
    if chat_role(stream=stream, user=user) is not None:
        raise errors.PermissionDenied("The creator, moderators and staff cannot be banned.", code="invalid_ban")
    if duration_seconds is not None and not 1 <= duration_seconds <= 60 * 60 * 24 * 365:
        raise ValidationError({"duration_seconds": ["Between 1 second and a year."]})
    expires_at = timezone.now() + timedelta(seconds=duration_seconds) if duration_seconds else None
    with transaction.atomic():
        return _ban_write(stream=stream, actor=actor, user=user, expires_at=expires_at, reason=reason)


def chat_ban_lift(*, stream: Stream, actor: User, user: User) -> None:
    chat_require_moderator(stream=stream, actor=actor)
    if not ChatBan.objects.filter(stream=stream, user=user).delete()[0]:
        raise errors.NotFound("That user is not banned here.")


STREAM_SETTINGS = {"chat_enabled": "allow_chat", "gifts_enabled": "allow_gifts"}
SETTINGS_FIELDS = {
    "slow_mode": "slow_mode_seconds",
    "followers_only": "followers_only",
    "followers_min_minutes": "followers_min_minutes",
    "emote_only": "emote_only",
    "block_links": "block_links",
    "blocked_terms": "blocked_terms",
}


def _settings_values(*, rules: ChatSettings, data: dict[str, Any]) -> dict[str, Any]:
    """The model fields ``data`` changes, validated against ``rules`` (left unchanged); ValidationError names
    the API's fields."""
    values: dict[str, Any] = {}
    for name, field in SETTINGS_FIELDS.items():
        if name in data:
            value = data[name]
            if name == "blocked_terms":
                if not isinstance(value, list | tuple):
                    raise ValidationError({"blocked_terms": ["Send a list of terms."]})
                if len(value) > MAX_TERMS:  # before any work on the terms
                    raise ValidationError({"blocked_terms": [f"At most {MAX_TERMS} terms."]})
                value = sorted({str(term).strip().casefold() for term in value if str(term).strip()})
            values[field] = value
    candidate = ChatSettings(**{f.attname: getattr(rules, f.attname) for f in ChatSettings._meta.concrete_fields})
    for field, value in values.items():
        setattr(candidate, field, value)
    try:
        candidate.full_clean(exclude=["stream"], validate_unique=False)
    except ValidationError as exc:
        api_name = {field: name for name, field in SETTINGS_FIELDS.items()}
        raise ValidationError(
            {api_name.get(key, key): messages for key, messages in exc.message_dict.items()}
        ) from None
    return values


def chat_settings_update(*, stream: Stream, actor: User, data: dict[str, Any]) -> ChatSettings:
    """Change the chat rules (creator, moderators, staff) and tell the room the whole new set, once.

    All or nothing: every value is checked before anything is written, and the stream's switches (chat and
    gifts on or off) and the rules commit in one transaction.
    """
    chat_require_moderator(stream=stream, actor=actor)
    values = _settings_values(rules=chat_settings_of(stream), data=data)
    stream_changes = {field: data[name] for name, field in STREAM_SETTINGS.items() if name in data}
    with transaction.atomic():
        if stream_changes:
            stream = stream_update(stream=stream, data=stream_changes, announce=False)  # one event, below
        rules, _ = ChatSettings.objects.select_for_update().get_or_create(stream=stream)
        for field, value in values.items():
            setattr(rules, field, value)
        rules.save()
        send_event_on_commit({"type": "chat_settings", **chat_settings_payload(stream, rules)}, room=stream.pk)
    return rules


def message_report_create(
    *, message: ChatMessage, reporter: User, reason: str, details: str = ""
) -> tuple[MessageReport, bool]:
    """Queue a message for staff review; returns (report, created).

    One report per reporter and message: the same report sent again (same reason) returns the first one
    unchanged; another reason is a Conflict (``already_reported``), never merged silently.
    """
    if reason not in MessageReport.Reason.values:
        raise ValidationError({"reason": [f"Use one of {', '.join(MessageReport.Reason.values)}."]})
    if message.user_id == reporter.pk:
        raise errors.DomainError("You cannot report your own message.", code="invalid_report")
    with transaction.atomic(durable=True):
        # get_or_create survives a concurrent duplicate (its create runs in a savepoint, then it reads).
        report, created = MessageReport.objects.get_or_create(
            message=message, reporter=reporter, defaults={"reason": reason, "details": details.strip()}
        )
    if not created and report.reason != reason:
        raise errors.Conflict(
            f"You already reported this message (as {report.reason}); a report cannot be changed.",
            code="already_reported",
        )
    return report, created


def _reports_close(*, message_ids: list, reviewer: User, status: str) -> None:
    """Close the open reports of these messages. Caller holds the transaction."""
    MessageReport.objects.filter(message_id__in=message_ids, status=MessageReport.Status.OPEN).update(
        status=status, reviewed_by=reviewer, reviewed_at=timezone.now()
    )


def message_report_resolve(
    *, reports: Iterable[MessageReport], reviewer: User, delete_message: bool = False, ban_author: bool = False
) -> int:
    """Staff act on reports: delete the messages, ban their authors, and close every open report of them.

    All or nothing, in one transaction: a failure at any step (any report) leaves every message, ban and
    report as it was, and nobody is told anything. Several reports of one message act on it once; an author
    is banned once per stream; the creator, moderators and staff are never banned. Returns how many reports
    were selected.
    """
    if not reviewer.is_staff:
        raise errors.PermissionDenied("Only staff resolve reports.")
    report_ids = [report.pk for report in reports]
    status = MessageReport.Status.ACTIONED if delete_message or ban_author else MessageReport.Status.DISMISSED
    with transaction.atomic(durable=True):
        reasons: dict[Any, set[str]] = {}
        for message_id, reason in MessageReport.objects.filter(pk__in=report_ids).values_list("message_id", "reason"):
            reasons.setdefault(message_id, set()).add(reason)
        messages = list(
            ChatMessage.objects.filter(pk__in=list(reasons))
            .select_related("stream", "user")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        if delete_message:
            _messages_delete(messages=messages, actor=reviewer)
        if ban_author:
            # Who moderates where, asked once for every author and stream (not once per message in this loop).
            roles = chat_roles(pairs=[(message.stream, message.user) for message in messages])
            banned: set[tuple] = set()
            for message in messages:
                key = (message.stream_id, message.user_id)
                if key in banned or roles[key] is not None:
                    continue
                banned.add(key)
                _ban_write(
                    stream=message.stream,
                    actor=reviewer,
                    user=message.user,
                    expires_at=None,
                    reason=f"Reported: {', '.join(sorted(reasons[message.pk]))}",
                )
        _reports_close(message_ids=[message.pk for message in messages], reviewer=reviewer, status=status)
    return len(report_ids)


def blocked_terms_changed() -> None:
    """Staff edited the global list: forget the cached copy."""
    cache.delete(GLOBAL_TERMS_CACHE_KEY)


def emotes_changed() -> None:
    """Staff edited the emote set: forget the cached copy (emote-only mode and the pickers follow at once)."""
    cache.delete(EMOTE_SET_CACHE_KEY)
