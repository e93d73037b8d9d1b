"""The studio's stream pages. Every page is the signed-in creator's own: another user's stream is a 404."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from streams.selectors import stream_get_for_owner, stream_list_for_owner


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
    stream = stream_get_for_owner(stream_id=stream_id, owner=request.user)
    return render(request, "studio/stream.html", {"section": "streams", "stream": stream})
