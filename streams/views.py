"""Server-rendered pages: home and a stream's page (the full UI comes later)."""

from django.conf import settings
from django.shortcuts import render

from streams.selectors import category_tree, stream_get, stream_hls_url, stream_list


def home(request):
    live = list(stream_list(filters={"status": "live", "sort": "viewers"})[:24])
    upcoming = list(stream_list(filters={"status": "scheduled"})[:12])
    return render(request, "streams/home.html", {"live": live, "upcoming": upcoming, "categories": category_tree()})


def stream_detail(request, stream_id):
    stream = stream_get(stream_id=stream_id, user=request.user)
    context = {
        "stream": stream,
        "hls_url": stream_hls_url(stream, request.user),
        "is_owner": request.user.pk == stream.creator_id,
        "rtmp_url": settings.RTMP_INGEST_URL,
    }
    return render(request, "streams/stream_detail.html", context)
