"""Files with access rules on local storage: premium recordings and clips, creators' payout statements.

They are stored under ``PRIVATE_PREFIX`` in the default storage. Nothing serves that prefix as it is: nginx
(``make serve``) answers 404 for ``/media/private/`` and the development server's ``/media/`` skips it. A
file there is reached only through a Django view that checks who asks: an app's view reads a signed,
expiring token (``signed_url`` / ``signed_claims``), applies its own rule, and answers with ``file_response``
(the bytes from Django, or under nginx an internal ``X-Accel-Redirect`` so nginx sends them).

On object storage (django-storages S3: every URL it makes is signed and expires) the storage's own URL is
the signed link, so both setups gate these files alike.
"""

from __future__ import annotations

import mimetypes
import posixpath
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.static import serve

PRIVATE_PREFIX = "private/"
_SALT = "livestream.protected-media"


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


def file_response(name: str, *, download_name: str | None = None, as_attachment: bool = False) -> HttpResponse:
    """Send private file ``name``: from object storage by a redirect to its signed URL; from local disk by
    nginx (``PROTECTED_MEDIA_ACCEL_PREFIX``: an internal location aliased to the private folder) or by Django.
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
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name[len(PRIVATE_PREFIX) :])
        disposition = "attachment" if as_attachment else "inline"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    else:
        response = FileResponse(
            default_storage.open(name, "rb"),
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
    response["Cache-Control"] = "private"  # gated: no shared cache may keep it
    response["X-Content-Type-Options"] = "nosniff"
    return response


def public_media(request, path: str) -> HttpResponse:
    """``/media/`` in development (DEBUG; nginx serves it in production): MEDIA_ROOT's public files, never
    anything under the private prefix, however the path is spelled."""
    normalized = posixpath.normpath(path).lstrip("/")
    if not settings.DEBUG or normalized == PRIVATE_PREFIX.rstrip("/") or normalized.startswith(PRIVATE_PREFIX):
        raise Http404("No such file.")
    return serve(request, normalized, document_root=settings.MEDIA_ROOT)
