"""E-mail delivery: content, the one-click unsubscribe (RFC 8058), preferences, no double send, batching."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.delivery.email import email_deliver, unsubscribe_token
from notifications.models import Channel, Kind, Notification, Preference
from notifications.selectors import enabled_user_ids
from notifications.services import preferences_set
from notifications.tasks import deliver_email
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def row(user, kind=Kind.LIVE, stream=None, title="Ada is live") -> Notification:
    stream = stream or StreamFactory()
    return Notification.objects.create(
        user=user, kind=kind, title=title, body="Yoruba for beginners", url=f"/streams/{stream.pk}", stream=stream
    )


def unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">")
    return urlsplit(header[1:-1]).path


def test_the_email_says_what_happened_links_to_it_and_offers_a_one_click_unsubscribe(settings):
    user = UserFactory(display_name="Chioma")
    notification = row(user)

    assert email_deliver(notification_ids=[notification.pk]).sent == [notification.pk]

    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Ada is live"
    assert "Hello Chioma" in message.body and "Yoruba for beginners" in message.body
    assert f"{settings.SITE_URL}/streams/{notification.stream_id}" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{settings.SITE_URL}/streams/{notification.stream_id}"' in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"][1:-1]
    assert link.startswith(f"{settings.SITE_URL}/notifications/unsubscribe/")
    assert link in message.body and link in html
    # The header survives into the message as sent.
    sent = message.message()
    assert re.sub(r"\s+", "", str(sent["List-Unsubscribe"])) == f"<{link}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_unsubscribe_link_asks_first_then_one_click_post_turns_that_kind_off():
    user = UserFactory()
    email_deliver(notification_ids=[row(user).pk])
    path = unsubscribe_path(mail.outbox[0])
    client = Client(enforce_csrf_checks=True)  # the mail client's POST has no cookie and no CSRF token

    page = client.get(path)
    assert page.status_code == 200
    assert b"Stop these e-mails?" in page.content
    assert not Preference.objects.exists()  # a link scanner's GET changes nothing

    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert b"You are unsubscribed" in done.content
    assert Preference.objects.get(user=user, kind=Kind.LIVE, channel=Channel.EMAIL).enabled is False
    assert client.post(path).status_code == 200  # again: nothing changes, no error

    mail.outbox.clear()
    email_deliver(notification_ids=[row(user).pk, row(user, kind=Kind.SCHEDULED, title="Ada plans a stream").pk])
    assert [m.subject for m in mail.outbox] == ["Ada plans a stream"]  # only that kind is off


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoiMSIsImsiOiJsaXZlIn0:forged", ""])
def test_a_bad_unsubscribe_token_is_not_found(token, client):
    path = f"/notifications/unsubscribe/{token}"
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert not Preference.objects.exists()


def test_a_tampered_token_is_refused_and_a_token_for_a_gone_user_is_not_found(client):
    user = UserFactory()
    token = unsubscribe_token(user_id=user.pk, kind=Kind.LIVE)
    assert client.get(f"/notifications/unsubscribe/{token[:-2]}xx").status_code == 404
    user.delete()
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 404


def test_email_off_for_the_kind_means_no_mail_and_no_stamp():
    user, other = UserFactory(), UserFactory()
    preferences_set(user=user, choices={Kind.LIVE: {Channel.EMAIL: False}})
    mine, theirs = row(user), row(other)

    email_deliver(notification_ids=[mine.pk, theirs.pk])

    assert [m.to for m in mail.outbox] == [[other.email]]
    mine.refresh_from_db()
    assert mine.emailed_at is None


def test_a_kind_off_by_default_is_mailed_only_to_who_turned_it_on():
    user, other = UserFactory(), UserFactory()
    preferences_set(user=user, choices={Kind.GIFT: {Channel.EMAIL: True}})
    rows = [Notification.objects.create(user=u, kind=Kind.GIFT, title="A gift", url="/") for u in (user, other)]

    email_deliver(notification_ids=[r.pk for r in rows])

    assert [m.to for m in mail.outbox] == [[user.email]]
    assert enabled_user_ids(user_ids=[user.pk, other.pk], kind=Kind.GIFT, channel=Channel.EMAIL) == {user.pk}


def test_no_address_or_an_inactive_account_gets_no_mail():
    no_address = UserFactory(email="")
    inactive = UserFactory(is_active=False)
    email_deliver(notification_ids=[row(no_address).pk, row(inactive).pk])
    assert mail.outbox == []


def test_a_retried_task_never_sends_twice():
    user = UserFactory()
    notification = row(user)

    deliver_email.apply(kwargs={"notification_ids": [notification.pk]})
    deliver_email.apply(kwargs={"notification_ids": [notification.pk]})
    email_deliver(notification_ids=[notification.pk])

    assert len(mail.outbox) == 1


def test_a_follower_gets_one_email_for_a_stream_scheduled_then_live_within_the_hour():
    user = UserFactory()
    stream = StreamFactory()
    scheduled = row(user, kind=Kind.SCHEDULED, stream=stream, title="Ada plans a stream")
    live = row(user, kind=Kind.LIVE, stream=stream)
    other_stream = row(user, kind=Kind.LIVE, title="Bayo is live")

    email_deliver(notification_ids=[scheduled.pk])
    email_deliver(notification_ids=[live.pk, other_stream.pk])

    assert [m.subject for m in mail.outbox] == ["Ada plans a stream", "Bayo is live"]
    live.refresh_from_db()
    assert live.emailed_at is None  # not mailed: it stays in the app


def test_after_the_hour_the_next_stream_email_goes_out():
    user = UserFactory()
    stream = StreamFactory()
    scheduled = row(user, kind=Kind.SCHEDULED, stream=stream, title="Ada plans a stream")
    email_deliver(notification_ids=[scheduled.pk])
    Notification.objects.filter(pk=scheduled.pk).update(emailed_at=timezone.now() - timedelta(minutes=61))

    live = row(user, kind=Kind.LIVE, stream=stream)
    email_deliver(notification_ids=[live.pk])

    assert [m.subject for m in mail.outbox] == ["Ada plans a stream", "Ada is live"]


def test_scheduled_and_live_for_one_stream_in_the_same_batch_send_one_email():
    user = UserFactory()
    stream = StreamFactory()
    first = row(user, kind=Kind.SCHEDULED, stream=stream, title="Ada plans a stream")
    second = row(user, kind=Kind.LIVE, stream=stream)

    result = email_deliver(notification_ids=[first.pk, second.pk])

    assert result.sent == [first.pk]
    assert [m.subject for m in mail.outbox] == ["Ada plans a stream"]
    second.refresh_from_db()
    assert second.emailed_at is None


class CountingBackend(EmailBackend):
    """Local memory, counting the connections opened; refuses the messages to ``refuse`` (SMTP down)."""

    opened = 0
    refuse: set = set()

    def open(self):
        CountingBackend.opened += 1
        return True

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & CountingBackend.refuse:
                raise ConnectionError("the mail server went away")
        return super().send_messages(messages)


@pytest.fixture
def counting_backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened = 0
    CountingBackend.refuse = set()
    return CountingBackend


def test_a_batch_is_sent_over_one_connection(counting_backend):
    users = [UserFactory() for _ in range(5)]
    email_deliver(notification_ids=[row(u).pk for u in users])
    assert len(mail.outbox) == 5
    assert counting_backend.opened == 1


def test_rows_the_mail_server_refused_are_released_and_the_retry_sends_only_those(counting_backend):
    users = [UserFactory() for _ in range(3)]
    rows = [row(u) for u in users]
    counting_backend.refuse = {users[1].email}

    result = email_deliver(notification_ids=[r.pk for r in rows])

    assert result.sent == [rows[0].pk]
    assert result.failed == [rows[1].pk, rows[2].pk]
    assert list(Notification.objects.filter(emailed_at__isnull=True).order_by("pk").values_list("pk", flat=True)) == [
        rows[1].pk,
        rows[2].pk,
    ]

    counting_backend.refuse = set()
    assert email_deliver(notification_ids=[r.pk for r in rows]).sent == [rows[1].pk, rows[2].pk]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)


def test_the_task_retries_what_the_mail_server_refused(counting_backend, monkeypatch):
    user = UserFactory()
    notification = row(user)
    counting_backend.refuse = {user.email}
    calls = []
    monkeypatch.setattr(deliver_email, "retry", lambda **kwargs: calls.append(kwargs))

    deliver_email.push_request(is_eager=False, retries=1)
    try:
        deliver_email.run(notification_ids=[notification.pk])
    finally:
        deliver_email.pop_request()

    assert calls[0]["kwargs"] == {"notification_ids": [notification.pk]}
    assert calls[0]["countdown"] == 120  # backing off


def test_the_token_names_the_kind_and_the_user_and_nothing_else_unsubscribes(client):
    user = UserFactory()
    token = unsubscribe_token(user_id=user.pk, kind=Kind.REMINDER)
    assert re.fullmatch(r"[\w.:-]+", token)
    client.post(f"/notifications/unsubscribe/{token}")
    assert list(Preference.objects.values_list("user_id", "kind", "channel", "enabled")) == [
        (user.pk, Kind.REMINDER.value, Channel.EMAIL.value, False)
    ]
