"""Server-rendered pages: a stream's page (the full UI comes later) and the signed links to recordings and clips
on local storage. The home page is discovery's (discovery.views)."""

from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_safe

from livestream.text import duration_label
from livestream.views import file_response
from streams.models import Recording, Stream
from streams.selectors import (
    creator_followed_by,
    creator_next_broadcast,
    stream_dvr_window_seconds,
    stream_get,
    stream_hls_url,
    stream_more_from_creator,
    stream_viewer_has_access,
    stream_webrtc_url,
)
from streams.selectors.media import clip_ready_list, gated_file_url, media_file_name, recording_list
from streams.selectors.share import stream_share, stream_url


def _stream_replay(
    request, stream: Stream, ready: list[Recording], *, has_access: bool
) -> tuple[list[dict], list[dict]]:
    """The ended stream's ``ready`` recordings (oldest first) and clips (newest first), as the player lists them.

    A premium stream's files go only to viewers with access; the others see how many there are, no URLs.
    """
    poster = stream.thumbnail.url if stream.thumbnail else ""
    recordings = [
        {
            "id": recording.pk,
            "label": f"Part {number}" if number > 1 else "Full broadcast",
            "url": gated_file_url(recording, viewer=request.user, has_access=has_access) or "",
            "poster": recording.thumbnail.url if recording.thumbnail else poster,
            "duration": duration_label(recording.duration_seconds),
            "duration_seconds": recording.duration_seconds,
        }
        for number, recording in enumerate(ready, start=1)
    ]
    clips = []
    if has_access:
        clips = [
            {
                "id": clip.pk,
                "label": clip.title or f"Highlight at {duration_label(clip.start_seconds) or '0:00'}",
                "url": gated_file_url(clip, viewer=request.user, has_access=has_access) or "",
                "poster": poster,
                "duration": duration_label(clip.duration_seconds),
                # Its recording and where in it the clip starts: the replayed chat follows a clip too.
                "recording_id": clip.recording_id,
                "start_seconds": clip.start_seconds,
            }
            for clip in clip_ready_list(stream=stream)
            if clip.file
        ]
    return recordings, clips


def _broadcast(stream: Stream, recordings: list[dict]) -> dict:
    """When an ended stream went out and for how long (from its start and end; else its recordings' lengths)."""
    if stream.started_at and stream.ended_at and stream.ended_at > stream.started_at:
        seconds = (stream.ended_at - stream.started_at).total_seconds()
    else:
        seconds = sum(item["duration_seconds"] or 0 for item in recordings)
    return {"started_at": stream.started_at, "seconds": round(seconds), "length": duration_label(seconds)}


def stream_detail(request, stream_id):
    stream = stream_get(stream_id=stream_id, user=request.user)
    has_access = stream_viewer_has_access(stream, request.user)
    is_owner = request.user.pk == stream.creator_id
    ready, recordings, clips, broadcast, more = [], [], [], None, None
    if stream.status == Stream.Status.ENDED:
        ready = list(recording_list(stream=stream))
        recordings, clips = _stream_replay(request, stream, ready, has_access=has_access)
        broadcast = _broadcast(stream, recordings)
        more = stream_more_from_creator(stream=stream)
    playing_recording = stream.status == Stream.Status.ENDED and bool(recordings)
    creator_id = stream.creator_id
    context = {
        "stream": stream,
        "share": stream_share(stream, recordings=ready),
        # A private stream is for its creator alone: nothing to share.
        "share_url": stream_url(stream) if stream.visibility != Stream.Visibility.PRIVATE else "",
        "hls_url": stream_hls_url(stream, request.user),
        "dvr_window_seconds": stream_dvr_window_seconds(stream),
        # Where the player starts WebRTC signalling (webrtc.js), when the stream can play that way for them.
        "webrtc_url": stream_webrtc_url(stream, request.user, request=request),
        "has_access": has_access,
        # Premium and not theirs to watch: the page offers access for coins instead of the video.
        "needs_access": not has_access and not is_owner,
        "poster_url": stream.thumbnail.url if stream.thumbnail else "",
        "recordings": recordings,
        "clips": clips,
        # The recording that plays first, whose chat and gifts the replay panel follows (viewers with access).
        "replay": recordings[0] if recordings and has_access else None,
        "broadcast": broadcast,
        "more_from_creator": more,
        "is_owner": is_owner,
        # The offline overlay (also shown when a live stream ends or goes private under the viewer's eyes):
        # when the creator is next on air, and a follow button. A replay has no such overlay.
        "next_broadcast": None
        if playing_recording
        else creator_next_broadcast(creator_id=creator_id, exclude_stream_id=stream.pk),
        "follows_creator": False
        if playing_recording
        else creator_followed_by(creator_id=creator_id, viewer=request.user),
    }
    return render(request, "streams/stream_detail.html", context)


@require_safe
def media_file(request, token: str, filename: str):
    """A recording's or clip's file behind its signed link (local storage): 403 for a link that is forged,
    expired, or whose viewer may no longer watch the stream; 404 when the file is gone. ``filename`` is for
    players and downloads only; the token names the file."""
    name = media_file_name(token=token)
    if name is None:
        return HttpResponseForbidden("This link is not valid, or no longer.")
    return file_response(name, request=request)
