"""Web Push delivery (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291, by pywebpush),
and the browser subscriptions it sends to.

A row is claimed (``pushed_at``) before anything is sent. Then, with no transaction open, each of the user's
subscriptions gets one POST with a short timeout, a few in flight at a time. A push service answering 404 or
410 says the subscription is gone: it is deleted. A row none of whose subscriptions took it for a passing
reason (5xx, 429, a timeout) is released for the task's retry; a row that reached at least one browser stays
stamped (sending again would show it twice there).
"""

import json
import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pywebpush import WebPusher

from livestream.errors import DomainError, NotFound
from livestream.links import absolute_url
from notifications.delivery.claims import claim, release
from notifications.delivery.vapid import b64url_decode, vapid_keys
from notifications.models import Channel, Kind, Notification, PushSubscription
from notifications.selectors import enabled_user_ids

logger = logging.getLogger(__name__)

ICON_PATH = "img/notification-icon.png"
# How long a push service keeps a message for an offline browser, and how eagerly it wakes a device.
TTL_SECONDS = {Kind.LIVE: 60 * 60, Kind.REMINDER: 30 * 60, Kind.MENTION: 6 * 60 * 60}
TTL_DEFAULT = 24 * 60 * 60
URGENT_KINDS = {Kind.LIVE, Kind.REMINDER, Kind.MENTION}
GONE = {404, 410}


class InvalidSubscription(DomainError):
    default_detail = "This is not a valid push subscription."
    default_code = "invalid_subscription"


class PushUnavailable(NotFound):
    default_detail = "Browser notifications are not configured on this server."
    default_code = "push_unavailable"


@dataclass
class PushResult:
    sent: list[int] = field(default_factory=list)  # rows that reached at least one browser
    failed: list[int] = field(default_factory=list)  # rows released for a retry
    gone: int = 0  # subscriptions deleted


def _endpoint_allowed(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        return False
    allowed = [h.lower().lstrip(".") for h in settings.WEBPUSH_ENDPOINT_HOSTS]
    if parts.scheme != "https":
        # Plain http only to a host named outright (a local push-service stub in tests), never by wildcard.
        return parts.scheme == "http" and host in allowed
    return "*" in allowed or any(host == h or host.endswith("." + h) for h in allowed)


def _valid_keys(p256dh: str, auth: str) -> bool:
    try:
        point, secret = b64url_decode(p256dh), b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return len(point) == 65 and len(secret) == 16


def push_subscription_save(*, user, endpoint, keys, user_agent: str = "") -> PushSubscription:
    """Store the browser's subscription for ``user`` (an upsert by endpoint: a browser that signs in as someone
    else now notifies them). Raises InvalidSubscription for anything a push service would not accept."""
    if not isinstance(endpoint, str) or not isinstance(keys, dict) or len(endpoint) > 1000:
        raise InvalidSubscription()
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str) or len(p256dh) > 200 or len(auth) > 100:
        raise InvalidSubscription("The subscription's keys (p256dh, auth) are missing or malformed.")
    if not _endpoint_allowed(endpoint):
        raise InvalidSubscription("The subscription's endpoint is not a known push service.")
    if not _valid_keys(p256dh, auth):
        raise InvalidSubscription("The subscription's keys are not a P-256 public key and a 16-byte secret.")
    with transaction.atomic():
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": (user_agent or "")[:300]},
        )
    return subscription


def push_subscription_delete(*, user, endpoint) -> bool:
    """Forget the caller's subscription at ``endpoint``; False when they had none there."""
    if not isinstance(endpoint, str):
        return False
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


def payload(row: Notification) -> bytes:
    """What the service worker shows (``static/js/sw.js``): title, body, the page it opens, an icon, a tag."""
    body = {
        "id": row.pk,
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "url": absolute_url(row.url or "/"),
        "icon": absolute_url(settings.STATIC_URL + ICON_PATH),
        "tag": f"{row.kind}-{row.stream_id}" if row.stream_id else f"notification-{row.pk}",
    }
    return json.dumps(body, separators=(",", ":")).encode()


class _NoRedirectSession(requests.Session):
    """A session that never follows a redirect: a push service answers a push itself. Following a 307 would
    re-POST the payload to wherever the answer points, past the host check made when the user subscribed."""

    def request(self, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


class _Sender:
    """POSTs over one requests session per thread, with one signed VAPID header per push service origin."""

    def __init__(self, keys):
        self.keys = keys
        self.local = threading.local()
        self.headers: dict[str, dict] = {}
        self.lock = threading.Lock()

    def _vapid(self, endpoint: str) -> dict:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        with self.lock:
            cached = self.headers.get(audience)
            if cached is None or cached["exp"] < time.time() + 60:
                exp = int(time.time()) + 12 * 60 * 60
                claims = {"aud": audience, "exp": exp, "sub": self.keys.subject}
                cached = {"exp": exp, "headers": self.keys.signer().sign(claims)}
                self.headers[audience] = cached
            return dict(cached["headers"])

    def send(self, subscription: PushSubscription, row: Notification) -> int | None:
        """The push service's status, or None when it could not be reached in time."""
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = _NoRedirectSession()
        headers = self._vapid(subscription.endpoint)
        headers["Urgency"] = "high" if row.kind in URGENT_KINDS else "normal"
        info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
        try:
            response = WebPusher(info, requests_session=session).send(
                payload(row),
                headers,
                ttl=TTL_SECONDS.get(row.kind, TTL_DEFAULT),
                content_encoding="aes128gcm",
                timeout=settings.WEBPUSH_TIMEOUT,
            )
        except requests.RequestException:
            logger.warning("notifications: push service %s unreachable", urlsplit(subscription.endpoint).netloc)
            return None
        return response.status_code


def push_deliver(*, notification_ids: list[int]) -> PushResult:
    """Push each of these notifications not yet pushed to every browser its user subscribed, if they want it.

    Guarantees: a row is pushed at most once per run and never by two runs (claimed first); no transaction is
    open during the network calls; gone subscriptions (404/410) are deleted; rows no browser took for a
    passing reason are released and listed in ``failed``. Without VAPID keys nothing is claimed or sent.
    """
    result = PushResult()
    keys = vapid_keys()
    if keys is None:
        return result
    rows = list(
        Notification.objects.filter(pk__in=notification_ids, pushed_at__isnull=True).only(
            "id", "user_id", "kind", "title", "body", "url", "stream_id"
        )
    )
    by_kind: dict[str, set] = defaultdict(set)
    for row in rows:
        by_kind[row.kind].add(row.user_id)
    wanted = {
        (kind, user_id)
        for kind, user_ids in by_kind.items()
        for user_id in enabled_user_ids(user_ids=user_ids, kind=kind, channel=Channel.PUSH)
    }
    rows = [row for row in rows if (row.kind, row.user_id) in wanted]
    subscriptions: dict = defaultdict(list)
    for subscription in PushSubscription.objects.filter(user_id__in={row.user_id for row in rows}):
        subscriptions[subscription.user_id].append(subscription)
    rows = [row for row in rows if subscriptions.get(row.user_id)]
    now = timezone.now()
    taken = set(claim(ids=[row.pk for row in rows], stamp="pushed_at", at=now))
    jobs = [(row, sub) for row in rows if row.pk in taken for sub in subscriptions[row.user_id]]
    if not jobs:
        return result

    sender = _Sender(keys)
    with ThreadPoolExecutor(max_workers=max(1, settings.WEBPUSH_CONCURRENCY)) as pool:
        statuses = list(pool.map(lambda job: sender.send(job[1], job[0]), jobs))

    delivered_rows, settled_rows, transient_rows = set(), set(), set()
    ok_subscriptions, gone_subscriptions = set(), set()
    for (row, subscription), status in zip(jobs, statuses, strict=True):
        if status is not None and 200 <= status < 300:
            delivered_rows.add(row.pk)
            ok_subscriptions.add(subscription.pk)
        elif status in GONE:
            gone_subscriptions.add(subscription.pk)
        elif status is None or status >= 500 or status == 429:
            transient_rows.add(row.pk)
        else:
            # 400/403/413: this message or our key is refused; a retry would be refused again. A redirect (3xx) is
            # not followed (_NoRedirectSession) and counts as a refusal too.
            logger.warning("notifications: push refused with %s for subscription %s", status, subscription.pk)
            settled_rows.add(row.pk)
    if ok_subscriptions:
        PushSubscription.objects.filter(pk__in=ok_subscriptions).update(last_success_at=timezone.now())
    if gone_subscriptions:
        result.gone, _ = PushSubscription.objects.filter(pk__in=gone_subscriptions).delete()
    result.sent = sorted(delivered_rows)
    # A row that reached no browser and met a passing failure on one of them goes back for the retry.
    result.failed = sorted(transient_rows - delivered_rows - settled_rows)
    release(ids=result.failed, stamp="pushed_at", at=now)
    return result
