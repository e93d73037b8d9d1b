"""E-mail delivery: one message per notification row, over one connection per batch, each with a one-click
unsubscribe for its kind (RFC 2369 ``List-Unsubscribe`` + RFC 8058 ``List-Unsubscribe-Post``).

Rows are claimed (``emailed_at`` stamped by a conditional UPDATE) before anything is sent, so a retried task
never mails a row twice; rows the mail server refused are released for the retry. A follower gets at most one
e-mail per stream per hour for "scheduled" and "live" together (``claims.STREAM_EMAIL_WINDOW_SECONDS``): a
creator who schedules a stream and goes live soon after sends one e-mail, both rows stay in the app.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from livestream.links import absolute_url
from notifications.delivery.claims import STREAM_EMAIL_KINDS, STREAM_EMAIL_WINDOW_SECONDS, claim, release
from notifications.models import Channel, Kind, Notification
from notifications.selectors import enabled_user_ids

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


@dataclass
class EmailResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # claimed, refused by the mail server, released for a retry


def unsubscribe_token(*, user_id, kind: str) -> str:
    """A signed, non-expiring token naming a user and a kind: the link in every e-mail of that kind."""
    return signing.dumps({"u": str(user_id), "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[str, str] | None:
    """(user id, kind) from a token this site signed, or None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in Kind.values or not data.get("u"):
        return None
    return str(data["u"]), data["k"]


def unsubscribe_url(*, user_id, kind: str) -> str:
    path = reverse("notifications-unsubscribe", kwargs={"token": unsubscribe_token(user_id=user_id, kind=kind)})
    return absolute_url(path)


def _message(row: Notification, *, to: str, name: str, connection) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user_id=row.user_id, kind=row.kind)
    context = {
        "notification": row,
        "name": name,
        "url": absolute_url(row.url or "/"),
        "kind_label": Kind(row.kind).label,
        "unsubscribe_url": unsubscribe,
        "settings_url": absolute_url(reverse("account-settings")),
        "site_url": absolute_url("/").rstrip("/"),
    }
    message = EmailMultiAlternatives(
        subject=row.title,
        body=render_to_string("notifications/email/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        connection=connection,
    )
    message.attach_alternative(render_to_string("notifications/email/notification.html", context), "text/html")
    return message


def _eligible(rows: list[Notification]) -> list[Notification]:
    """Rows whose user has e-mail on for the row's kind and an address to send to (one query per kind + one)."""
    by_kind: dict[str, set] = {}
    for row in rows:
        by_kind.setdefault(row.kind, set()).add(row.user_id)
    wanted = {
        (kind, user_id)
        for kind, user_ids in by_kind.items()
        for user_id in enabled_user_ids(user_ids=user_ids, kind=kind, channel=Channel.EMAIL)
    }
    return [row for row in rows if (row.kind, row.user_id) in wanted]


def email_deliver(*, notification_ids: list[int]) -> EmailResult:
    """Mail each of these notifications not yet mailed to its user, if they want it and have an address.

    Guarantees: a row is mailed at most once (claimed first: concurrent or retried runs skip it); at most one
    "live"/"scheduled" e-mail per user and stream per hour; no transaction is open while mail is sent; a row the
    mail server refused is released and listed in ``failed`` for the caller to retry.
    """
    rows = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).only(
            "id", "user_id", "kind", "stream_id"
        )
    )
    rows = _eligible(rows)
    users = {
        user.pk: user
        for user in get_user_model()
        .objects.filter(pk__in={row.user_id for row in rows}, is_active=True)
        .exclude(email="")
        .only("id", "email", "username", "display_name")
    }
    candidates = [row.pk for row in rows if row.user_id in users]
    now = timezone.now()
    taken = claim(
        ids=candidates,
        stamp="emailed_at",
        at=now,
        stream_window_from=now - timedelta(seconds=STREAM_EMAIL_WINDOW_SECONDS),
    )
    # Two stream rows for one user and stream in the same batch both passed the window check: keep the first.
    keep, seen, duplicates = [], set(), []
    taken_rows = Notification.objects.filter(pk__in=taken).order_by("pk")
    for row in taken_rows:
        if row.kind in STREAM_EMAIL_KINDS and row.stream_id is not None:
            if (row.user_id, row.stream_id) in seen:
                duplicates.append(row.pk)
                continue
            seen.add((row.user_id, row.stream_id))
        keep.append(row)
    release(ids=duplicates, stamp="emailed_at", at=now)

    result = EmailResult()
    if not keep:
        return result
    connection = get_connection()
    try:
        connection.open()
        for index, row in enumerate(keep):
            user = users[row.user_id]
            try:
                _message(row, to=user.email, name=user.public_name, connection=connection).send()
            except Exception:
                logger.exception("notifications: e-mail for notification %s was not sent", row.pk)
                result.failed = [r.pk for r in keep[index:]]
                break
            result.sent.append(row.pk)
    except Exception:
        logger.exception("notifications: the mail server could not be reached")
        result.failed = [r.pk for r in keep if r.pk not in set(result.sent)]
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("notifications: closing the mail connection failed", exc_info=True)
    release(ids=result.failed, stamp="emailed_at", at=now)
    return result
