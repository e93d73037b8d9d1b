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
