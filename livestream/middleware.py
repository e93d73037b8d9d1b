"""Project middleware: oversize API bodies refused unread (``BodySizeMiddleware``), and the pages' edge of
domain errors: a ``livestream.errors.NotFound`` that leaves a view is Django's 404.

Selectors and services raise the domain's ``NotFound`` (they know nothing of HTTP). DRF's views map it
themselves (``livestream.api.exceptions``); any other view (a server-rendered page, the sandbox checkout, a
media hook) that lets one escape answers exactly as if it had raised ``Http404``: the site's 404 page (the
technical one under DEBUG), or the API's JSON 404 under /api/ (``handler404``). One place, so no view has
to translate it.
"""

import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.exception import response_for_exception
from django.http import Http404, JsonResponse
from django.utils.deprecation import MiddlewareMixin

from livestream import errors


class NotFoundMiddleware(MiddlewareMixin):
    """Answers a domain ``NotFound`` raised by a view as Django answers ``Http404``; any other error is left
    to Django's handling. Runs only when a view raises, so it costs nothing on the way in or out (sync or
    async)."""

    def process_exception(self, request, exception):
        if isinstance(exception, errors.NotFound):
            return response_for_exception(request, Http404(exception.detail))
        return None


class BodySizeMiddleware(MiddlewareMixin):
    """Refuses an API request whose body is larger than its route needs (413 JSON, code ``request_too_large``),
    by its Content-Length, before any view or parser reads a byte of it.

    A body may be ``settings.API_JSON_BODY_MAX`` bytes, or what the view class says in ``json_body_max``; a
    multipart body may carry as many images of ``MAX_IMAGE_UPLOAD_BYTES`` besides as the view's
    ``body_images`` says (an int, or a dict by viewset action, e.g. ``{"thumbnail": 1}``); no image otherwise.
    Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` stays the cap for everything else (pages' forms), and no
    body comes in without a Content-Length under WSGI (Django reads none).
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path_info.startswith("/api/"):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            return None
        limit = _route_setting(request, view_func, "json_body_max") or settings.API_JSON_BODY_MAX
        if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/"):
            limit += (_route_setting(request, view_func, "body_images") or 0) * settings.MAX_IMAGE_UPLOAD_BYTES
        if length <= limit:
            return None
        body = {
            "detail": f"The request body is too large: this route takes at most {limit} bytes.",
            "code": "request_too_large",
        }
        return JsonResponse(body, status=413)


def _route_setting(request, view_func, name: str):
    """A view class's ``name`` for this request: the value, or for a dict, the entry of the viewset action."""
    value = getattr(getattr(view_func, "cls", None), name, None)
    if isinstance(value, dict):
        action = (getattr(view_func, "actions", None) or {}).get(request.method.lower())
        value = value.get(action)
    return value


class ApiJsonErrorsMiddleware:
    """Every error under /api/ is JSON with a ``code``, in either mode: a request Django refuses itself (too
    many fields, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: ``SuspiciousOperation``) is the API's 400, and any
    other non-JSON error page (DEBUG's technical pages, a CSRF failure page) becomes ``{"detail", "code"}`` of
    its status. First in ``MIDDLEWARE``, so it sees every answer; the site's pages keep their HTML."""

    _CODES = {
        400: ("Bad request.", "bad_request"),
        401: ("Authentication credentials were not provided.", "not_authenticated"),
        403: ("You do not have permission to perform this action.", "permission_denied"),
        404: ("Not found.", "not_found"),
        405: ("Method not allowed.", "method_not_allowed"),
        413: ("The request body is too large.", "request_too_large"),
        500: ("A server error occurred.", "server_error"),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except Exception as exception:
            # DEBUG's technical page reads request.GET again and re-raises Django's refusal out of the stack.
            answer = self.process_exception(request, exception)
            if answer is None:
                raise
            return answer
        if not request.path_info.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").split(";")[0].strip().endswith("json"):
            return response
        return self._json(response.status_code, response)

    def process_exception(self, request, exception):
        suspicious = _suspicious(exception)
        if request.path_info.startswith("/api/") and suspicious is not None:
            exception = suspicious
            security = logging.getLogger(f"django.security.{exception.__class__.__name__}")
            security.error(str(exception), extra={"status_code": 400, "request": request})
            return self._json(400)
        return None

    def _json(self, status: int, original=None) -> JsonResponse:
        detail, code = self._CODES.get(status, ("The request failed.", "error" if status < 500 else "server_error"))
        response = JsonResponse({"detail": detail, "code": code}, status=status)
        if original is not None:
            for header in ("Retry-After", "Allow", "WWW-Authenticate"):
                if header in original:
                    response[header] = original[header]
        return response


def _suspicious(exception: BaseException | None) -> SuspiciousOperation | None:
    """The ``SuspiciousOperation`` behind an exception (DRF re-raises Django's refusal wrapped), if any."""
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, SuspiciousOperation):
            return exception
        exception = exception.__cause__ or exception.__context__
        seen += 1
    return None


class PermissionsPolicyMiddleware:
    """``Permissions-Policy: settings.PERMISSIONS_POLICY`` on every answer that has none (Django has no setting)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response
