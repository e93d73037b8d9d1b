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
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from chat.emotes import is_emotes_only
from chat.links import first_link
from chat.models import (
    STREAM_RULE_FIELDS,
    ChannelChatSettings,
    ChatBan,
    ChatMessage,
    ChatModerator,
    ChatSettings,
    MessageReport,
)
from chat.selectors import (
    EMOTE_SET_CACHE_KEY,
    GLOBAL_TERMS_CACHE_KEY,
    chat_active_ban,
    chat_badges,
    chat_channel_blocked_terms,
    chat_channel_role,
    chat_channel_settings_of,
    chat_global_blocked_terms,
    chat_message_payload,
    chat_role,
    chat_roles,
    chat_settings_of,
    chat_settings_payload,
)
from livestream import errors
from livestream.events import send_event_on_commit
from livestream.signals import chat_mentioned, signal_on_commit
from streams.models import Follow, Stream
from streams.selectors import stream_viewer_has_access, subscription_active
from streams.services import stream_update

MAX_LENGTH = 500
MAX_MENTIONS = 20
MAX_TERMS = 200
MAX_TERM_LENGTH = 100
MAX_BAN_SECONDS = 60 * 60 * 24 * 365


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
    where = "this channel's chats" if ban.creator_id else "this chat"
    if ban.expires_at is None:
        words = f"You have been banned from {where}." if just_now else f"You are banned from {where}."
        return errors.PermissionDenied(words + reason, code="banned")
    remaining = (ban.expires_at - timezone.now()).total_seconds()
    words = f"You have been timed out in {where}" if just_now else f"You are timed out in {where}"
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

    # The stream, its own rules and its channel's (defaults and blocked terms) in one query.
    stream = (
        Stream.objects.select_related("chat_settings", "creator__channel_chat_settings").filter(pk=stream_id).first()
    )
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
        term_lists = (chat_global_blocked_terms(), chat_channel_blocked_terms(stream), rules.blocked_terms)
        for pattern in map(_terms_pattern, term_lists):
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
        if mention_ids:
            signal_on_commit(
                chat_mentioned,
                message_id=message.pk,
                stream_id=stream.pk,
                sender_id=user.pk,
                mentioned_ids=list(mention_ids),
                content=content,
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


def _ban_write(
    *, stream: Stream | None = None, creator: User | None = None, actor: User, user: User, expires_at, reason: str
) -> ChatBan:
    """Store the ban (or timeout) of one stream's chat or (``creator``) of a whole channel's and, after commit,
    tell its user on every socket in that stream, or in any stream of that channel (the event's ``stream_id`` or
    ``creator_id`` says which sockets hear it). Caller holds the transaction."""
    scope = {"stream": stream} if stream is not None else {"creator": creator}
    ban, _ = ChatBan.objects.update_or_create(
        **scope, user=user, defaults={"moderator": actor, "reason": reason.strip(), "expires_at": expires_at}
    )
    event = chat_error_event(chat_ban_error(ban, just_now=True))
    if stream is not None:
        event["stream_id"] = str(stream.pk)
    else:
        event["creator_id"] = str(creator.pk)
    send_event_on_commit(event, users=[user.pk])
    return ban


def _ban_expiry(duration_seconds: int | None):
    """When a ban of ``duration_seconds`` ends: None (no duration) for a ban, a time for a timeout."""
    if duration_seconds is not None and not 1 <= duration_seconds <= MAX_BAN_SECONDS:
        raise ValidationError({"duration_seconds": ["Between 1 second and a year."]})
    return timezone.now() + timedelta(seconds=duration_seconds) if duration_seconds else None


def chat_ban_create(
    *, stream: Stream, actor: User, user: User, duration_seconds: int | None = None, reason: str = ""
) -> ChatBan:
    """Ban (no duration) or time out a user; they hear it at once on every socket they have."""
    chat_require_moderator(stream=stream, actor=actor)
    if user.pk == actor.pk:
        raise errors.DomainError("You cannot ban yourself.", code="invalid_ban")
    if chat_role(stream=stream, user=user) is not None:
        raise errors.PermissionDenied("The creator, moderators and staff cannot be banned.", code="invalid_ban")
    expires_at = _ban_expiry(duration_seconds)
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


def _fold_term(term: Any) -> str:
    """A blocked term as chat matches it (on content folded the same way): trimmed, in lower case."""
    return str(term if term is not None else "").strip().casefold()


def _clean_terms(value: Any) -> list[str]:
    """A list of blocked terms as chat matches them: trimmed, folded to lower case, deduplicated, sorted;
    ValidationError (``blocked_terms``) for anything but a list of at most MAX_TERMS terms of MAX_TERM_LENGTH."""
    if not isinstance(value, list | tuple):
        raise ValidationError({"blocked_terms": ["Send a list of terms."]})
    if len(value) > MAX_TERMS:  # before any work on the terms
        raise ValidationError({"blocked_terms": [f"At most {MAX_TERMS} terms."]})
    terms = {folded for folded in map(_fold_term, value) if folded}
    if any(len(term) > MAX_TERM_LENGTH for term in terms):
        raise ValidationError({"blocked_terms": [f"A term is at most {MAX_TERM_LENGTH} characters."]})
    return sorted(terms)


def _settings_values(*, rules: ChatSettings | ChannelChatSettings, data: dict[str, Any]) -> dict[str, Any]:
    """The model fields ``data`` changes, validated against ``rules`` (a stream's or a channel's, left unchanged);
    ValidationError names the API's fields."""
    values: dict[str, Any] = {}
    for name, field in SETTINGS_FIELDS.items():
        if name in data:
            values[field] = _clean_terms(data[name]) if name == "blocked_terms" else data[name]
    model = type(rules)
    candidate = model(**{f.attname: getattr(rules, f.attname) for f in model._meta.concrete_fields})
    for field, value in values.items():
        setattr(candidate, field, value)
    try:
        candidate.full_clean(exclude=[model._meta.pk.name], validate_unique=False)
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
    current = chat_settings_of(stream)  # the channel's rules while the stream has none of its own
    values = _settings_values(rules=current, data=data)
    stream_changes = {field: data[name] for name, field in STREAM_SETTINGS.items() if name in data}
    with transaction.atomic():
        if stream_changes:
            stream = stream_update(stream=stream, data=stream_changes, announce=False)  # one event, below
        rules, _ = ChatSettings.objects.select_for_update().get_or_create(
            stream=stream, defaults={field: getattr(current, field) for field in STREAM_RULE_FIELDS}
        )
        for field, value in values.items():
            setattr(rules, field, value)
        rules.save()
        send_event_on_commit({"type": "chat_settings", **chat_settings_payload(stream, rules)}, room=stream.pk)
    return rules


# --- The channel: moderators, bans and rules that hold in every stream of one creator -------------------------
# Not durable, as the stream-level services above: the admin's change view calls them inside its own transaction.


def chat_channel_require_moderator(*, creator: User, actor: User) -> str:
    """The actor's role on the creator's channel (creator, moderator, staff); PermissionDenied for anyone else."""
    role = chat_channel_role(creator=creator, user=actor)
    if role is None:
        raise errors.PermissionDenied("Only the creator, the channel's moderators and staff can do that.")
    return role


def _require_channel_owner(*, creator: User, actor: User, words: str) -> None:
    """The creator (or staff) alone: appointing moderators and setting the channel's rules."""
    if actor.pk != creator.pk and not actor.is_staff:
        raise errors.PermissionDenied(words)


def chat_channel_moderator_add(*, creator: User, actor: User, user: User) -> tuple[ChatModerator, bool]:
    """The creator (or staff) appoints a channel moderator, who moderates every stream of the channel, those
    created later too; returns (moderator, created).

    Their bans in the channel (the channel's and any of its streams') are lifted in the same transaction: never
    a moderator who is still banned.
    """
    _require_channel_owner(creator=creator, actor=actor, words="Only the creator appoints channel moderators.")
    if user.pk == creator.pk:
        raise errors.DomainError("The creator already moderates their channel.", code="invalid_moderator")
    with transaction.atomic():
        # get_or_create survives a concurrent appointment (its create runs in a savepoint, then it reads).
        moderator, created = ChatModerator.objects.get_or_create(
            creator=creator, user=user, defaults={"appointed_by": actor}
        )
        if created:
            ChatBan.objects.filter(Q(creator=creator) | Q(stream__creator=creator), user=user).delete()
    return moderator, created


def chat_channel_moderator_remove(*, creator: User, actor: User, user: User) -> None:
    """The creator (or staff) removes a channel moderator; their moderation of single streams stays."""
    _require_channel_owner(creator=creator, actor=actor, words="Only the creator removes channel moderators.")
    if not ChatModerator.objects.filter(creator=creator, user=user).delete()[0]:
        raise errors.NotFound("That user is not a moderator of this channel.")


def chat_channel_ban_create(
    *, creator: User, actor: User, user: User, duration_seconds: int | None = None, reason: str = ""
) -> ChatBan:
    """Ban (no duration) or time out a user in every chat of the creator's channel, streams created later
    included. The creator, channel moderators and staff may; the creator, channel moderators and staff cannot be
    banned. After commit the user hears it on every socket they have open in any of the channel's rooms, and
    from then on every message they send there is refused (``banned`` / ``timed_out``). Replaces an earlier
    channel ban of theirs."""
    chat_channel_require_moderator(creator=creator, actor=actor)
    if user.pk == actor.pk:
        raise errors.DomainError("You cannot ban yourself.", code="invalid_ban")
    if chat_channel_role(creator=creator, user=user) is not None:
        raise errors.PermissionDenied(
            "The creator, the channel's moderators and staff cannot be banned.", code="invalid_ban"
        )
    expires_at = _ban_expiry(duration_seconds)
    with transaction.atomic():
        return _ban_write(creator=creator, actor=actor, user=user, expires_at=expires_at, reason=reason)


def chat_channel_ban_lift(*, creator: User, actor: User, user: User) -> None:
    """Lift a channel ban or timeout (the creator, channel moderators, staff); bans of single streams stay."""
    chat_channel_require_moderator(creator=creator, actor=actor)
    if not ChatBan.objects.filter(creator=creator, user=user).delete()[0]:
        raise errors.NotFound("That user is not banned from this channel.")


def _open_streams(creator: User):
    """The creator's streams whose chat can still be used: scheduled and live."""
    return Stream.objects.filter(creator=creator, status__in=[Stream.Status.SCHEDULED, Stream.Status.LIVE])


def chat_channel_settings_update(
    *, creator: User, actor: User, data: dict[str, Any], apply_to_streams: bool = False
) -> ChannelChatSettings:
    """Change the channel's chat rules (the creator or staff): what every new stream starts with, and the
    channel's blocked terms, which hold in all of its streams at once.

    Streams already scheduled or live keep the rules they run by, unless ``apply_to_streams``: then each of
    them takes the channel's rules (slow mode, followers-only, emote-only, links; their own blocked terms
    stay) and its room hears the new set. All or nothing: every value is checked before anything is written.
    """
    _require_channel_owner(creator=creator, actor=actor, words="Only the creator changes the channel's chat rules.")
    values = _settings_values(rules=chat_channel_settings_of(creator.pk), data=data)
    with transaction.atomic():
        rules, _ = ChannelChatSettings.objects.select_for_update().get_or_create(creator=creator)
        before = {field: getattr(rules, field) for field in STREAM_RULE_FIELDS}
        for field, value in values.items():
            setattr(rules, field, value)
        rules.save()
        after = {field: getattr(rules, field) for field in STREAM_RULE_FIELDS}
        if apply_to_streams:
            streams = list(_open_streams(creator).only("pk", "allow_chat", "allow_gifts"))
            # Streams without rules of their own follow the channel already; the others take its rules now.
            ChatSettings.objects.filter(stream__in=[stream.pk for stream in streams]).update(
                **after, updated_at=timezone.now()
            )
            for stream in streams:  # the channel's rules are now each stream's
                send_event_on_commit({"type": "chat_settings", **chat_settings_payload(stream, rules)}, room=stream.pk)
        elif before != after:
            # Streams that ran by the channel's rules keep the ones they had: they get them as their own.
            following = _open_streams(creator).filter(chat_settings__isnull=True).values_list("pk", flat=True)
            ChatSettings.objects.bulk_create(
                [ChatSettings(stream_id=pk, **before) for pk in following], ignore_conflicts=True
            )
    return rules


def _clean_term(term: Any) -> str:
    """One blocked term as chat matches it; ValidationError (``term``) when it is empty or too long."""
    term = _fold_term(term)
    if not term:
        raise ValidationError({"term": ["Type a word or phrase."]})
    if len(term) > MAX_TERM_LENGTH:
        raise ValidationError({"term": [f"A term is at most {MAX_TERM_LENGTH} characters."]})
    return term


def chat_channel_blocked_term_add(*, creator: User, actor: User, term: str) -> ChannelChatSettings:
    """Add a word or phrase to the channel's blocked terms (the creator or staff): from the next message on, no
    chat of the channel accepts it. Adding a term already there changes nothing."""
    _require_channel_owner(creator=creator, actor=actor, words="Only the creator changes the channel's chat rules.")
    term = _clean_term(term)
    with transaction.atomic():
        rules, _ = ChannelChatSettings.objects.select_for_update().get_or_create(creator=creator)
        if term not in rules.blocked_terms:
            if len(rules.blocked_terms) >= MAX_TERMS:
                raise ValidationError({"term": [f"At most {MAX_TERMS} terms: remove one first."]})
            rules.blocked_terms = sorted({*rules.blocked_terms, term})
            rules.save(update_fields=["blocked_terms", "updated_at"])
    return rules


def chat_channel_blocked_term_remove(*, creator: User, actor: User, term: str) -> ChannelChatSettings:
    """Remove a word or phrase from the channel's blocked terms (the creator or staff); NotFound if it is not one."""
    _require_channel_owner(creator=creator, actor=actor, words="Only the creator changes the channel's chat rules.")
    term = _fold_term(term)
    with transaction.atomic():
        rules = ChannelChatSettings.objects.select_for_update().filter(creator=creator).first()
        if rules is None or term not in rules.blocked_terms:
            raise errors.NotFound("That term is not blocked in this channel.")
        rules.blocked_terms = [kept for kept in rules.blocked_terms if kept != term]
        rules.save(update_fields=["blocked_terms", "updated_at"])
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
