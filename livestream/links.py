"""Absolute links: plumbing for every app (it knows no app)."""

from urllib.parse import urljoin

from django.conf import settings


def absolute_url(url: str, request=None) -> str:
    """``url`` made absolute: against the host the ``request`` came to over HTTP, SITE_URL where there is no
    request (socket events, e-mails, tasks); a URL that already is absolute (object storage's) stays as it is."""
    if request is not None:
        return request.build_absolute_uri(url)
    return urljoin(settings.SITE_URL, url)
