"""Due reminders are claimed in small batches and notified with no row lock held; two beats racing send each
reminder once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications import services
from notifications.models import Kind, Notification, Reminder
from notifications.services import reminders_send_due
from notifications.tests.racing import race
from streams.tests.factories import StreamFactory


def due_reminders(streams: int, fans: int) -> list[Reminder]:
    start = timezone.now() + timedelta(minutes=10)
    reminders = []
    for index in range(streams):
        stream = StreamFactory(scheduled_start_time=start, title=f"Lesson {index}")
        for _ in range(fans):
            reminders.append(
                Reminder.objects.create(
                    user=UserFactory(), stream=stream, minutes_before=15, remind_at=start - timedelta(minutes=15)
                )
            )
    return reminders


@pytest.mark.django_db(transaction=True)
def test_reminders_are_claimed_in_batches_and_notified_outside_the_claims_transaction(monkeypatch):
    due_reminders(streams=2, fans=3)
    calls = []
    real = services.notify

    def spy(**kwargs):
        # The claim (the row locks) has committed: nothing is held while the notifications are written and sent.
        calls.append((connection.in_atomic_block, len(kwargs["user_ids"])))
        return real(**kwargs)

    monkeypatch.setattr(services, "notify", spy)
    assert reminders_send_due(batch_size=4) == 6
    assert [held for held, _ in calls] == [False] * len(calls)
    assert sum(count for _, count in calls) == 6 and len(calls) >= 2  # 6 reminders in batches of 4
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    assert reminders_send_due(batch_size=4) == 0


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_notifying_gives_the_batch_back_for_the_next_beat(monkeypatch):
    due_reminders(streams=1, fans=2)

    def broken(**kwargs):
        raise RuntimeError("the database went away mid-batch")

    monkeypatch.setattr(services, "notify", broken)
    with pytest.raises(RuntimeError):
        reminders_send_due()
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 2  # not lost: the next beat sends them
    monkeypatch.undo()
    assert reminders_send_due() == 2


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_racing_send_each_reminder_once():
    reminders = due_reminders(streams=4, fans=10)
    sent = race(*[lambda: reminders_send_due(batch_size=3)] * 2)

    assert sum(sent) == len(reminders)
    rows = Notification.objects.filter(kind=Kind.REMINDER)
    assert sorted(str(row.user_id) for row in rows) == sorted(str(r.user_id) for r in reminders)  # each once
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
