"""A stream's thumbnail in the standard 16:9 sizes: the creator's own upload, or automatic ones (from the
live segments while live, from the recording once ended). The creator's own wins until removed, and then
the best automatic one takes its place."""

from __future__ import annotations

import logging
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from livestream.files import files_delete_on_commit
from livestream.images import image_process
from streams.media import tools
from streams.models import Stream
from streams.selectors.media import live_segments, recording_with_thumbnail_newest

logger = logging.getLogger(__name__)

# 16:9 thumbnail sizes kept for every stream; the largest is Stream.thumbnail.
THUMBNAIL_SIZES = [(1280, 720), (640, 360), (320, 180)]
THUMBNAIL_LARGEST = "1280x720"
THUMBNAIL_MIN_UPLOAD = (320, 180)


def thumbnail_set(*, stream: Stream, image, source: str) -> Stream:
    """Make the standard 16:9 sizes of ``image`` and make them the stream's thumbnail.

    An automatic thumbnail never replaces a creator's own (the check is made again under the row lock).
    Raises ValidationError for an upload that is not a usable image.
    """
    names = _thumbnail_files_make(stream=stream, image=image, source=source)
    with transaction.atomic():
        locked = Stream.objects.select_for_update().get(pk=stream.pk)
        if source == Stream.ThumbnailSource.AUTO and locked.thumbnail_source == Stream.ThumbnailSource.CUSTOM:
            unused = list(names.values())  # the creator's own wins; deleted below, not while the row is locked
        else:
            unused = _thumbnail_swap(locked, names=names, source=source)
        files_delete_on_commit(unused)
    return locked


def thumbnail_upload(*, stream: Stream, upload) -> Stream:
    """A creator's own thumbnail (wins over automatic ones until removed)."""
    return thumbnail_set(stream=stream, image=upload, source=Stream.ThumbnailSource.CUSTOM)


def thumbnail_remove_custom(*, stream: Stream) -> Stream:
    """Drop the creator's own thumbnail for the best automatic one: while an encoder publishes, a frame of the
    newest live segment; else the picture of the stream's newest ready recording; none while neither exists
    (the next live refresh or recording brings one)."""
    if stream.thumbnail_source != Stream.ThumbnailSource.CUSTOM:
        return stream
    names = _automatic_thumbnail_make(stream)  # ffmpeg, Pillow and storage: before the row lock
    with transaction.atomic():
        locked = Stream.objects.select_for_update().get(pk=stream.pk)
        if locked.thumbnail_source != Stream.ThumbnailSource.CUSTOM:
            unused = list(names.values())  # removed meanwhile
        else:
            unused = _thumbnail_swap(locked, names=names, source=Stream.ThumbnailSource.AUTO)
        files_delete_on_commit(unused)
    return locked


def _thumbnail_files_make(*, stream: Stream, image, source: str) -> dict[str, str]:
    """Store the standard sizes of ``image``: their storage names by size ("1280x720", ...)."""
    made = {}
    for size in THUMBNAIL_SIZES:
        image.seek(0)
        # A creator's upload must be big enough to look right; a frame of a small encoder is scaled up.
        minimum = THUMBNAIL_MIN_UPLOAD if source == Stream.ThumbnailSource.CUSTOM else (16, 16)
        made[size] = image_process(image, size=size, crop=True, min_size=minimum)
    return {
        f"{w}x{h}": default_storage.save(
            f"thumbnails/{stream.pk}/{source}-{w}x{h}-{secrets.token_hex(6)}.webp", content
        )
        for (w, h), content in made.items()
    }


def _thumbnail_swap(locked: Stream, *, names: dict[str, str], source: str) -> list[str]:
    """Make ``names`` (empty: none) the stream's thumbnail; the replaced files' names, to delete after commit.
    The caller holds the stream's row lock."""
    replaced = [locked.thumbnail.name, *locked.thumbnail_variants.values()] if locked.thumbnail else []
    names = dict(names)
    locked.thumbnail.name = names.pop(THUMBNAIL_LARGEST, "")
    locked.thumbnail_variants = names
    locked.thumbnail_source = source if locked.thumbnail.name else Stream.ThumbnailSource.NONE
    locked.save(update_fields=["thumbnail", "thumbnail_variants", "thumbnail_source", "updated_at"])
    return replaced


def _automatic_thumbnail_make(stream: Stream) -> dict[str, str]:
    """The best automatic thumbnail stored in the standard sizes (see thumbnail_remove_custom); {} for none.
    A frame or picture that cannot be used is logged and the next best tried."""
    auto = Stream.ThumbnailSource.AUTO
    segments = live_segments(stream) if stream.status == Stream.Status.LIVE and stream.publisher_client_id else []
    if segments:
        try:
            with tempfile.TemporaryDirectory(prefix="thumbnail-") as work:
                frame = Path(work) / "frame.png"
                tools.frame_grab(segments[-1], frame)
                with frame.open("rb") as image:
                    return _thumbnail_files_make(stream=stream, image=File(image), source=auto)
        except (tools.MediaToolError, ValidationError) as exc:
            logger.warning("live thumbnail of %s: %s", stream.pk, exc)
    recording = recording_with_thumbnail_newest(stream=stream)
    if recording is not None:
        try:
            with recording.thumbnail.open("rb") as image:
                return _thumbnail_files_make(stream=stream, image=image, source=auto)
        except (OSError, ValidationError) as exc:
            logger.warning("recording thumbnail of %s: %s", stream.pk, exc)
    return {}


def live_thumbnails_refresh() -> int:
    """Every publishing stream's automatic thumbnail from its newest segment; how many were refreshed.

    One stream's bad segment or frame is logged and skipped, never stops the others.
    """
    refreshed = 0
    live = Stream.objects.filter(status=Stream.Status.LIVE).exclude(publisher_client_id="")
    for stream in live.exclude(thumbnail_source=Stream.ThumbnailSource.CUSTOM):
        try:
            refreshed += live_thumbnail_refresh(stream=stream)
        except (tools.MediaToolError, ValidationError) as exc:
            logger.warning("live thumbnail of %s: %s", stream.pk, exc)
    return refreshed


def live_thumbnail_refresh(*, stream: Stream) -> bool:
    """Take the stream's thumbnail from its newest segment (unless the creator set their own)."""
    if stream.thumbnail_source == Stream.ThumbnailSource.CUSTOM:
        return False
    segments = live_segments(stream)
    if not segments:
        return False
    with tempfile.TemporaryDirectory(prefix="thumbnail-") as work:
        frame = Path(work) / "frame.png"
        tools.frame_grab(segments[-1], frame)
        with frame.open("rb") as image:
            thumbnail_set(stream=stream, image=File(image), source=Stream.ThumbnailSource.AUTO)
    return True
