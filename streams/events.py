"""Events for a stream's room (viewers on the chat socket), published after commit.

An event is a plain JSON dict with a ``type`` (api-contract.md lists them).
"""

from typing import Any

from livestream.rooms import room_publish_on_commit


def stream_event_publish_on_commit(*, stream_id, event: dict[str, Any]) -> None:
    """Publish ``event`` to the stream's room once the current transaction commits."""
    room_publish_on_commit(stream_id, event)
