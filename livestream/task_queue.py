"""Queue Celery tasks after commit, by name: the domain never imports its tasks modules."""

import logging

from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def task_on_commit(name: str, *args, countdown: int | None = None) -> None:
    """Queue the Celery task at dotted path ``name`` once the caller's transaction commits (at once outside one).

    By name, so the layering runs one way: tasks import services (take ids, fetch, call a service), services
    never import tasks, and no import hides inside a function to dodge a cycle. Eager Celery (``make run``
    without Redis) runs the task there and then, as ``delay`` does.

    The write has committed when this runs: a broker that is down (or a task that fails eagerly) must not turn
    it into an error for the caller, whose retry would write it twice (a second clip). The failure is logged;
    the periodic jobs (``CELERY_BEAT_SCHEDULE``) pick up what they cover (see README, "Background jobs").
    """

    def send() -> None:
        try:
            task = import_string(name)
            if countdown is None:
                task.delay(*args)
            else:
                task.apply_async(args=args, countdown=countdown)
        except Exception:
            logger.exception("task %s%r was not queued after commit", name, args)

    transaction.on_commit(send, robust=True)
