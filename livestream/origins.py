"""The site's own origins: where a browser socket may come from and where a payer may be sent back to.

An origin is (scheme, host, port), compared whole: http://127.0.0.1:9999 is not http://127.0.0.1:8000.
Trusted are SITE_URL's origin, every CSRF_TRUSTED_ORIGINS entry ("https://*.example.com" for its
subdomains, as Django reads it) and https on port 443 of each ALLOWED_HOSTS name (not "*"); in DEBUG also
the development origins (http on localhost, 127.0.0.1 and [::1], any port).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http.request import validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}
DEVELOPMENT_HOSTS = ("localhost", "127.0.0.1", "::1")


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL, lower-cased, default port filled in; None otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def origin_trusted(url: str) -> bool:
    """Whether ``url`` (an Origin header or any absolute URL) is on one of the site's own origins."""
    origin = origin_of(url)
    if origin is None:
        return False
    scheme, host, port = origin
    if settings.DEBUG and scheme == "http" and host in DEVELOPMENT_HOSTS:
        return True
    if (scheme, port) == ("https", 443):
        named = [pattern for pattern in settings.ALLOWED_HOSTS if pattern != "*"]
        if validate_host(f"[{host}]" if ":" in host else host, named):
            return True
    for trusted in (settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS):
        wildcard = "://*." in trusted
        allowed = origin_of(trusted.replace("://*.", "://", 1) if wildcard else trusted)
        if allowed is None or (allowed[0], allowed[2]) != (scheme, port):
            continue
        if host == allowed[1] or (wildcard and host.endswith("." + allowed[1])):
            return True
    return False


def return_url_clean(url: str, *, field: str = "callback_url", max_length: int = 500) -> str:
    """A URL to send a browser back to: a path on this site (made absolute against SITE_URL) or an absolute
    URL on one of its origins; anything else (another site, another scheme or port) is a field error."""
    url = (url or "").strip()
    if not url:
        return ""
    if url.startswith("/") and not url.startswith(("//", "/\\")) and "\\" not in url:
        absolute = settings.SITE_URL.rstrip("/") + url
        if origin_trusted(absolute) and len(absolute) <= max_length:
            return absolute
    elif origin_trusted(url) and "\\" not in url:
        return url
    raise ValidationError(
        {field: ValidationError("Use a path on this site or a URL on its own origin.", code="untrusted_url")}
    )


def local_path(value: str | None, *, max_length: int = 400) -> str:
    """``value`` when it is a path on this site ("/streams/1/?t=2"), else "": where a page may send a browser
    next (``?next=``) without becoming an open redirect. Scheme-relative ("//evil.example"), backslash
    ("/\\evil.example", which browsers read as "//"), absolute URLs, control characters and over-long values
    are refused, even when their origin is the site's own: a path is all a page needs."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or len(value) > max_length:
        return ""
    if "\\" in value or any(ord(char) < 32 or ord(char) == 127 for char in value):
        return ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return ""
    return value
