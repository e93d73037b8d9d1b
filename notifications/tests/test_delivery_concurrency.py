"""Runs racing for the same batch (a redelivered task beside the first) send each row once (PostgreSQL)."""

import threading

import pytest
from django.core import mail
from django.db import connection

from accounts.tests.factories import UserFactory
from notifications.delivery.email import email_deliver
from notifications.models import Kind, Notification


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_runs_mail_each_row_once():
    users = [UserFactory() for _ in range(60)]
    ids = [Notification.objects.create(user=u, kind=Kind.PAYOUT, title="Paid", url="/").pk for u in users]
    start = threading.Barrier(4)
    errors = []

    def run():
        try:
            start.wait()
            email_deliver(notification_ids=ids)
        except Exception as exc:  # noqa: BLE001 - any error in a thread is reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
