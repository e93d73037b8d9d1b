import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare

from accounts.models import User, VerificationRequest
from accounts.tokens import Token
from livestream.errors import NotFound

TOKEN_CACHE_SECONDS = 300
TOKEN_CACHE_SIZE = 50_000
_token_users: dict[str, tuple[User, float]] = {}


def user_get_by_token(*, key: str) -> User | None:
    """The active user owning an API token, or None."""
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


def user_get_by_token_cached(*, key: str) -> User | None:
    """user_get_by_token, remembered in this process for TOKEN_CACHE_SECONDS.

    Only for a caller that has the token checked again where it matters: a
    revoked token or a deactivated user can be answered from here for that
    long (gifts.services.gift_send(token=...) re-checks it in the statement
    that moves the coins). Unknown tokens are not remembered.
    """
    now = time.monotonic()
    found = _token_users.get(key)
    if found is not None and found[1] > now:
        return found[0]
    user = user_get_by_token(key=key)
    if user is None:
        _token_users.pop(key, None)
        return None
    if len(_token_users) >= TOKEN_CACHE_SIZE:
        _token_users.clear()
    _token_users[key] = (user, now + TOKEN_CACHE_SECONDS)
    return user


def user_token_forget(*, key: str) -> None:
    """Drop a remembered token (its owner was refused: revoked, or deactivated)."""
    _token_users.pop(key, None)


def user_get(*, user_id=None, username: str | None = None) -> User:
    """An active user by id or (case-insensitive) username; NotFound if there is none."""
    users = User.objects.filter(is_active=True)
    user = users.filter(pk=user_id).first() if user_id else users.filter(username__iexact=username or "").first()
    if user is None:
        raise NotFound("No such user.")
    return user


def user_payload(user: User, badges: list[str] | None = None) -> dict:
    """A user as embedded in events and lists (a message's user, a gift's sender, a leaderboard row)."""
    return {
        "id": str(user.pk),
        "username": user.username,
        "display_name": user.display_name or user.username,
        "is_verified": user.is_verified,
        "badges": badges or [],
    }


def socket_credential_valid(*, user_id, token: str | None = None, session: str | None = None) -> bool:
    """Whether a socket's credential still stands: its token (or else its session) and an active user.

    A session stands as Django's own ``get_user`` judges it: it names the user and carries the hash of the user's
    current password (a password change ends every other session). One or two queries; called per message a
    socket SENDS, never per event delivered.
    """
    if token:
        return Token.objects.filter(key=token, user_id=user_id, user__is_active=True).exists()
    if not session:
        return False
    data = import_module(settings.SESSION_ENGINE).SessionStore(session).load()
    if str(data.get(SESSION_KEY, "")) != str(user_id):
        return False
    user = User.objects.filter(pk=user_id, is_active=True).only("password").first()
    if user is None:
        return False
    stored = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(stored, current) for current in hashes)


def verification_request_latest(*, user: User) -> VerificationRequest | None:
    """The user's newest verification request (open or decided), or None when they never applied."""
    return VerificationRequest.objects.filter(applicant=user).order_by("-created_at").first()
