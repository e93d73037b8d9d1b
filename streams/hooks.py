"""The HTTP callbacks nginx-rtmp makes (on_publish, on_publish_done, on_record_done) and its auth_request for
premium HLS. Loopback only, POST only (but the auth check, a GET subrequest), no CSRF: nginx is the caller.

nginx-rtmp accepts a publish on 2xx and refuses it on anything else; a 302 renames the stream to Location.
"""

import logging
import re
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from streams.selectors import playback_token_allows
from streams.services.media import publishing, recordings

logger = logging.getLogger(__name__)

_PREMIUM_URI = re.compile(
    r"^/hls/p/(?P<token>[A-Za-z0-9_:.-]+)/(?P<mode>[a-z]+)/(?P<sid>[0-9a-f-]{36})[A-Za-z0-9_.-]*\.(?:m3u8|ts)$"
)


def loopback_only(view):
    """Only the media server on this host may call: a loopback peer, and nothing relayed by the public proxy."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        relayed = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META
        if request.META.get("REMOTE_ADDR") not in settings.MEDIA_HOOK_ALLOWED_ADDRS or relayed:
            logger.warning("media hook %s refused for %s", request.path, request.META.get("REMOTE_ADDR"))
            return HttpResponseForbidden("Media hooks are for the media server only.")
        return view(request, *args, **kwargs)

    return wrapper


@csrf_exempt
@require_POST
@loopback_only
def on_publish(request: HttpRequest) -> HttpResponse:
    if request.POST.get("app") != "live":
        return HttpResponseForbidden("Publish to the live application.")
    try:
        name = publishing.publish_begin(key=request.POST.get("name", ""), client_id=request.POST.get("clientid", ""))
    except publishing.PublishRefused as refused:
        logger.info("publish refused from %s: %s", request.POST.get("addr"), refused)
        return HttpResponseForbidden("Publish refused.")
    response = HttpResponse(status=302)
    response["Location"] = name  # nginx-rtmp renames the stream: the key never reaches a path or a playlist
    return response


@csrf_exempt
@require_POST
@loopback_only
def on_publish_done(request: HttpRequest) -> HttpResponse:
    if request.POST.get("app") == "live":
        publishing.publish_end(key=request.POST.get("name", ""), client_id=request.POST.get("clientid", ""))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
@loopback_only
def on_record_done(request: HttpRequest) -> HttpResponse:
    if request.POST.get("app") == "live" and request.POST.get("path"):
        recordings.recording_register(path=request.POST["path"])
    return HttpResponse(status=204)


@require_GET
@loopback_only
def playback_auth(request: HttpRequest) -> HttpResponse:
    """nginx's auth_request for premium HLS: 204 when the URL's token is valid for that stream, else 403."""
    match = _PREMIUM_URI.match(request.headers.get("X-Original-URI", ""))
    if match is None or not playback_token_allows(token=match["token"], stream_id=match["sid"]):
        return HttpResponseForbidden()
    return HttpResponse(status=204)
