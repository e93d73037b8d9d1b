"""Writes for accounts: registration, API tokens, deactivation."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import signals
from accounts.models import GIFT_CONFIRM_THRESHOLD_MAX, User
from accounts.names import display_name_clean
from accounts.tokens import Token


def user_create(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create an active user with a validated password.

    Usernames and e-mail addresses are unique regardless of case; a clash
    raises ``ValidationError`` keyed by the field, never an IntegrityError.
    """
    username = username.strip()
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    errors: dict[str, list] = {}
    if display_name.strip():  # none given: the username is the name
        try:
            display_name = display_name_clean(display_name)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["A user with that username already exists."]
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["A user with that e-mail address already exists."]
    user = User(username=username, email=email, display_name=display_name.strip() or username)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    # No creator profile here: accounts depends on no other app, and streams creates the profile on first
    # need (a stream, a profile edit); a creator page without one shows the defaults.
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race for the name
        raise ValidationError({"username": ["A user with that username or e-mail already exists."]}) from exc
    return user


def user_token_get_or_create(*, user: User) -> str:
    """The user's API token, created on first use; stable across logins."""
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def user_token_revoke(*, user: User) -> None:
    """Invalidate the user's API token (log out every REST client)."""
    Token.objects.filter(user=user).delete()


def user_update(
    *,
    user: User,
    display_name: str | None = None,
    email: str | None = None,
    gift_confirm_threshold: int | None = None,
) -> User:
    """Change the caller's own display name, e-mail (unique regardless of case) or gift-confirmation
    threshold: all that were given or none.

    An address taken by someone else, even in a race with this change, is a field error, never an
    IntegrityError; a threshold outside 0..GIFT_CONFIRM_THRESHOLD_MAX is a field error; ``user`` is changed
    in memory only once the row is.
    """
    changes: dict[str, str | int] = {}
    if gift_confirm_threshold is not None:
        if not 0 <= gift_confirm_threshold <= GIFT_CONFIRM_THRESHOLD_MAX:
            raise ValidationError({"gift_confirm_threshold": [f"Between 0 and {GIFT_CONFIRM_THRESHOLD_MAX} coins."]})
        changes["gift_confirm_threshold"] = gift_confirm_threshold
    if display_name is not None:
        changes["display_name"] = display_name_clean(display_name)
    if email is not None:
        changes["email"] = email.strip().lower()
        if User.objects.filter(email__iexact=changes["email"]).exclude(pk=user.pk).exists():
            raise ValidationError({"email": ["A user with that e-mail address already exists."]})
    if changes:
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(**changes)
        except IntegrityError as exc:  # a concurrent change took the address after the check above
            raise ValidationError({"email": ["A user with that e-mail address already exists."]}) from exc
        for field, value in changes.items():
            setattr(user, field, value)
    return user


def users_deactivate(*, user_ids) -> int:
    """Deactivate these users in one statement and, once it commits, close every open socket of each.

    The one bulk path: a queryset ``update(is_active=False)`` sends no ``post_save``, so nothing else would tell
    their sockets (accounts.signals). Users already inactive are left alone. Returns how many were deactivated.
    """
    with transaction.atomic():
        ids = list(
            User.objects.select_for_update().filter(pk__in=list(user_ids), is_active=True).values_list("pk", flat=True)
        )
        User.objects.filter(pk__in=ids).update(is_active=False)
        for user_id in ids:
            signals.auth_ended_send(user_id=user_id)
    return len(ids)
