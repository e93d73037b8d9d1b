from accounts.models import User


def user_get_by_token(*, key: str) -> User | None:
    """The active user owning an API token, or None."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


def user_get(*, user_id=None, username: str | None = None) -> User:
    """An active user by id or (case-insensitive) username; Http404 if there is none."""
    from django.http import Http404

    users = User.objects.filter(is_active=True)
    user = users.filter(pk=user_id).first() if user_id else users.filter(username__iexact=username or "").first()
    if user is None:
        raise Http404("No such user.")
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


def user_token_valid(*, user_id, key: str) -> bool:
    """Whether the API token ``key`` still belongs to the active user ``user_id``."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(key=key, user_id=user_id, user__is_active=True).exists()
