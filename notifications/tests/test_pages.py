"""The bell, the notifications page, the settings table and the Remind me control, as the server renders them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Kind, Notification, Preference, Reminder
from notifications.services import notify
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


def store(user, n):
    for i in range(n):
        notify(kind=Kind.FOLLOWER, user_ids=[user.pk], title=f"Fan {i} followed you", body="", url=f"/@fan{i}/")


def test_the_bell_shows_the_unread_count(browser, user):
    store(user, 3)
    page = browser.get("/").content.decode()
    assert 'aria-label="Notifications, 3 unread"' in page and "js/notifications.js" in page
    assert "bell-button" not in Client().get("/").content.decode()  # signed out: no bell


def test_the_page_lists_with_pages_and_marks_all_read(browser, user):
    store(user, 23)
    first = browser.get("/notifications/").content.decode()
    assert "Fan 22 followed you" in first and "Fan 2 followed you" not in first and "Page 1 of 2" in first
    assert "Fan 0 followed you" in browser.get("/notifications/?page=2").content.decode()
    assert browser.post("/notifications/read-all/").status_code == 303
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert Client().get("/notifications/").status_code == 302  # to the log-in page


def test_the_settings_table_saves_every_box(browser, user):
    page = browser.get("/notifications/settings/").content.decode()
    assert 'name="live:email"' in page and 'aria-label="Someone follows you: Push"' in page
    checked = {f"{kind}:in_app": "on" for kind in Kind.values} | {"live:push": "on"}
    assert browser.post("/notifications/settings/", checked).status_code == 303
    stored = {(row.kind, row.channel): row.enabled for row in Preference.objects.filter(user=user)}
    assert stored[("live", "push")] is True and stored[("live", "email")] is False
    assert stored[("mention", "push")] is False and stored[("mention", "in_app")] is True


def test_remind_me_on_scheduled_cards_and_the_watch_page(browser, user):
    stream = StreamFactory(title="Yoruba tones", scheduled_start_time=timezone.now() + timedelta(hours=3))
    watch = browser.get(f"/streams/{stream.pk}/").content.decode()
    assert f'data-remind="{stream.pk}"' in watch and ">Remind me<" in watch
    Reminder.objects.create(user=user, stream=stream, minutes_before=30, remind_at=timezone.now())
    watch = browser.get(f"/streams/{stream.pk}/").content.decode()
    assert ">Reminder set<" in watch and '<option value="30" selected>' in watch
    signed_out = Client().get(f"/streams/{stream.pk}/").content.decode()
    assert "Log in to get a reminder" in signed_out
    live = StreamFactory(live=True)
    assert "data-remind" not in browser.get(f"/streams/{live.pk}/").content.decode()


def test_a_user_with_no_notifications_sees_zero(browser):
    assert 'aria-label="Notifications, 0 unread"' in browser.get("/").content.decode()


def test_staff_read_notifications_and_reminders_in_the_admin(user):
    from accounts.tests.factories import UserFactory

    store(user, 1)
    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = staff.get("/admin/notifications/notification/")
    assert listing.status_code == 200 and "Fan 0 followed you" in listing.content.decode()
    assert staff.get("/admin/notifications/reminder/").status_code == 200
    assert staff.get("/admin/notifications/notification/add/").status_code == 403
