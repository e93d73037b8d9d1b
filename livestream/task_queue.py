"""Queue Celery tasks after commit, by name: the domain never imports its tasks modules."""

from django.db import transaction
from django.utils.module_loading import import_string


def task_on_commit(name: str, *args, countdown: int | None = None) -> None:
    """Queue the Celery task at dotted path ``name`` once the caller's transaction commits (at once outside one).

    By name, so the layering runs one way: tasks import services (take ids, fetch, call a service), services
    never import tasks, and no import hides inside a function to dodge a cycle. Eager Celery (``make run``
    without Redis) runs the task there and then, as ``delay`` does.
    """

    def send() -> None:
        task = import_string(name)
        if countdown is None:
            task.delay(*args)
        else:
            task.apply_async(args=args, countdown=countdown)

    transaction.on_commit(send)
