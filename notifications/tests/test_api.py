"""The notifications API and reminders: lists, read marks, counts, choices, errors; reminders sent once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import client_for
from notifications.models import Kind, Notification, Reminder
from notifications.services import notify, reminders_send_due
from streams.tests.factories import StreamFactory

pytestmark = pytest.mark.django_db


def store(user, n=1, **fields):
    for i in range(n):
        notify(kind=Kind.FOLLOWER, user_ids=[user.pk], title=f"N{i}", body="", url="/", **fields)


def test_list_newest_first_paginated_and_only_listed(auth_client, django_assert_max_num_queries):
    store(auth_client.user, 3)
    Notification.objects.filter(title="N0").update(listed=False)
    store(UserFactory())
    with django_assert_max_num_queries(4):
        body = auth_client.get("/api/v1/notifications?limit=1").json()
    assert body["count"] == 2 and [row["title"] for row in body["results"]] == ["N2"] and body["next"]
    row = body["results"][0]
    assert set(row) == {"id", "kind", "title", "body", "url", "data", "created_at", "read"} and row["read"] is False
    assert auth_client.get("/api/v1/notifications?page=9").status_code == 404
    assert auth_client.get("/api/v1/notifications?limit=x").status_code == 400


def test_read_and_unread_count(auth_client):
    store(auth_client.user, 3)
    other = UserFactory()
    store(other)
    ids = list(Notification.objects.filter(user=auth_client.user).values_list("pk", flat=True))
    assert auth_client.get("/api/v1/notifications/unread-count").json() == {"unread_count": 3}
    theirs = Notification.objects.get(user=other).pk
    response = auth_client.post("/api/v1/notifications/read", {"ids": [ids[0], theirs]}, format="json")
    assert response.json() == {"marked": 1, "unread_count": 2}
    assert auth_client.post("/api/v1/notifications/read", {"all": True}, format="json").json()["unread_count"] == 0
    assert Notification.objects.get(user=other).read_at is None


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["x"]}, {"ids": "1"}, {"all": "maybe"}, []])
def test_read_refuses_bad_input(auth_client, body):
    response = auth_client.post("/api/v1/notifications/read", body, format="json")
    assert response.status_code == 400


def test_signed_out_is_401(api_client):
    for path in ("/api/v1/notifications", "/api/v1/notifications/unread-count", "/api/v1/notifications/preferences"):
        assert api_client.get(path).status_code == 401


def test_preferences_every_kind_and_channel(auth_client):
    table = auth_client.get("/api/v1/notifications/preferences").json()
    assert set(table) == set(Kind.values) and table["follower"] == {"in_app": True, "email": False, "push": False}
    changed = auth_client.put("/api/v1/notifications/preferences", {"mention": {"push": False}}, format="json")
    assert changed.status_code == 200 and changed.json()["mention"] == {"in_app": True, "email": False, "push": False}
    for bad in (
        {"nope": {"push": True}},
        {"mention": {"fax": True}},
        {"mention": {"push": "yes"}},
        {"mention": 1},
        [1],
    ):
        response = auth_client.put("/api/v1/notifications/preferences", bad, format="json")
        assert response.status_code == 400, bad


def reminder_url(stream):
    return f"/api/v1/streams/{stream.pk}/reminder"


def test_reminders_set_change_delete_and_errors(auth_client):
    soon = StreamFactory(scheduled_start_time=timezone.now() + timedelta(hours=2))
    created = auth_client.post(reminder_url(soon), {}, format="json")
    assert created.status_code == 201 and created.json()["minutes_before"] == 15
    changed = auth_client.post(reminder_url(soon), {"minutes_before": 60}, format="json")
    assert changed.status_code == 200 and Reminder.objects.get().minutes_before == 60
    assert auth_client.post(reminder_url(soon), {"minutes_before": 7}, format="json").status_code == 400
    live = StreamFactory(live=True)
    refused = auth_client.post(reminder_url(live), {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "not_scheduled"
    unscheduled = StreamFactory()  # no start time
    assert auth_client.post(reminder_url(unscheduled), {}, format="json").status_code == 409
    private = StreamFactory(visibility="private", scheduled_start_time=timezone.now() + timedelta(hours=2))
    assert auth_client.post(reminder_url(private), {}, format="json").status_code == 404
    assert auth_client.post("/api/v1/streams/00000000-0000-0000-0000-000000000000/reminder").status_code == 404
    assert auth_client.delete(reminder_url(soon)).status_code == 204
    assert auth_client.delete(reminder_url(soon)).status_code == 404


def test_due_reminders_are_sent_once(django_capture_on_commit_callbacks):
    start = timezone.now() + timedelta(minutes=14)
    stream = StreamFactory(scheduled_start_time=start, title="Hausa poetry")
    fans = [UserFactory() for _ in range(2)]
    later = UserFactory()
    for fan in fans:
        client_for(fan).post(reminder_url(stream), {"minutes_before": 15}, format="json")
    client_for(later).post(reminder_url(stream), {"minutes_before": 5}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due() == 2
        assert reminders_send_due() == 0
    rows = Notification.objects.filter(kind=Kind.REMINDER)
    assert {row.user_id for row in rows} == {fan.pk for fan in fans}
    assert rows[0].title == "Hausa poetry starts in 14 min"
    assert reminders_send_due(now=start - timedelta(minutes=4)) == 1
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def test_a_reminder_of_a_stream_no_longer_scheduled_is_closed_silently():
    stream = StreamFactory(scheduled_start_time=timezone.now() + timedelta(minutes=10))
    client_for(UserFactory()).post(reminder_url(stream), {"minutes_before": 15}, format="json")
    stream.status, stream.started_at = "live", timezone.now()
    stream.save()
    assert reminders_send_due() == 0
    assert Reminder.objects.get().sent_at is not None and not Notification.objects.exists()


def test_a_reminder_of_a_stream_made_private_since_says_nothing():
    stream = StreamFactory(scheduled_start_time=timezone.now() + timedelta(minutes=10))
    client_for(UserFactory()).post(reminder_url(stream), {"minutes_before": 15}, format="json")
    stream.visibility = "private"
    stream.save()
    assert reminders_send_due() == 0
    assert Reminder.objects.get().sent_at is not None and not Notification.objects.exists()


def test_the_schema_documents_the_routes(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    for path in ("notifications", "notifications/read", "notifications/unread-count", "notifications/preferences"):
        assert f"/api/v1/{path}" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/streams/{stream_id}/reminder"]
