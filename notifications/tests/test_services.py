"""notify: who gets a row, which rows are listed, dedupe, batches, the socket events and the deliveries."""

import pytest

from accounts.tests.factories import UserFactory
from notifications.models import Kind, Notification, Preference
from notifications.selectors import enabled_user_ids, unread_count
from notifications.services import notifications_mark_read, notify, preferences_set

pytestmark = pytest.mark.django_db


def store(users, **fields):
    values = {"kind": Kind.LIVE, "title": "Ada is live", "body": "Yoruba", "url": "/streams/x/", **fields}
    return notify(user_ids=[user.pk for user in users], **values)


def test_rows_follow_each_users_choices_over_the_defaults(django_capture_on_commit_callbacks, deliveries):
    everything, app_off, all_off = UserFactory(), UserFactory(), UserFactory()
    Preference.objects.create(user=app_off, kind=Kind.LIVE, channel="in_app", enabled=False)
    for channel in ("in_app", "email", "push"):
        Preference.objects.create(user=all_off, kind=Kind.LIVE, channel=channel, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert store([everything, app_off, all_off]) == 2
    rows = {row.user_id: row for row in Notification.objects.all()}
    assert set(rows) == {everything.pk, app_off.pk}
    assert rows[everything.pk].listed is True and rows[app_off.pk].listed is False  # kept for e-mail and push
    assert unread_count(user_id=everything.pk) == 1 and unread_count(user_id=app_off.pk) == 0
    assert sorted(name for name, _ids in deliveries) == ["deliver_email", "deliver_push"]
    assert sorted(deliveries[0][1]) == sorted(row.pk for row in rows.values())


def test_enabled_user_ids_reads_defaults_and_choices():
    a, b = UserFactory(), UserFactory()
    Preference.objects.create(user=b, kind=Kind.FOLLOWER, channel="push", enabled=True)
    assert enabled_user_ids(user_ids=[a.pk, b.pk], kind=Kind.FOLLOWER, channel="push") == {b.pk}  # default off
    assert enabled_user_ids(user_ids=[a.pk, b.pk], kind=Kind.FOLLOWER, channel="in_app") == {a.pk, b.pk}


def test_a_repeated_key_stores_and_delivers_nothing_twice(django_capture_on_commit_callbacks, deliveries):
    users = [UserFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        assert store(users[:2], dedupe_key="live:1") == 2
        assert store(users, dedupe_key="live:1") == 1  # only the third is new
    assert Notification.objects.count() == 3
    email = [ids for name, ids in deliveries if name == "deliver_email"]
    assert [len(ids) for ids in email] == [2, 1]


def test_batches_are_separate_transactions(monkeypatch, django_capture_on_commit_callbacks, deliveries):
    monkeypatch.setattr("notifications.services.BATCH_SIZE", 2)
    users = [UserFactory() for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        assert store(users, dedupe_key="k") == 5
    assert [len(ids) for name, ids in deliveries if name == "deliver_push"] == [2, 2, 1]


def test_the_socket_hears_the_notification_and_the_count(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("livestream.events._group_send_all", _recorder(sent))
    user, away = UserFactory(), UserFactory()
    monkeypatch.setattr("notifications.services.online_user_ids", lambda ids: {user.pk} & set(ids))
    with django_capture_on_commit_callbacks(execute=True):
        store([user, away])
        store([user, away], title="Again")
    groups = [group for group, _message in sent]
    assert groups == [f"user_{user.pk}", f"user_{user.pk}"]  # nothing for a user with no socket open
    import json

    last = json.loads(sent[-1][1]["text"])
    assert last["type"] == "notification" and last["unread_count"] == 2 and last["notification"]["title"] == "Again"


def _recorder(sent):
    async def record(layer, messages, concurrency=64):
        sent.extend(messages)

    return record


def test_mark_read_by_ids_or_all_only_touches_the_callers():
    user, other = UserFactory(), UserFactory()
    store([user, other])
    store([user], title="Second")
    mine = list(Notification.objects.filter(user=user).values_list("pk", flat=True))
    theirs = Notification.objects.get(user=other).pk
    assert notifications_mark_read(user=user, ids=[mine[0], theirs]) == 1
    assert unread_count(user_id=user.pk) == 1 and unread_count(user_id=other.pk) == 1
    assert notifications_mark_read(user=user, all=True) == 1
    assert unread_count(user_id=user.pk) == 0


def test_preferences_set_validates_everything_before_storing():
    from django.core.exceptions import ValidationError

    user = UserFactory()
    with pytest.raises(ValidationError):
        preferences_set(user=user, choices={"live": {"email": False}, "nope": {"email": True}})
    assert not Preference.objects.exists()
    preferences_set(user=user, choices={"live": {"email": False}})
    preferences_set(user=user, choices={"live": {"email": True, "push": False}})
    assert dict(Preference.objects.values_list("channel", "enabled")) == {"email": True, "push": False}
