"""The pages' edge of domain errors: a ``livestream.errors.NotFound`` that leaves a view is Django's 404.

Selectors and services raise the domain's ``NotFound`` (they know nothing of HTTP). DRF's views map it
themselves (``livestream.api.exceptions``); any other view (a server-rendered page, the sandbox checkout, a
media hook) that lets one escape answers exactly as if it had raised ``Http404``: the site's 404 page (the
technical one under DEBUG), or the API's JSON 404 under /api/ (``handler404``). One place, so no view has
to translate it.
"""

from django.core.handlers.exception import response_for_exception
from django.http import Http404
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
