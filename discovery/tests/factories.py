"""Streams made the way the product makes them (streams.services), so their search documents are written."""

from django.utils import timezone

from accounts.tests.factories import UserFactory
from streams.models import Stream
from streams.services import stream_create


def make_stream(*, creator=None, title: str, status: str = "scheduled", viewers: int = 0, **fields) -> Stream:
    """A stream created by ``stream_create`` (``fields``: description, tags, category slug, visibility, ...),
    then moved to ``status`` with ``viewers`` watching, as the media server and presence would."""
    stream = stream_create(creator=creator or UserFactory(), title=title, **fields)
    now = timezone.now()
    changes = {"current_viewers": viewers}
    if status in {"live", "ended"}:
        changes.update(status=status, started_at=now)
    if status == "ended":
        changes["ended_at"] = now
    Stream.objects.filter(pk=stream.pk).update(**changes)
    stream.refresh_from_db()
    return stream
