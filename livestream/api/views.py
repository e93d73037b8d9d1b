"""The API's answers for what no API view handles: every status under /api/ is JSON with a ``code``.

Unknown paths reach ``not_found`` (a catch-all after the API's routes, so it holds with DEBUG on too); errors
Django itself answers (404 or 500 outside a DRF view) go through the handlers below, which keep Django's own
pages for the site and answer JSON under /api/.
"""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

API_PREFIX = "/api/"


def _error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


@csrf_exempt  # a POST to an unknown path is a 404 whatever its credentials, not the CSRF failure page
def not_found(request, *args, **kwargs):
    """No route under /api/: 404 as the API answers it (or, like CommonMiddleware, the slash-ended route)."""
    path = request.path_info
    if settings.APPEND_SLASH and not path.endswith("/") and request.method in ("GET", "HEAD"):
        try:
            match = resolve(f"{path}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return HttpResponsePermanentRedirect(f"{request.path}/")
    return _error(404, "Not found.", "not_found")


def page_not_found(request, exception, template_name="404.html"):
    if request.path.startswith(API_PREFIX):
        return _error(404, "Not found.", "not_found")
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name="500.html"):
    if request.path.startswith(API_PREFIX):
        return _error(500, "A server error occurred.", "server_error")
    return defaults.server_error(request, template_name)


def bad_request(request, exception, template_name="400.html"):
    if request.path.startswith(API_PREFIX):
        return _error(400, "Bad request.", "bad_request")
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name="403.html"):
    if request.path.startswith(API_PREFIX):
        return _error(403, "You do not have permission to perform this action.", "permission_denied")
    return defaults.permission_denied(request, exception, template_name)
