"""A Celery worker killed mid-task loses nothing and does nothing twice (issue 11), on real services: a redis-server
of the test's own, real ``celery -A livestream worker`` processes over the test's PostgreSQL database.

The task is the real subscription renewal (``streams.tasks.renew_subscriptions_task``: it charges the subscriber
and moves the period on, in one transaction). It is held mid-task, deterministically, by the test holding the
subscription's row lock, so the worker is killed while its transaction is open: the kill rolls that back, the
message was not acknowledged (``CELERY_TASK_ACKS_LATE``), it goes back on the queue, another pool process or
worker runs it, and the subscriber is charged once.
"""

import json
import os
import signal
from datetime import timedelta

import psycopg
import pytest
import redis
from celery import Celery
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.tests.servers import database_url_of_test_db
from streams.models import SUBSCRIPTION_PERIOD, Subscription
from streams.services.monetization import subscription_start
from streams.tests.processes import Worker, redis_server, wait_until
from streams.tests.test_monetization import subscribe_setup
from wallet.selectors import wallet_balance
from wallet.services import coins_grant

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.django_db(transaction=True)]

PRICE = 40
TASK = "streams.tasks.renew_subscriptions_task"


@pytest.fixture
def due_subscription():
    """A subscriber with 120 coins, subscribed (-40) and due for renewal."""
    fan = UserFactory()
    coins_grant(user=fan, coins=120, reason="test")
    subscription, _ = subscription_start(subscriber=fan, creator=subscribe_setup(price=PRICE))
    Subscription.objects.filter(pk=subscription.pk).update(current_period_end=timezone.now() - timedelta(minutes=1))
    subscription.refresh_from_db()
    return subscription


@pytest.fixture
def broker(tmp_path):
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture
def workers(tmp_path, broker):
    started: list[Worker] = []

    def start(name: str, **environment: str) -> Worker:
        worker = Worker(broker, tmp_path / f"{name}.log", **environment)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def queue(broker_url: str, name: str) -> None:
    """Queue a task by name on ``broker_url``, as the app's producers do."""
    client = Celery("fault-test", broker=broker_url, set_as_current=False)
    try:
        client.send_task(name)
    finally:
        client.close()


def lock_waiters() -> int:
    """Database sessions waiting for a row lock (the test's own connection, outside any transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


class RowLock:
    """The subscription's row, locked FOR UPDATE by another session until released: the renewal waits on it."""

    def __init__(self, subscription_id: int):
        self.connection = psycopg.connect(database_url_of_test_db())
        self.connection.execute("SELECT 1 FROM streams_subscription WHERE id = %s FOR UPDATE", [subscription_id])

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()


def charged_once(subscription: Subscription, started_at) -> None:
    renewed = Subscription.objects.get(pk=subscription.pk)
    assert wallet_balance(user=subscription.subscriber) == 120 - 2 * PRICE  # the subscription, one renewal
    # One period from the renewal, not two.
    assert started_at + SUBSCRIPTION_PERIOD <= renewed.current_period_end <= timezone.now() + SUBSCRIPTION_PERIOD


def nothing_left(broker_url: str) -> None:
    """The renewal is done and acknowledged: not queued nor held to run again. (What the renewal itself queued,
    its subscriber's notification, may still wait its turn.) The worker logs "succeeded" from its pool process
    before its main process acknowledges the message, so the acknowledgement is waited for, not assumed."""
    client = redis.Redis.from_url(broker_url)

    def pending() -> list[str]:
        queued = [json.loads(raw)["headers"]["task"] for raw in client.lrange("celery", 0, -1)]
        held = [json.loads(raw)[0]["headers"]["task"] for raw in client.hvals("unacked")]
        return queued + held

    wait_until(lambda: TASK not in pending(), timeout=10, what="the renewal acknowledged (neither queued nor held)")


def renewed(subscription: Subscription) -> bool:
    return Subscription.objects.get(pk=subscription.pk).current_period_end > timezone.now()


def test_a_killed_pool_process_s_task_runs_again_at_once_and_charges_once(due_subscription, broker, workers):
    started_at = timezone.now()
    worker = workers("pool")
    lock = RowLock(due_subscription.pk)
    try:
        queue(broker, TASK)
        wait_until(lambda: lock_waiters() >= 1, timeout=15, what="the renewal waiting on the row")
        (pool_process,) = worker.pool_processes()
        os.kill(pool_process, signal.SIGKILL)
        # The worker puts the message back (REJECT_ON_WORKER_LOST) and its new pool process takes it: two sessions
        # wait now, the killed one's (it learns its client is gone once it gets the row) and the new one's.
        wait_until(lambda: lock_waiters() >= 2, timeout=15, what="the task running again in a new pool process")
        assert wallet_balance(user=due_subscription.subscriber) == 120 - PRICE  # nothing charged yet
    finally:
        lock.release()
    wait_until(lambda: renewed(due_subscription), timeout=15, what="the renewal done")
    assert "WorkerLostError" in worker.output() or "SIGKILL" in worker.output()
    wait_until(lambda: "succeeded" in worker.output(), timeout=10, what="the task acknowledged")
    charged_once(due_subscription, started_at)
    nothing_left(broker)


def test_a_killed_worker_s_task_is_run_by_the_next_worker_and_charges_once(due_subscription, broker, workers):
    started_at = timezone.now()
    # A short visibility timeout so the test need not wait the hour production waits for a worker that vanished.
    fast = {"CELERY_VISIBILITY_TIMEOUT": "2", "CELERY_UNACKED_RESTORE_SECONDS": "1"}
    first = workers("first", **fast)
    lock = RowLock(due_subscription.pk)
    try:
        queue(broker, TASK)
        wait_until(lambda: lock_waiters() >= 1, timeout=15, what="the renewal waiting on the row")
        assert redis.Redis.from_url(broker).hlen("unacked") == 1  # taken, not acknowledged
        first.kill()
    finally:
        lock.release()
    assert not renewed(due_subscription)
    assert wallet_balance(user=due_subscription.subscriber) == 120 - PRICE  # the killed transaction left nothing
    second = workers("second", **fast)
    wait_until(lambda: renewed(due_subscription), timeout=20, what="the next worker renewing")
    wait_until(lambda: "succeeded" in second.output(), timeout=10, what="the task acknowledged")
    charged_once(due_subscription, started_at)
    nothing_left(broker)
    # Delivered once more (a duplicate, or the beat's next run): nothing is due, nothing is charged.
    queue(broker, TASK)
    wait_until(lambda: second.output().count("succeeded") >= 2, timeout=10, what="the duplicate run")
    charged_once(due_subscription, started_at)
