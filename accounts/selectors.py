from accounts.models import User


def user_get_by_token(*, key: str) -> User | None:
    """The active user owning an API token, or None."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user
