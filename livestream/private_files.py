"""Files with access rules: premium recordings and clips, creators' payout statements. Plumbing: it knows no app
and no HTTP (the views that send these files are in ``livestream.views``).

They are stored under ``PRIVATE_PREFIX`` in the default storage. Nothing serves that prefix as it is: nginx
(``make serve``) answers 404 for ``/media/private/`` and the development server's ``/media/`` skips it. A
file there is reached only through a Django view that checks who asks: an app's view reads a signed,
expiring token (``signed_url`` / ``signed_claims``), applies its own rule, and answers with
``livestream.views.file_response``.

On object storage (django-storages S3: every URL it makes is signed and expires) the storage's own URL is
the signed link, so both setups gate these files alike.
"""

from __future__ import annotations

import posixpath

from django.conf import settings
from django.core import signing
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse

from livestream.links import absolute_url

PRIVATE_PREFIX = "private/"
_SALT = "livestream.protected-media"  # unchanged since the module's first name: links already out keep working


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
    return absolute_url(url, request) if request is not None else url


def signed_claims(token: str) -> dict | None:
    """The claims of a valid, unexpired token naming a private file (its name under ``"f"``); None otherwise."""
    try:
        claims = signing.loads(token, salt=_SALT, max_age=settings.PROTECTED_MEDIA_MAX_AGE)
    except signing.BadSignature:  # tampered, or expired (SignatureExpired)
        return None
    if not isinstance(claims, dict) or not str(claims.get("f", "")).startswith(PRIVATE_PREFIX):
        return None
    return claims
