"""Pages of the deliveries: the one-click unsubscribe link every e-mail carries, and the push service worker."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from notifications.delivery.email import unsubscribe_token_read
from notifications.models import Channel, Kind
from notifications.services import preferences_set


@csrf_exempt  # RFC 8058: the mail client POSTs with no cookie and no CSRF token; the signed token is the proof
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: a page asking to confirm (mail scanners follow links, so GET changes nothing). POST (the page's
    button or the mail client's one-click): that kind's e-mails off for the token's user."""
    found = unsubscribe_token_read(token)
    user = None
    if found is not None:
        user = get_user_model().objects.filter(pk=found[0]).only("id", "email").first()
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    kind = found[1]
    done = request.method == "POST"
    if done:
        preferences_set(user=user, choices={kind: {Channel.EMAIL: False}})
    return render(
        request,
        "notifications/unsubscribe.html",
        {"kind_label": Kind(kind).label, "done": done, "token": token},
    )


@require_GET
def service_worker(request):
    """``/sw.js``: the push service worker at the site's root, so its scope can be the whole site."""
    path = finders.find("js/sw.js") or str(Path(settings.STATIC_ROOT) / "js" / "sw.js")
    if not Path(path).is_file():
        raise Http404
    with open(path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache" if not settings.DEBUG else "no-store"
    return response
