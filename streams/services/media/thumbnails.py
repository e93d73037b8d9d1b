"""A stream's thumbnail in the standard 16:9 sizes: the creator's own upload, or automatic ones (from the
live segments while live, from the recording once ended). The creator's own wins until removed."""

from __future__ import annotations

import logging
import secrets
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from livestream.images import image_process
from streams.media import tools
from streams.models import Stream
from streams.selectors.media import live_segments

logger = logging.getLogger(__name__)

# 16:9 thumbnail sizes kept for every stream; the largest is Stream.thumbnail.
THUMBNAIL_SIZES = [(1280, 720), (640, 360), (320, 180)]
THUMBNAIL_MIN_UPLOAD = (320, 180)


def thumbnail_set(*, stream: Stream, image, source: str) -> Stream:
    """Make the standard 16:9 sizes of ``image`` and make them the stream's thumbnail.

    An automatic thumbnail never replaces a creator's own (the check is made again under the row lock).
    Raises ValidationError for an upload that is not a usable image.
    """
    made = {}
    for size in THUMBNAIL_SIZES:
        image.seek(0)
        # A creator's upload must be big enough to look right; a frame of a small encoder is scaled up.
        minimum = THUMBNAIL_MIN_UPLOAD if source == Stream.ThumbnailSource.CUSTOM else (16, 16)
        made[size] = image_process(image, size=size, crop=True, min_size=minimum)
    names = {
        f"{w}x{h}": default_storage.save(
            f"thumbnails/{stream.pk}/{source}-{w}x{h}-{secrets.token_hex(6)}.webp", content
        )
        for (w, h), content in made.items()
    }
    largest = f"{THUMBNAIL_SIZES[0][0]}x{THUMBNAIL_SIZES[0][1]}"
    with transaction.atomic():
        locked = Stream.objects.select_for_update().get(pk=stream.pk)
        if source == Stream.ThumbnailSource.AUTO and locked.thumbnail_source == Stream.ThumbnailSource.CUSTOM:
            unused = list(names.values())  # the creator's own wins; deleted below, not while the row is locked
        else:
            unused = [locked.thumbnail.name, *locked.thumbnail_variants.values()] if locked.thumbnail else []
            locked.thumbnail.name = names.pop(largest)
            locked.thumbnail_variants = names
            locked.thumbnail_source = source
            locked.save(update_fields=["thumbnail", "thumbnail_variants", "thumbnail_source", "updated_at"])
        # Storage may be S3: network calls, made once the row lock is released and the new names committed.
        transaction.on_commit(lambda: [default_storage.delete(name) for name in unused if name])
    return locked


def thumbnail_upload(*, stream: Stream, upload) -> Stream:
    """A creator's own thumbnail (wins over automatic ones until removed)."""
    return thumbnail_set(stream=stream, image=upload, source=Stream.ThumbnailSource.CUSTOM)


def thumbnail_remove_custom(*, stream: Stream) -> Stream:
    """Drop the creator's own thumbnail; automatic ones take over again at the next refresh."""
    with transaction.atomic():
        locked = Stream.objects.select_for_update().get(pk=stream.pk)
        if locked.thumbnail_source != Stream.ThumbnailSource.CUSTOM:
            return locked
        old = [locked.thumbnail.name, *locked.thumbnail_variants.values()]
        locked.thumbnail = ""
        locked.thumbnail_variants = {}
        locked.thumbnail_source = Stream.ThumbnailSource.NONE
        locked.save(update_fields=["thumbnail", "thumbnail_variants", "thumbnail_source", "updated_at"])
        transaction.on_commit(lambda: [default_storage.delete(name) for name in old if name])
    return locked


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
