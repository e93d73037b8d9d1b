"""The client's address, from the one place that can be trusted.

With no trusted proxy (``TRUSTED_PROXY_COUNT=0``, ``make run``) it is ``REMOTE_ADDR``: an ``X-Forwarded-For``
header is the client's own words and is ignored. Behind ``TRUSTED_PROXY_COUNT`` proxies (``make serve``'s nginx
is one, and it overwrites the header with ``$remote_addr``) it is the address the outermost trusted proxy saw,
the N-th entry from the right of ``X-Forwarded-For``. DRF's throttles use the same rule (``NUM_PROXIES``).
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    return _pick(request.META.get("REMOTE_ADDR") or None, request.META.get("HTTP_X_FORWARDED_FOR", ""))


def scope_client_ip(scope: dict) -> str | None:
    """The same rule for an ASGI (WebSocket) scope: ``client`` is REMOTE_ADDR, headers carry X-Forwarded-For."""
    client = scope.get("client") or (None,)
    forwarded = ",".join(
        value.decode("latin-1") for name, value in scope.get("headers", ()) if name.lower() == b"x-forwarded-for"
    )
    return _pick(client[0] or None, forwarded)


def _pick(remote_addr: str | None, forwarded: str) -> str | None:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0 or not forwarded:
        return remote_addr
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote_addr
    return addresses[-min(proxies, len(addresses))]
