"""Web Push delivery against a local push service that decrypts what it receives with the subscription's keys."""

import json
import time

import pytest

from accounts.tests.factories import UserFactory
from notifications.delivery.push import payload, push_deliver, push_subscription_save
from notifications.models import Channel, Kind, Notification, PushSubscription
from notifications.services import preferences_set
from notifications.tasks import deliver_push
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def subscribe(push_service, user, name=None):
    browser = push_service.browser_subscription(name)
    data = browser.as_json()
    push_subscription_save(user=user, endpoint=data["endpoint"], keys=data["keys"])
    return browser


def live_row(user, **extra) -> Notification:
    stream = extra.pop("stream", None) or StreamFactory()
    return Notification.objects.create(
        user=user,
        kind=extra.pop("kind", Kind.LIVE),
        title=extra.pop("title", "Ada is live"),
        body="Yoruba for beginners, lesson 3",
        url=f"/streams/{stream.pk}",
        stream=stream,
        **extra,
    )


def test_the_push_service_receives_an_encrypted_payload_the_browser_can_read(push_service, settings):
    user = UserFactory()
    browser = subscribe(push_service, user, "phone")
    row = live_row(user)

    result = push_deliver(notification_ids=[row.pk])

    assert result.sent == [row.pk]
    [received] = push_service.to(browser)
    assert received.headers["Content-Encoding"] == "aes128gcm"
    assert received.headers["TTL"] == "3600"
    assert received.headers["Urgency"] == "high"
    assert b"Ada is live" not in received.body  # encrypted on the wire
    payload = received.decrypt()
    assert payload["title"] == "Ada is live"
    assert payload["body"] == "Yoruba for beginners, lesson 3"
    assert payload["url"] == f"{settings.SITE_URL}/streams/{row.stream_id}"
    assert payload["icon"].endswith("/static/img/notification-icon.png")
    assert payload["tag"] == f"live-{row.stream_id}"
    row.refresh_from_db()
    assert row.pushed_at is not None
    assert PushSubscription.objects.get(endpoint=browser.endpoint).last_success_at is not None


def test_the_vapid_header_verifies_against_the_servers_public_key(push_service):
    user = UserFactory()
    browser = subscribe(push_service, user)
    push_deliver(notification_ids=[live_row(user).pk])

    [received] = push_service.to(browser)
    claims = received.vapid_claims(push_service.public_key)
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:push-tests@example.com"
    assert time.time() < claims["exp"] <= time.time() + 24 * 60 * 60


def test_a_forged_key_does_not_verify(push_service):
    from notifications.delivery.vapid import b64url_encode

    user = UserFactory()
    browser = subscribe(push_service, user)
    push_deliver(notification_ids=[live_row(user).pk])
    [received] = push_service.to(browser)
    other = b64url_encode(browser.private_key.public_key().public_bytes(*_uncompressed()))
    with pytest.raises(AssertionError):
        received.vapid_claims(other)


def _uncompressed():
    from cryptography.hazmat.primitives import serialization

    return serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint


def test_every_browser_of_the_user_gets_it_and_a_retry_sends_nothing_again(push_service):
    user = UserFactory()
    phone, laptop = subscribe(push_service, user), subscribe(push_service, user)
    row = live_row(user)

    push_deliver(notification_ids=[row.pk])
    push_deliver(notification_ids=[row.pk])
    deliver_push.apply(kwargs={"notification_ids": [row.pk]})

    assert len(push_service.to(phone)) == 1
    assert len(push_service.to(laptop)) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_reports_gone_is_deleted(push_service, status):
    user = UserFactory()
    gone, kept = subscribe(push_service, user, "gone"), subscribe(push_service, user, "kept")
    push_service.status["gone"] = status
    row = live_row(user)

    result = push_deliver(notification_ids=[row.pk])

    assert result.gone == 1
    assert not PushSubscription.objects.filter(endpoint=gone.endpoint).exists()
    assert PushSubscription.objects.filter(endpoint=kept.endpoint).exists()
    assert result.sent == [row.pk]


def test_a_gone_only_subscription_leaves_the_row_stamped_and_nothing_to_retry(push_service):
    user = UserFactory()
    subscribe(push_service, user, "gone")
    push_service.status["gone"] = 410
    row = live_row(user)

    result = push_deliver(notification_ids=[row.pk])

    assert result.failed == [] and result.gone == 1
    assert PushSubscription.objects.count() == 0


def test_a_server_error_keeps_the_subscription_and_releases_the_row_for_a_retry(push_service):
    user = UserFactory()
    browser = subscribe(push_service, user, "flaky")
    push_service.status["flaky"] = 500
    row = live_row(user)

    result = push_deliver(notification_ids=[row.pk])

    assert result.failed == [row.pk] and result.sent == []
    assert PushSubscription.objects.filter(endpoint=browser.endpoint).exists()
    row.refresh_from_db()
    assert row.pushed_at is None

    push_service.status["flaky"] = 201  # the retry, once the push service is back
    assert push_deliver(notification_ids=[row.pk]).sent == [row.pk]
    assert len(push_service.to(browser)) == 2
    assert push_service.to(browser)[-1].decrypt()["title"] == "Ada is live"


def test_a_redirect_from_the_push_service_is_not_followed(push_service):
    # The endpoint's host was checked when the user subscribed; a 307 would re-POST the payload elsewhere.
    user = UserFactory()
    subscribe(push_service, user, "bounce")
    push_service.redirect["bounce"] = "elsewhere"
    row = live_row(user)

    result = push_deliver(notification_ids=[row.pk])

    assert [received.name for received in push_service.received] == ["bounce"]
    assert result.sent == [] and result.failed == []  # refused, as a 4xx is: a retry would meet the same answer
    row.refresh_from_db()
    assert row.pushed_at is not None


def test_a_push_service_that_does_not_answer_in_time_is_a_retry(push_service):
    user = UserFactory()
    subscribe(push_service, user, "slow")
    push_service.stall.add("slow")
    row = live_row(user)

    started = time.monotonic()
    result = push_deliver(notification_ids=[row.pk])

    assert time.monotonic() - started < 4  # WEBPUSH_TIMEOUT is 1 s here
    assert result.failed == [row.pk]
    assert PushSubscription.objects.count() == 1


def test_one_browser_reached_is_enough_a_failing_other_does_not_resend(push_service):
    user = UserFactory()
    subscribe(push_service, user, "ok")
    subscribe(push_service, user, "down")
    push_service.status["down"] = 503
    row = live_row(user)

    result = push_deliver(notification_ids=[row.pk])

    assert result.sent == [row.pk] and result.failed == []
    row.refresh_from_db()
    assert row.pushed_at is not None


def test_push_off_for_the_kind_sends_nothing(push_service):
    user, other = UserFactory(), UserFactory()
    mine, theirs = subscribe(push_service, user), subscribe(push_service, other)
    preferences_set(user=user, choices={Kind.LIVE: {Channel.PUSH: False}})
    rows = [live_row(user), live_row(other)]

    push_deliver(notification_ids=[r.pk for r in rows])

    assert push_service.to(mine) == []
    assert len(push_service.to(theirs)) == 1
    rows[0].refresh_from_db()
    assert rows[0].pushed_at is None


def test_a_kind_off_by_default_is_sent_only_to_who_turned_it_on(push_service):
    user, other = UserFactory(), UserFactory()
    mine, theirs = subscribe(push_service, user), subscribe(push_service, other)
    preferences_set(user=user, choices={Kind.FOLLOWER: {Channel.PUSH: True}})
    rows = [
        Notification.objects.create(user=u, kind=Kind.FOLLOWER, title="Tunde follows you", url="/")
        for u in (user, other)
    ]

    push_deliver(notification_ids=[r.pk for r in rows])

    assert [r.decrypt()["title"] for r in push_service.to(mine)] == ["Tunde follows you"]
    assert push_service.to(theirs) == []
    assert push_service.to(mine)[0].headers["Urgency"] == "normal"


def test_the_task_retries_the_failed_rows_later(push_service, monkeypatch):
    user = UserFactory()
    subscribe(push_service, user, "down")
    push_service.status["down"] = 502
    row = live_row(user)
    calls = []
    monkeypatch.setattr(deliver_push, "retry", lambda **kwargs: calls.append(kwargs))

    # As a worker runs it (not eagerly, a first try): the rows that failed go back with a countdown.
    deliver_push.push_request(is_eager=False, retries=0)
    try:
        deliver_push.run(notification_ids=[row.pk])
    finally:
        deliver_push.pop_request()

    assert calls and calls[0]["kwargs"] == {"notification_ids": [row.pk]}
    assert calls[0]["countdown"] >= 60


def test_the_task_gives_up_after_its_last_retry(push_service, monkeypatch):
    user = UserFactory()
    subscribe(push_service, user, "down")
    push_service.status["down"] = 502
    row = live_row(user)
    calls = []
    monkeypatch.setattr(deliver_push, "retry", lambda **kwargs: calls.append(kwargs))

    deliver_push.push_request(is_eager=False, retries=5)
    try:
        deliver_push.run(notification_ids=[row.pk])
    finally:
        deliver_push.pop_request()

    assert calls == []


def test_without_vapid_keys_nothing_is_claimed_or_sent(push_service, settings):
    user = UserFactory()
    browser = subscribe(push_service, user)
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_KEY_FILE = ""
    row = live_row(user)

    assert push_deliver(notification_ids=[row.pk]).sent == []
    assert push_service.to(browser) == []
    row.refresh_from_db()
    assert row.pushed_at is None


@pytest.mark.parametrize(
    ("site_url", "row_url", "expected"),
    [
        ("https://live.example", "/streams/abc/", "https://live.example/streams/abc/"),
        ("https://live.example/", "/streams/abc/", "https://live.example/streams/abc/"),  # no double slash
        ("https://live.example", "", "https://live.example/"),
        ("https://live.example", "https://media.example/v.mp4", "https://media.example/v.mp4"),  # already absolute
    ],
)
def test_the_payload_links_are_absolute_as_everywhere_else(settings, site_url, row_url, expected):
    settings.SITE_URL = site_url
    data = json.loads(payload(Notification(pk=1, kind=Kind.MENTION, title="t", body="b", url=row_url)))
    assert data["url"] == expected
    assert data["icon"] == "https://live.example/static/img/notification-icon.png"
