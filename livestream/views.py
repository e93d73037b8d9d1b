"""Sending files with access rules (``livestream.private_files``), and /media/ in development: views plumbing,
called by the apps' views after they have checked who asks.

``file_response`` sends a private file: the bytes from Django, or under nginx an internal ``X-Accel-Redirect``
so nginx sends them; on object storage a redirect to the storage's signed URL. Django sends single byte ranges
itself (``Range``, ``If-Range``, HEAD; 206 / 416), since its FileResponse ignores them and a player cannot
seek in a recording without them; nginx does the same under ``make serve``. No maintained package does this
for a Django view (django-ranged-response's last release is from 2017).
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header, http_date
from django.views.static import serve

from livestream.private_files import PRIVATE_PREFIX, storage_signs_urls

_BYTE_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.IGNORECASE)
BLOCK_SIZE = 64 * 1024


def file_response(
    name: str, *, request: HttpRequest | None = None, download_name: str | None = None, as_attachment: bool = False
) -> HttpResponse:
    """Send private file ``name``: from object storage by a redirect to its signed URL; from local disk by
    nginx (``PROTECTED_MEDIA_ACCEL_PREFIX``: an internal location aliased to the private folder) or by Django,
    which honours the ``request``'s single byte range (``byte_range``) and sends nothing for HEAD.
    """
    if ".." in name.split("/"):
        raise Http404("No such file.")
    if storage_signs_urls():  # every URL it makes is signed: files stored before gating keep their old names there
        return HttpResponseRedirect(default_storage.url(name))
    if not name.startswith(PRIVATE_PREFIX):
        raise Http404("No such file.")
    if not default_storage.exists(name):
        raise Http404("No such file.")
    filename = download_name or posixpath.basename(name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    accel = settings.PROTECTED_MEDIA_ACCEL_PREFIX
    if accel:
        response = HttpResponse(content_type=content_type)  # nginx answers ranges and HEAD itself
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name[len(PRIVATE_PREFIX) :])
    else:
        response = _local_file_response(name, request=request, content_type=content_type)
    if response.status_code != 416:
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["Cache-Control"] = "private"  # gated: no shared cache may keep it
    response["X-Content-Type-Options"] = "nosniff"
    return response


class RangeNotSatisfiable(Exception):
    """The request's byte range starts past the end of the file."""


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte (inclusive) that a ``Range`` header asks of a ``size``-byte file, or None to send
    the whole file: no header, one that is malformed, another unit, or several ranges (RFC 9110 lets a server
    ignore a Range it does not support). Raises RangeNotSatisfiable when the one range starts past the end."""
    match = _BYTE_RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return None  # invalid, so ignored
        if start >= size:
            raise RangeNotSatisfiable
        return start, end
    if not last:
        return None  # "bytes=-"
    suffix = int(last)  # the last ``suffix`` bytes
    if suffix == 0 or size == 0:
        raise RangeNotSatisfiable
    return max(size - suffix, 0), size - 1


def _local_file_response(name: str, *, request: HttpRequest | None, content_type: str) -> HttpResponse:
    """The file from local storage: whole (200) or the one byte range asked (206, or 416 past its end)."""
    size = default_storage.size(name)
    last_modified = http_date(default_storage.get_modified_time(name).timestamp())
    requested = None
    if request is not None:
        header = request.headers.get("Range", "")
        if_range = request.headers.get("If-Range")
        if header and (if_range is None or if_range.strip() == last_modified):  # else the file changed: all of it
            try:
                requested = byte_range(header, size)
            except RangeNotSatisfiable:
                response = HttpResponse("The range starts past the end of the file.", status=416)
                response["Content-Range"] = f"bytes */{size}"
                response["Accept-Ranges"] = "bytes"
                return response
    start, end = requested or (0, size - 1)
    length = end - start + 1
    status = 206 if requested else 200
    if request is not None and request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type)
    elif isinstance(request, ASGIRequest):
        # Under ASGI (make run's daphne) a synchronous iterator would be read whole into memory before the first
        # byte goes out: read the file in blocks off the event loop instead.
        response = StreamingHttpResponse(_blocks_async(name, start, length), status=status, content_type=content_type)
    else:
        response = StreamingHttpResponse(_blocks(name, start, length), status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Last-Modified"] = last_modified
    if requested:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if request is not None:
        response["Accept-Ranges"] = "bytes"
    return response


def _blocks(name: str, start: int, length: int) -> Iterator[bytes]:
    with default_storage.open(name, "rb") as handle:
        handle.seek(start)
        while length > 0 and (block := handle.read(min(BLOCK_SIZE, length))):
            length -= len(block)
            yield block


async def _blocks_async(name: str, start: int, length: int) -> AsyncIterator[bytes]:
    handle = await sync_to_async(default_storage.open, thread_sensitive=False)(name, "rb")
    try:
        await sync_to_async(handle.seek, thread_sensitive=False)(start)
        while length > 0 and (
            block := await sync_to_async(handle.read, thread_sensitive=False)(min(BLOCK_SIZE, length))
        ):
            length -= len(block)
            yield block
    finally:
        handle.close()


def public_media(request, path: str) -> HttpResponse:
    """``/media/`` in development (DEBUG; nginx serves it in production): MEDIA_ROOT's public files, never
    anything under the private prefix, however the path is spelled."""
    normalized = posixpath.normpath(path).lstrip("/")
    if not settings.DEBUG or normalized == PRIVATE_PREFIX.rstrip("/") or normalized.startswith(PRIVATE_PREFIX):
        raise Http404("No such file.")
    return serve(request, normalized, document_root=settings.MEDIA_ROOT)
