"""Reads of the media pipeline: recordings and clips, signed links to their files, the live segments on the
media server's disk, and what the encoder sends (nginx-rtmp's /stat)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from livestream import private_files
from livestream.errors import NotFound
from streams.media import nginx, tools
from streams.media.config import hls_app_parse, hls_dir
from streams.models import Clip, Recording, Stream
from streams.selectors import stream_get, stream_viewer_has_access

KEYFRAME_WARN_SECONDS = 2.0
NGINX_BANDWIDTH_WINDOW_SECONDS = 15
MEDIA_FILE_ROUTE = "stream-media-file"


# --- Publishing ---------------------------------------------------------------------


def publish_name(stream: Stream) -> str:
    """The name a live stream has inside nginx-rtmp: "<hls app>.<stream id>", never its key."""
    return f"{stream.media_app}.{stream.pk}"


def publisher_present(stream: Stream) -> bool:
    """Whether nginx-rtmp has the stream's encoder now (it may have died without a publish_done); True when
    the media server cannot tell (keep the one we know of)."""
    try:
        return nginx.stat(app="live", name=publish_name(stream)) is not None
    except nginx.MediaServerUnavailable:
        return True


def live_segments(stream: Stream, *, rendition: str = "src", count: int = 1) -> list[Path]:
    """The newest complete HLS segments of a live stream's rendition (those its playlist lists), oldest first."""
    parsed = hls_app_parse(stream.media_app) if stream.media_app else None
    if parsed is None:
        return []
    folder = hls_dir(latency_mode=parsed[0], premium=parsed[1])
    playlist = folder / f"{stream.pk}_{rendition}.m3u8"
    try:
        lines = playlist.read_text().splitlines()
    except OSError:
        return []
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    segments = [folder / Path(name).name for name in names[-count:]]
    return [segment for segment in segments if segment.exists()]


# --- Recordings and clips -----------------------------------------------------------


def recording_list(*, stream: Stream) -> QuerySet[Recording]:
    return stream.recordings.filter(status=Recording.Status.READY).order_by("created_at")


def recording_of_stream(*, stream: Stream, recording_id) -> Recording | None:
    """The stream's recording ``recording_id`` (any status); None when the stream has no such recording."""
    return stream.recordings.filter(pk=recording_id).first()


def recording_ready_newest(*, stream: Stream) -> Recording | None:
    return stream.recordings.filter(status=Recording.Status.READY).order_by("-created_at").first()


def recording_with_thumbnail_newest(*, stream: Stream) -> Recording | None:
    """The stream's newest ready recording that has a thumbnail (the ended stream's automatic picture)."""
    return stream.recordings.filter(status=Recording.Status.READY).exclude(thumbnail="").order_by("-created_at").first()


def clip_list(*, stream: Stream) -> QuerySet[Clip]:
    return stream.clips.select_related("created_by").order_by("-created_at")


def clip_ready_list(*, stream: Stream) -> QuerySet[Clip]:
    """The stream's playable highlights, newest first (what the stream page lists)."""
    return stream.clips.filter(status=Clip.Status.READY).order_by("-created_at")


def media_file_url(field, *, stream_id, viewer, request=None) -> str | None:
    """A signed link, expiring after PROTECTED_MEDIA_MAX_AGE, to a recording's or clip's file for ``viewer``
    (the caller has checked that they may watch stream ``stream_id``); None without a file.

    On local storage the link opens ``streams.views.media_file``, which checks again that this viewer may
    still watch the stream; on object storage it is the storage's own signed URL.
    """
    if not field:
        return None
    viewer_id = str(viewer.pk) if viewer is not None and viewer.is_authenticated else None
    claims = {"s": str(stream_id), "u": viewer_id}
    return private_files.signed_url(field.name, route=MEDIA_FILE_ROUTE, claims=claims, request=request)


def gated_file_url(item: Recording | Clip, *, viewer, has_access: bool, request=None) -> str | None:
    """A recording's or clip's ``url`` as the API and the pages show it: a signed link made for ``viewer``
    (media_file_url), or None when the caller found that the viewer has no access, or there is no file yet."""
    if not has_access:  # a caller that forgets to say gets no premium file
        return None
    return media_file_url(item.file, stream_id=item.stream_id, viewer=viewer, request=request)


def media_file_name(*, token: str) -> str | None:
    """The storage name of the recording or clip file a link's token opens, if it still may: signed,
    unexpired, a file of the token's stream, whose viewer may still see and watch it (premium access bought,
    a subscription running, the stream not made private meanwhile) or is staff. None otherwise."""
    claims = private_files.signed_claims(token)
    if claims is None or not isinstance(claims.get("s"), str):
        return None
    name, stream_id = claims["f"], claims["s"]
    owned = [private_files.private_name(f"{kind}/{stream_id}/") for kind in ("recordings", "clips")]
    if not any(name.startswith(prefix) for prefix in owned):
        return None
    viewer = None
    if claims.get("u"):
        viewer = User.objects.filter(pk=claims["u"], is_active=True).first()
        if viewer is None:
            return None
        if viewer.is_staff:  # staff may always watch (the admin links recordings and clips for them)
            return name if Stream.objects.filter(pk=stream_id).exists() else None
    try:
        stream = stream_get(stream_id=stream_id, user=viewer)
    except NotFound:
        return None
    return name if stream_viewer_has_access(stream, viewer) else None


# --- Health -------------------------------------------------------------------------


def stream_health(*, stream: Stream) -> dict[str, Any]:
    """What the studio shows while live: bitrate, fps, resolution, keyframe interval, and warnings."""
    health: dict[str, Any] = {"publishing": False, "warnings": []}
    if stream.status != Stream.Status.LIVE or not stream.publisher_client_id:
        return health
    try:
        stat = nginx.stat(app="live", name=publish_name(stream))
    except nginx.MediaServerUnavailable:
        health["warnings"].append({"code": "media_server_unavailable", "detail": "The media server did not answer."})
        return health
    if stat is None:
        return health
    keyframe_interval = _keyframe_interval(stream)
    health.update(
        publishing=True,
        bitrate_kbps=stat.bitrate_kbps,
        video_kbps=stat.video_kbps,
        audio_kbps=stat.audio_kbps,
        width=stat.width,
        height=stat.height,
        fps=stat.fps,
        video_codec=stat.video_codec,
        audio_codec=stat.audio_codec,
        seconds_live=stat.seconds_live,
        keyframe_interval_seconds=keyframe_interval,
    )
    # Over 2 s, starts and quality switches suffer; the low-latency preset needs one per 1 s fragment.
    limit = min(KEYFRAME_WARN_SECONDS, settings.HLS_LATENCY_FRAGMENTS.get(stream.latency_mode, KEYFRAME_WARN_SECONDS))
    if keyframe_interval is not None and keyframe_interval > limit + 0.05:
        health["warnings"].append(
            {
                "code": "keyframe_interval",
                "detail": f"Keyframes every {keyframe_interval:.1f} s; set your encoder to {limit:g} s or less "
                "for quick starts, steady quality switching and this stream's latency.",
            }
        )
    if stat.video_kbps == 0 and stat.seconds_live > NGINX_BANDWIDTH_WINDOW_SECONDS:  # nginx measures over 10 s
        health["warnings"].append({"code": "no_video", "detail": "No video is arriving from the encoder."})
    return health


def _keyframe_interval(stream: Stream) -> float | None:
    """Longest gap between source keyframes over the newest segments of the source copy."""
    segments = live_segments(stream, count=3)
    try:
        times = tools.keyframe_times(segments)
    except tools.MediaToolError:
        return None
    gaps = [b - a for a, b in pairwise(times) if b > a]
    return round(max(gaps), 2) if gaps else None
