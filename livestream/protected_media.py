"""Files with access rules on local storage: premium recordings and clips, creators' payout statements.

They are stored under ``PRIVATE_PREFIX`` in the default storage. Nothing serves that prefix as it is: nginx
(``make serve``) answers 404 for ``/media/private/`` and the development server's ``/media/`` skips it. A
file there is reached only through a Django view that checks who asks: an app's view reads a signed,
expiring token (``signed_url`` / ``signed_claims``), applies its own rule, and answers with ``file_response``
(the bytes from Django, or under nginx an internal ``X-Accel-Redirect`` so nginx sends them).

Django sends single byte ranges itself (``Range``, ``If-Range``, HEAD; 206 / 416), since its FileResponse
ignores them and a player cannot seek in a recording without them; nginx does the same under ``make serve``.
No maintained package does this for a Django view (django-ranged-response's last release is from 2017).

On object storage (django-storages S3: every URL it makes is signed and expires) the storage's own URL is
the signed link, so both setups gate these files alike.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header, http_date
from django.views.static import serve

PRIVATE_PREFIX = "private/"
_SALT = "livestream.protected-media"
_BYTE_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.IGNORECASE)
BLOCK_SIZE = 64 * 1024


def private_name(name: str) -> str:
    """The storage name of a file with access rules: ``name`` under the private prefix."""
    return PRIVATE_PREFIX + name


def storage_signs_urls() -> bool:
    """Whether the default storage hands out signed, expiring URLs itself (object storage), unlike local disk."""
    return not isinstance(default_storage, FileSystemStorage)


def signed_url(name: str, *, route: str, claims: dict, request=None) -> str:
    """A link to private file ``name`` that expires after PROTECTED_MEDIA_MAX_AGE: a signed token for the app's
    view ``route`` (which checks ``claims``), or object storage's own signed URL."""
    if storage_signs_urls():
        return default_storage.url(name)
    token = signing.dumps({**claims, "f": name}, salt=_SALT, compress=True)
    url = reverse(route, kwargs={"token": token, "filename": posixpath.basename(name)})
    return request.build_absolute_uri(url) if request is not None else url


def signed_claims(token: str) -> dict | None:
    """The claims of a valid, unexpired token naming a private file (its name under ``"f"``); None otherwise."""
    try:
        claims = signing.loads(token, salt=_SALT, max_age=settings.PROTECTED_MEDIA_MAX_AGE)
    except signing.BadSignature:  # tampered, or expired (SignatureExpired)
        return None
    if not isinstance(claims, dict) or not str(claims.get("f", "")).startswith(PRIVATE_PREFIX):
        return None
    return claims


def file_response(
    name: str, *, request: HttpRequest | None = None, download_name: str | None = None, as_attachment: bool = False
) -> HttpResponse:
    """Send private file ``name``: from object storage by a redirect to its signed URL; from local disk by
    nginx (``PROTECTED_MEDIA_ACCEL_PREFIX``: an internal location aliased to the private folder) or by Django,
    which honours the ``request``'s single byte range (``byte_range``) and sends nothing for HEAD.
    """
    if not name.startswith(PRIVATE_PREFIX) or ".." in name.split("/"):
        raise Http404("No such file.")
    if storage_signs_urls():
        return HttpResponseRedirect(default_storage.url(name))
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


def private_files_move(model, field: str) -> dict[str, int]:
    """Move the files of ``model``'s FileField ``field`` stored before they had access rules (a name outside the
    private prefix) to the same name under it, through the storage API (local disk or object storage alike).

    Row by row: copy, save the row's new name, then delete the old file; so an interruption anywhere loses
    nothing, and running it again finishes the job (a copy cut short is made again, a finished one kept, a
    public copy left after its row was saved deleted). A row whose file is gone is left as it is. Written for
    data migrations: ``model`` may be a historical model; it needs only the storage and ``QuerySet.update``.
    """
    storage = model._meta.get_field(field).storage
    max_length = model._meta.get_field(field).max_length
    rows = model._default_manager.order_by("pk")
    counts = {"moved": 0, "missing": 0, "leftovers_deleted": 0}
    public = rows.exclude(**{field: ""}).exclude(**{f"{field}__startswith": PRIVATE_PREFIX})
    for pk, old in list(public.values_list("pk", field)):
        if not storage.exists(old):
            counts["missing"] += 1
            continue
        new = private_name(old)
        if storage.exists(new) and storage.size(new) != storage.size(old):
            storage.delete(new)  # a copy cut short by an interruption
        if not storage.exists(new):
            with storage.open(old, "rb") as source:
                new = storage.save(new, source, max_length=max_length)
        if model._default_manager.filter(pk=pk, **{field: old}).update(**{field: new}):
            storage.delete(old)
            counts["moved"] += 1
    # A run interrupted after saving a row and before deleting the old file left that public copy behind.
    for name in list(rows.filter(**{f"{field}__startswith": PRIVATE_PREFIX}).values_list(field, flat=True)):
        old = name[len(PRIVATE_PREFIX) :]
        if storage.exists(old) and storage.exists(name) and storage.size(old) == storage.size(name):
            storage.delete(old)
            counts["leftovers_deleted"] += 1
    return counts


def public_media(request, path: str) -> HttpResponse:
    """``/media/`` in development (DEBUG; nginx serves it in production): MEDIA_ROOT's public files, never
    anything under the private prefix, however the path is spelled."""
    normalized = posixpath.normpath(path).lstrip("/")
    if not settings.DEBUG or normalized == PRIVATE_PREFIX.rstrip("/") or normalized.startswith(PRIVATE_PREFIX):
        raise Http404("No such file.")
    return serve(request, normalized, document_root=settings.MEDIA_ROOT)
