"""The studio's stream pages. Every page is the signed-in creator's own: another user's stream is a 404.

A form sent back with its errors answers 400 (a refusal of the state of things, such as deleting a live
stream, 409), as the API answers the same mistakes; a saved form answers 303 to a page to GET, so reloading
sends nothing twice.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from livestream.errors import DomainError
from streams.models import Stream
from streams.selectors import (
    creator_timezone,
    stream_dvr_window_seconds,
    stream_get_for_owner,
    stream_hls_url,
    stream_list_for_owner,
    stream_webrtc_url,
)
from streams.selectors.media import encoder_settings
from streams.services import stream_delete
from streams.services.media.publishing import reconnect_grace_seconds
from streams.services.media.thumbnails import thumbnail_remove_custom
from streams.studio.forms import StreamForm, ThumbnailForm


def _see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def thumbnail_url(stream: Stream, size: str = "320x180") -> str:
    """The stream's thumbnail at one of its standard sizes (the largest when that one is missing); "" for none."""
    if not stream.thumbnail:
        return ""
    name = (stream.thumbnail_variants or {}).get(size)
    return stream.thumbnail.storage.url(name) if name else stream.thumbnail.url


@login_required
@require_safe
def studio_home(request):
    streams = stream_list_for_owner(owner=request.user)
    for stream in (stream for group in streams.values() for stream in group):
        stream.small_thumbnail_url = thumbnail_url(stream)
    context = {
        "section": "streams",
        "streams": streams,
        "zone": creator_timezone(user=request.user),
    }
    return render(request, "studio/home.html", context)


@login_required
@require_safe
def studio_stream(request, stream_id):
    """Broadcasting (server, key, encoder settings, the go-live checklist, ending the stream) and, while live,
    the dashboard: the player, viewers now, the chat with its moderation tools, the gifts and this stream's
    earnings. The key is not in the page: the page asks the API for it when the creator reveals or copies it."""
    stream = stream_get_for_owner(stream_id=stream_id, owner=request.user)
    ended = stream.status == Stream.Status.ENDED
    context = {
        "section": "streams",
        "stream": stream,
        "rtmp_url": settings.RTMP_INGEST_URL,
        "encoder": encoder_settings(latency_mode=stream.latency_mode, ingest_url=settings.RTMP_INGEST_URL),
        "reconnect_grace": reconnect_grace_seconds(),
        # What the watch page's player and chat need (templates/streams/_player.html, chat/_chat.html): the
        # creator watches their own stream, whatever its access rules.
        "hls_url": None if ended else stream_hls_url(stream, request.user),
        "dvr_window_seconds": stream_dvr_window_seconds(stream),
        # The preview plays in real time like the watch page (webrtc.js), falling back to HLS by itself.
        "webrtc_url": None if ended else stream_webrtc_url(stream, request.user, request=request),
        "is_owner": True,
        "needs_access": False,
        "poster_url": stream.thumbnail.url if stream.thumbnail else "",
        "recordings": [],
    }
    return render(request, "studio/stream.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_stream_new(request):
    zone = creator_timezone(user=request.user)
    form = StreamForm(request.POST if request.method == "POST" else None, creator=request.user, zone=zone)
    if request.method == "POST" and form.is_valid():
        stream = form.save()
        if stream is not None:
            messages.success(request, f"“{stream.title}” is ready. Add a thumbnail from Edit, or open it to go live.")
            return _see_other(reverse("studio"))
    status = 400 if request.method == "POST" else 200
    return render(request, "studio/stream_form.html", {"section": "streams", "form": form}, status=status)


def _edit_page(request, stream: Stream, *, form=None, thumbnail_form=None, status: int = 200):
    zone = creator_timezone(user=request.user)
    context = {
        "section": "streams",
        "stream": stream,
        "form": form or StreamForm(creator=request.user, zone=zone, stream=stream),
        "thumbnail_form": thumbnail_form or ThumbnailForm(),
        "thumbnail_url": thumbnail_url(stream, "640x360"),
        "max_image_bytes": settings.MAX_IMAGE_UPLOAD_BYTES,
    }
    return render(request, "studio/stream_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_stream_edit(request, stream_id):
    stream = stream_get_for_owner(stream_id=stream_id, owner=request.user)
    if request.method != "POST":
        return _edit_page(request, stream)
    zone = creator_timezone(user=request.user)
    form = StreamForm(request.POST, creator=request.user, zone=zone, stream=stream)
    if form.is_valid() and form.save() is not None:
        messages.success(request, "Your changes are saved.")
        return _see_other(reverse("studio"))
    return _edit_page(request, stream, form=form, status=400)


@login_required
@require_POST
def studio_stream_thumbnail(request, stream_id):
    """The thumbnail without script: upload (``image``) or, with ``remove``, back to automatic thumbnails. The
    page's script sends the same upload to the API instead, to show its progress."""
    stream = stream_get_for_owner(stream_id=stream_id, owner=request.user)
    if "remove" in request.POST:
        thumbnail_remove_custom(stream=stream)
        messages.success(request, "Your thumbnail is removed; an automatic one takes its place when there is one.")
        return _see_other(reverse("studio-stream-edit", args=[stream.pk]) + "#thumbnail")
    form = ThumbnailForm(request.POST, request.FILES)
    if form.is_valid() and form.save(stream=stream) is not None:
        messages.success(request, "Your thumbnail is saved.")
        return _see_other(reverse("studio-stream-edit", args=[stream.pk]) + "#thumbnail")
    status = 429 if form.has_error("image", "images_busy") else 400
    return _edit_page(request, stream, thumbnail_form=form, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def studio_stream_delete(request, stream_id):
    """Asks first (GET), deletes on POST through ``stream_delete``: a live stream is refused (end it first)."""
    stream = stream_get_for_owner(stream_id=stream_id, owner=request.user)
    refusal = ""
    if request.method == "POST":
        try:
            stream_delete(stream=stream)
        except DomainError as exc:
            refusal = exc.detail
        else:
            messages.success(request, f"“{stream.title}” is deleted.")
            return _see_other(reverse("studio"))
    context = {"section": "streams", "stream": stream, "refusal": refusal}
    return render(request, "studio/stream_delete.html", context, status=409 if refusal else 200)
