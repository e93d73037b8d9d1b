"""Writes for accounts: registration, API tokens, deactivation, verification (the verified badge)."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import mail_admins, send_mail
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import signals
from accounts.models import GIFT_CONFIRM_THRESHOLD_MAX, VERIFICATION_LINKS_MAX, User, VerificationRequest
from accounts.names import display_name_clean
from accounts.tokens import Token
from livestream.errors import Conflict
from livestream.signals import signal_on_commit, verification_decided

logger = logging.getLogger(__name__)


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


# --- Verification: the verified badge ----------------------------------------------------------------
# The one path that sets or clears ``User.is_verified``: a creator applies, staff approve or reject (the
# verification request admin), grant or revoke directly (the creator profile admin's actions call these too).
# The applicant is told by e-mail once the decision commits, and on the studio's verification page.
# Applying owns a durable transaction; the staff side's are not durable, because the admin's change form runs its
# save (verification_decide) inside its own transaction.

VERIFICATION_PAGE_PATH = "/studio/verification/"
_link_validator = URLValidator(schemes=["http", "https"])


def _verification_links_clean(links: Iterable[str]) -> list[str]:
    cleaned = [link.strip() for link in links if link and link.strip()]
    if len(cleaned) > VERIFICATION_LINKS_MAX:
        raise ValidationError({"links": [f"At most {VERIFICATION_LINKS_MAX} links."]})
    for link in cleaned:
        if len(link) > 200:
            raise ValidationError({"links": ["A link is at most 200 characters."]})
        try:
            _link_validator(link)
        except ValidationError as exc:
            raise ValidationError({"links": [f"{link[:60]} is not a web address (http:// or https://)."]}) from exc
    return list(dict.fromkeys(cleaned))


def verification_apply(
    *, user: User, full_name: str, about: str, reason: str, links: Iterable[str] = ()
) -> VerificationRequest:
    """Open a verification request for ``user``.

    Refused with Conflict ``verification_pending`` while one of theirs is open (the table's constraint holds it
    under a race too) and ``already_verified`` when they have the badge; fields are checked as the admin does.
    """
    request = VerificationRequest(
        applicant=user,
        full_name=full_name.strip(),
        about=about.strip(),
        reason=reason.strip(),
        links=_verification_links_clean(links),
    )
    request.full_clean(exclude=["applicant", "decided_by", "status"])
    with transaction.atomic(durable=True):
        locked = User.objects.select_for_update().only("is_verified").get(pk=user.pk)
        if locked.is_verified:
            raise Conflict("You are already verified.", code="already_verified")
        if VerificationRequest.objects.filter(applicant=user, status=VerificationRequest.Status.PENDING).exists():
            raise Conflict("Your verification request is already being reviewed.", code="verification_pending")
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError as exc:
            raise Conflict("Your verification request is already being reviewed.", code="verification_pending") from exc
        name = user.public_name
        transaction.on_commit(lambda: _verification_staff_notify(name))
    return request


def verification_decide(
    *, request_id, decided_by: User | None, approve: bool, rejection_reason: str = ""
) -> VerificationRequest:
    """Approve (the applicant gets the badge) or reject (with a reason they are shown) a pending request.

    A request already decided is a Conflict ``verification_decided``; a rejection without a reason is a field
    error on ``rejection_reason``. The applicant is e-mailed once the decision commits.
    """
    rejection_reason = rejection_reason.strip()
    if not approve and not rejection_reason:
        raise ValidationError({"rejection_reason": ["Tell the applicant why the request is rejected."]})
    with transaction.atomic():
        request = VerificationRequest.objects.select_for_update().select_related("applicant").get(pk=request_id)
        if request.status != VerificationRequest.Status.PENDING:
            raise Conflict("This request has already been decided.", code="verification_decided")
        request.status = VerificationRequest.Status.APPROVED if approve else VerificationRequest.Status.REJECTED
        request.rejection_reason = "" if approve else rejection_reason
        request.decided_by = decided_by
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
        if approve:
            User.objects.filter(pk=request.applicant_id).update(is_verified=True)
            request.applicant.is_verified = True
        _verification_notify_on_commit(request)
    return request


def verification_grant(*, users: Iterable[User], decided_by: User | None) -> int:
    """Give the badge to these users at once (staff): an open request of theirs is approved, else an approved
    one is recorded; users already verified are left alone. Returns how many were verified."""
    count = 0
    with transaction.atomic():
        for user in User.objects.select_for_update().filter(pk__in=[u.pk for u in users], is_verified=False):
            request = VerificationRequest.objects.filter(
                applicant=user, status=VerificationRequest.Status.PENDING
            ).first() or VerificationRequest(
                applicant=user,
                full_name=user.public_name,
                about="Verified by the platform's staff.",
                reason="Verified by the platform's staff.",
            )
            request.applicant = user
            request.status = VerificationRequest.Status.APPROVED
            request.decided_by = decided_by
            request.decided_at = timezone.now()
            request.save()
            User.objects.filter(pk=user.pk).update(is_verified=True)
            _verification_notify_on_commit(request)
            count += 1
    return count


def verification_revoke(*, users: Iterable[User], decided_by: User | None, reason: str) -> int:
    """Take the badge back from these users (staff), with a reason they are shown: their approved request
    becomes ``revoked``. Users without the badge are left alone. Returns how many lost it."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"rejection_reason": ["Tell the creator why the badge is removed."]})
    count = 0
    with transaction.atomic():
        for user in User.objects.select_for_update().filter(pk__in=[u.pk for u in users], is_verified=True):
            User.objects.filter(pk=user.pk).update(is_verified=False)
            request = (
                VerificationRequest.objects.filter(applicant=user, status=VerificationRequest.Status.APPROVED)
                .order_by("-decided_at", "-created_at")
                .first()
            )
            if request is not None:
                request.status = VerificationRequest.Status.REVOKED
                request.rejection_reason = reason
                request.decided_by = decided_by
                request.decided_at = timezone.now()
                request.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
                request.applicant = user
                _verification_notify_on_commit(request)
            count += 1
    return count


_VERIFICATION_MAIL = {
    VerificationRequest.Status.APPROVED: (
        "You are verified on GNL Live",
        "Your verification request was approved: the verified badge now shows beside your name everywhere on GNL Live.",
    ),
    VerificationRequest.Status.REJECTED: (
        "Your verification request on GNL Live",
        "Your verification request was not approved.\n\nThe reason: {reason}\n\nYou may apply again.",
    ),
    VerificationRequest.Status.REVOKED: (
        "Your verified badge on GNL Live was removed",
        "The verified badge was removed from your account.\n\nThe reason: {reason}\n\nYou may apply again.",
    ),
}


def _verification_notify_on_commit(request: VerificationRequest) -> None:
    """Once the caller's transaction commits, e-mail the applicant the decision (never while rows are locked)."""
    email = request.applicant.email
    subject, body = _VERIFICATION_MAIL[request.status]
    body = body.format(reason=request.rejection_reason)
    body += f"\n\nYour verification page: {settings.SITE_URL.rstrip('/')}{VERIFICATION_PAGE_PATH}\n"
    transaction.on_commit(lambda: _mail(subject=subject, body=body, to=email))
    signal_on_commit(
        verification_decided, request_id=request.pk, user_id=request.applicant_id, status=str(request.status)
    )


def _verification_staff_notify(name: str) -> None:
    if settings.ADMINS:
        _mail(
            subject=f"Verification request from {name}",
            body=f"{name} asks for the verified badge. Decide in the admin: "
            f"{settings.SITE_URL.rstrip('/')}/admin/accounts/verificationrequest/?status__exact=pending\n",
            to=None,
        )


def _mail(*, subject: str, body: str, to: str | None) -> None:
    """Send one e-mail (to the site's ADMINS when ``to`` is None); trouble is logged, never raised: the
    decision it reports has committed."""
    try:
        if to is None:
            mail_admins(subject, body)
        elif to:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    except Exception:
        logger.exception("could not send the e-mail %r", subject)
