"""What a caller locked out by django-axes (too many failed log-ins) is told: when to try again.

Axes' middleware calls ``lockout_response`` (``AXES_LOCKOUT_CALLABLE``) for a request its backend refused.
The API gets the contract's 429 body (``code`` ``login_locked``, ``retry_after``) and ``Retry-After``; the pages
(log-in form, /admin/login/) get a 429 page that says how long to wait.
"""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from livestream.errors import RateLimited


def retry_after_seconds() -> int:
    # Every failure during a lock-out starts the cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT),
    # so the lock-out ends one whole cool-off after this attempt.
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds()))


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    seconds = retry_after_seconds()
    minutes = max(1, math.ceil(seconds / 60))
    detail = f"Too many failed log-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    if request.path.startswith("/api/"):
        error = RateLimited(detail, code="login_locked", retry_after=seconds)
        response: HttpResponse = JsonResponse(error.as_dict(), status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"detail": detail}, status=429)
    response["Retry-After"] = str(seconds)
    return response
