"""Events for a stream's room (viewers on the chat socket).

An event is a plain JSON dict with a ``type``; it is published after the
writing transaction commits, so nobody hears of a change that rolled back.
"""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def stream_group_name(stream_id) -> str:
    return f"stream_{stream_id}"


def stream_event_publish_on_commit(*, stream_id, event: dict[str, Any]) -> None:
    """Publish ``event`` to the stream's room once the current transaction commits."""

    def publish() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(stream_group_name(stream_id), {"type": "room.event", "event": event})

    transaction.on_commit(publish)
