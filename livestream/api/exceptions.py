"""The API edge of errors: DRF's shape plus a stable ``code`` clients can branch on.

Services raise ``livestream.errors.DomainError`` and its kinds, which know nothing of HTTP; this module alone
maps each kind to a status (``DOMAIN_STATUS``) and a body (``{"detail", "code"}``, plus ``retry_after`` /
``until`` where they apply, and a ``Retry-After`` header).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from livestream import errors

# Most specific first: the first kind an error is an instance of gives its status.
DOMAIN_STATUS: list[tuple[type[errors.DomainError], int]] = [
    (errors.NotAuthenticated, status.HTTP_401_UNAUTHORIZED),
    (errors.PermissionDenied, status.HTTP_403_FORBIDDEN),
    (errors.NotFound, status.HTTP_404_NOT_FOUND),
    (errors.Conflict, status.HTTP_409_CONFLICT),
    (errors.Unprocessable, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (errors.RateLimited, status.HTTP_429_TOO_MANY_REQUESTS),
    (errors.UpstreamError, status.HTTP_502_BAD_GATEWAY),
    (errors.DomainError, status.HTTP_400_BAD_REQUEST),
]


def domain_status(exc: errors.DomainError) -> int:
    """The HTTP status a domain error answers with."""
    for kind, code in DOMAIN_STATUS:
        if isinstance(exc, kind):
            return code
    return status.HTTP_400_BAD_REQUEST  # pragma: no cover - DomainError is the last row


def domain_error_response(exc: errors.DomainError) -> Response:
    """The response for a domain error (also used by views outside DRF's dispatch, such as the lean gift route)."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if isinstance(exc, errors.NotAuthenticated):
        headers = {**(headers or {}), "WWW-Authenticate": "Token"}
    return Response(exc.as_dict(), status=domain_status(exc), headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, errors.DomainError):
        return domain_error_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError for malformed input; clients get DRF's 400 shape, and a field
        # error given for one reason (one code, e.g. invalid_image) names it: {"avatar": ["..."], "code": "..."}.
        detail = get_error_detail(exc)  # keeps each message's code
        exc = exceptions.ValidationError(detail if isinstance(detail, dict) else {"detail": detail})
        response = drf_exception_handler(exc, context)
        code = _single_code(exc.get_codes())
        if code and "code" not in response.data:
            response.data["code"] = code
        return response
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, dict) and "detail" in response.data:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(codes, str):
            response.data["code"] = codes
        elif isinstance(codes, dict) and isinstance(codes.get("detail"), str):
            response.data["code"] = codes["detail"]
    return response


def _single_code(codes) -> str | None:
    """The one code every message of a service's ValidationError shares, unless it is Django's default."""
    found: set[str] = set()
    stack = [codes]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            found.add(str(item))
    return found.pop() if len(found) == 1 and found != {"invalid"} else None
