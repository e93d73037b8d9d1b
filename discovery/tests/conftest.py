import datetime as dt

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.models import Stream, Tag, ViewerSession
from streams.tests.factories import CategoryFactory, StreamFactory
from wallet.services import coins_grant


def funded(coins: int = 1000):
    user = UserFactory()
    coins_grant(user=user, coins=coins, reason="test")
    return user


def live(*, minutes_ago: float = 5, viewers: int = 0, **fields) -> Stream:
    """A public live stream that went live ``minutes_ago``, with ``viewers`` watching now."""
    return StreamFactory(
        live=True, started_at=timezone.now() - dt.timedelta(minutes=minutes_ago), current_viewers=viewers, **fields
    )


def ended(*, hours_ago: float = 1, **fields) -> Stream:
    end = timezone.now() - dt.timedelta(hours=hours_ago)
    return StreamFactory(ended=True, started_at=end - dt.timedelta(hours=1), ended_at=end, **fields)


def upcoming(*, hours: float = 2, **fields) -> Stream:
    return StreamFactory(scheduled_start_time=timezone.now() + dt.timedelta(hours=hours), **fields)


def watched(user, *streams) -> None:
    for stream in streams:
        ViewerSession.objects.create(stream=stream, user=user, watch_seconds=600)


def tagged(stream: Stream, *names: str) -> Stream:
    for name in names:
        stream.tags.add(Tag.objects.get_or_create(name=name)[0])
    return stream


@pytest.fixture
def maths(db):
    return CategoryFactory(name="Mathematics", slug="mathematics")


@pytest.fixture
def music(db):
    return CategoryFactory(name="Music", slug="music")
