import pytest

from accounts.tests.factories import UserFactory
from livestream.celery import app as celery_app
from notifications.tests.push_stub import push_service  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    """The receivers queue tasks after commit; here they run there and then, as under `make run`."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def deliveries(monkeypatch):
    """E-mail and push deliveries queued by notify: (task name, notification ids), in order. (Their tasks are
    the delivery work's; here only what is queued is checked.)"""
    queued: list[tuple[str, list]] = []
    real = __import__("livestream.task_queue", fromlist=["task_on_commit"]).task_on_commit

    def task_on_commit(name, *args, **kwargs):
        if name.startswith("notifications.tasks.deliver_"):
            queued.append((name.rsplit(".", 1)[1], list(args[0])))
            return
        real(name, *args, **kwargs)

    monkeypatch.setattr("notifications.services.task_on_commit", task_on_commit)
    return queued


@pytest.fixture
def creator(db):
    return UserFactory(username="ada", display_name="Ada")


@pytest.fixture
def fans(db, creator):
    from streams.services import follow_create

    users = [UserFactory() for _ in range(5)]
    for user in users:
        follow_create(follower=user, creator=creator)
    return users
