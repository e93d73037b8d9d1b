"""Runs racing for the same batch (a redelivered task beside the first) send each row once (PostgreSQL)."""

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from notifications.delivery.email import email_deliver
from notifications.models import Kind, Notification
from notifications.tests.racing import race


@pytest.mark.needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_runs_mail_each_row_once():
    users = [UserFactory() for _ in range(60)]
    ids = [Notification.objects.create(user=u, kind=Kind.PAYOUT, title="Paid", url="/").pk for u in users]
    race(*[lambda: email_deliver(notification_ids=ids)] * 4)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
