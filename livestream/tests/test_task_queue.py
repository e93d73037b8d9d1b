"""task_on_commit: a task queued after a write commits never turns the committed write into an error."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from livestream.task_queue import task_on_commit

queued = []


class BrokerDown:
    """A task whose broker cannot be reached: delay and apply_async raise, as Celery's do."""

    def delay(self, *args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def apply_async(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class Recorder:
    def delay(self, *args):
        queued.append(args)


broker_down = BrokerDown()
recorder = Recorder()


@pytest.mark.django_db
@pytest.mark.parametrize("countdown", [None, 5])
def test_a_broker_that_is_down_after_commit_is_logged_not_raised(django_capture_on_commit_callbacks, caplog, countdown):
    with caplog.at_level(logging.ERROR, logger="livestream.task_queue"):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                task_on_commit(f"{__name__}.broker_down", "clip-id", countdown=countdown)
    assert len(callbacks) == 1
    assert f"task {__name__}.broker_down('clip-id',) was not queued" in caplog.text


@pytest.mark.django_db
def test_a_task_is_queued_once_the_transaction_commits(django_capture_on_commit_callbacks):
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            task_on_commit(f"{__name__}.recorder", "a", "b")
            assert queued == []
    assert queued == [("a", "b")]
