"""The media pipeline's writes, one module per subject:

- ``publishing``: nginx-rtmp's hooks (an encoder connects, leaves, vanishes) and the end of a live stream;
- ``recordings``: record_done, FLV -> MP4 VOD, retries, retention, deleting files;
- ``thumbnails``: the creator's own and automatic thumbnails;
- ``clips``: highlights cut from recordings.

Its reads (live segments, encoder health, recordings and clips, signed file links) are in
``streams.selectors.media``; its Celery jobs in ``streams.tasks``, which call these services and are queued
from them by name (``livestream.task_queue``): services never import tasks. The names below are the package's
public services, for callers that import ``streams.services.media``.
"""

from streams.services.media.clips import clip_create, clip_delete, clip_fail, clip_process
from streams.services.media.publishing import (
    PublishRefused,
    dropped_streams_end,
    live_stream_end,
    publish_begin,
    publish_end,
    publisher_release,
    vanished_publishers_mark,
)
from streams.services.media.recordings import (
    RECORDING_MAX_ATTEMPTS,
    recording_delete,
    recording_fail,
    recording_process,
    recording_register,
    recording_retention_set,
    recording_retry,
    recordings_prune,
    stream_files_delete_on_commit,
)
from streams.services.media.thumbnails import (
    THUMBNAIL_SIZES,
    live_thumbnail_refresh,
    live_thumbnails_refresh,
    thumbnail_remove_custom,
    thumbnail_set,
    thumbnail_upload,
)

__all__ = [
    "RECORDING_MAX_ATTEMPTS",
    "THUMBNAIL_SIZES",
    "PublishRefused",
    "clip_create",
    "clip_delete",
    "clip_fail",
    "clip_process",
    "dropped_streams_end",
    "live_stream_end",
    "live_thumbnail_refresh",
    "live_thumbnails_refresh",
    "publish_begin",
    "publish_end",
    "publisher_release",
    "recording_delete",
    "recording_fail",
    "recording_process",
    "recording_register",
    "recording_retention_set",
    "recording_retry",
    "recordings_prune",
    "stream_files_delete_on_commit",
    "thumbnail_remove_custom",
    "thumbnail_set",
    "thumbnail_upload",
    "vanished_publishers_mark",
]
