"""The studio's stream pages. Every page is the signed-in creator's own: another user's stream is a 404."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from streams.models import Stream
from streams.selectors import stream_get_for_owner, stream_hls_url, stream_list_for_owner
from streams.selectors.media import encoder_settings
from streams.services.media.publishing import reconnect_grace_seconds


@login_required
@require_safe
def studio_home(request):
    return render(
        request,
        "studio/home.html",
        {"section": "streams", "streams": stream_list_for_owner(owner=request.user)},
    )


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
        "is_owner": True,
        "needs_access": False,
        "poster_url": stream.thumbnail.url if stream.thumbnail else "",
        "recordings": [],
    }
    return render(request, "studio/stream.html", context)
