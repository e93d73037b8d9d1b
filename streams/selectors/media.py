"""Reads of the media pipeline: recordings and clips, signed links to their files, the live segments on the
media server's disk, and what the encoder sends (nginx-rtmp's /stat)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from livestream import private_files
from livestream.errors import NotFound, PermissionDenied
from streams.media import janus, nginx, tools
from streams.media.config import hls_app_parse, hls_dir
from streams.models import Clip, CreatorProfile, Recording, Stream, WebRTCMount, recording_keep_days
from streams.selectors import stream_get, stream_viewer_has_access

# nginx-rtmp's record_unique names a recording "<app>.<stream id>-<unix time>.flv": the second it opened the file.
_RECORDING_OPENED = re.compile(r"-(?P<unix>\d{1,12})\.flv$")
REPLAY_WINDOW_MAX_SECONDS = 600  # a replay's chat and gifts are read in windows of at most 10 minutes
REPLAY_PAGE_MAX = 100  # and at most this many items a page (the API's `limit` cap; a busy window continues)
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


# --- The creator's own recordings and clips (the studio) ----------------------------


def recording_list_for_owner(*, owner: User) -> QuerySet[Recording]:
    """Every recording of ``owner``'s streams, any status, newest first (one query, the stream joined)."""
    return Recording.objects.filter(stream__creator=owner).select_related("stream").order_by("-created_at")


def clip_list_for_owner(*, owner: User) -> QuerySet[Clip]:
    """Every clip of ``owner``'s streams, any status, newest first (one query, stream and recording joined)."""
    return Clip.objects.filter(stream__creator=owner).select_related("stream", "recording").order_by("-created_at")


def recording_get_for_owner(*, recording_id, owner: User) -> Recording:
    """``owner``'s own recording; NotFound for anyone else's (the studio answers 404)."""
    recording = recording_list_for_owner(owner=owner).filter(pk=recording_id).first()
    if recording is None:
        raise NotFound("No such recording.")
    return recording


def clip_get_for_owner(*, clip_id, owner: User) -> Clip:
    clip = clip_list_for_owner(owner=owner).filter(pk=clip_id).first()
    if clip is None:
        raise NotFound("No such clip.")
    return clip


def creator_retention_days(*, creator: User) -> int | None:
    """The creator's own recording retention, in days; None: the platform's default."""
    return CreatorProfile.objects.filter(user=creator).values_list("recording_retention_days", flat=True).first()


def recording_expires_at(recording: Recording, *, creator_days: int | None) -> datetime:
    """When the daily prune deletes ``recording`` (``recording_keep_days``, the rule the prune applies)."""
    days = recording_keep_days(recording_days=recording.retention_days, creator_days=creator_days)
    return recording.created_at + timedelta(days=days)


# --- Replays: a recording's clock, and what happened at each moment of it ------------


@dataclass(frozen=True)
class ReplayClock:
    """A ready recording's timeline: playback offsets (seconds from its first frame) and the moments they were
    broadcast. Offsets are exact to the microsecond (``Decimal`` in, so a page's ``next_from`` lands on the very
    moment the page stopped)."""

    recording: Recording
    started_at: datetime
    duration: float | None

    @property
    def ends_at(self) -> datetime | None:
        return self.started_at + timedelta(seconds=self.duration) if self.duration else None

    def moment(self, offset: Decimal) -> datetime:
        return self.started_at + timedelta(microseconds=int(offset * 1_000_000))

    def offset(self, moment: datetime) -> Decimal:
        return Decimal((moment - self.started_at) // timedelta(microseconds=1)) / 1_000_000


@dataclass(frozen=True)
class ReplayPage:
    """One page of a replay window, oldest first; ``next_from`` is where the window continues (None: it ends)."""

    items: list
    next_from: Decimal | None


def recording_started_at(recording: Recording) -> datetime:
    """When the recording's first frame was broadcast: what its replayed chat and gifts are timed from.

    nginx-rtmp names the file with the second it opened it (``record_unique``); the stream's ``started_at``
    (set by the publish hook moments before the file opens) refines that to the microsecond when it falls in
    that second, as for a first part (a part after a reconnect keeps the second). A file named otherwise: when
    record_done noted it, less its length; else the stream's start.
    """
    stream = recording.stream
    match = _RECORDING_OPENED.search(recording.source_path)
    if match is not None:
        try:
            opened = datetime.fromtimestamp(int(match["unix"]), tz=UTC)
        except (OverflowError, OSError, ValueError):
            opened = None
        if opened is not None:
            if stream.started_at is not None and opened <= stream.started_at < opened + timedelta(seconds=1):
                return stream.started_at
            return opened
    if recording.duration_seconds:
        return recording.created_at - timedelta(seconds=recording.duration_seconds)
    return stream.started_at or recording.created_at


def recording_replay_clock(*, stream_id, recording_id, user) -> ReplayClock:
    """The clock of a ready recording whose replayed chat and gifts ``user`` may follow, by the rules of the
    recording's own file: NotFound for a stream they may not see (private, or none) or no such ready recording
    of it; PermissionDenied (``premium_required``) on a premium stream they have no access to. Three queries."""
    stream = stream_get(stream_id=stream_id, user=user)
    if not stream_viewer_has_access(stream, user):
        raise PermissionDenied("The replay of a premium stream is for viewers with access.", code="premium_required")
    recording = stream.recordings.filter(pk=recording_id, status=Recording.Status.READY).first()
    if recording is None:
        raise NotFound("No such recording.")
    recording.stream = stream
    return ReplayClock(
        recording=recording, started_at=recording_started_at(recording), duration=recording.duration_seconds
    )


def replay_window(
    items: QuerySet, *, clock: ReplayClock, start: Decimal, end: Decimal, limit: int = REPLAY_PAGE_MAX
) -> ReplayPage:
    """What ``items`` (the recording's stream's rows with a ``created_at``: messages, gifts) holds from offset
    ``start`` (inclusive) to ``end`` (exclusive, and never past the recording's end), oldest first.

    At most ``limit`` a page: a fuller window's page stops before the first moment it leaves out and says so in
    ``next_from``, never splitting one microsecond, so the next page starts exactly there and nothing is lost
    or repeated. One query (two when more than ``limit`` rows share one microsecond: that microsecond whole).
    """
    lower, upper = clock.moment(start), clock.moment(end)
    if clock.ends_at is not None:
        upper = min(upper, clock.ends_at)
    window = items.filter(created_at__gte=lower, created_at__lt=upper).order_by("created_at", "pk")
    rows = list(window[: limit + 1])
    if len(rows) <= limit:
        return ReplayPage(items=rows, next_from=None)
    boundary = rows[limit].created_at
    page = [row for row in rows if row.created_at < boundary]
    if not page:
        page = list(window.filter(created_at=boundary))
        boundary += timedelta(microseconds=1)
        if boundary >= upper:
            return ReplayPage(items=page, next_from=None)
    return ReplayPage(items=page, next_from=clock.offset(boundary))


def replay_before(items: QuerySet, *, clock: ReplayClock, before: Decimal, limit: int) -> list:
    """The newest ``limit`` of ``items`` from the recording's start up to offset ``before`` (exclusive), oldest
    first: the chat so far for a viewer who jumps there. One query."""
    upper = clock.moment(before)
    if clock.ends_at is not None:
        upper = min(upper, clock.ends_at)
    newest = items.filter(created_at__gte=clock.started_at, created_at__lt=upper).order_by("-created_at", "-pk")
    rows = list(newest[:limit])
    rows.reverse()
    return rows


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


def keyframe_interval_max(*, latency_mode: str) -> float:
    """The longest keyframe interval a stream of this latency mode should have: 2 s (quick starts, steady
    quality switching), or the fragment when shorter (the low preset's 1 s fragments are cut at keyframes).
    Stream health warns above it and the studio's encoder settings ask for it."""
    return min(KEYFRAME_WARN_SECONDS, settings.HLS_LATENCY_FRAGMENTS.get(latency_mode, KEYFRAME_WARN_SECONDS))


# What an encoder should send, whatever the latency mode: the source rendition is copied as it arrives (HLS carries
# H.264 and AAC), and the ladder's rungs re-encode it with x264's veryfast preset, main profile, AAC at 44.1 kHz.
ENCODER_VIDEO_PRESET = "veryfast"
ENCODER_VIDEO_PROFILE = "main"
ENCODER_AUDIO_KBPS = 128
ENCODER_AUDIO_RATE = 44100


def encoder_settings(*, latency_mode: str, ingest_url: str) -> dict[str, Any]:
    """The encoder settings (OBS's words) that fit a stream's latency mode and this pipeline, and the ffmpeg
    command line that sends them to ``ingest_url`` (the key left as a placeholder: the page fills it in)."""
    keyframe = keyframe_interval_max(latency_mode=latency_mode)
    top_kbps = settings.HLS_SOURCE_KBPS_ESTIMATE  # what the master playlist tells players the source needs
    rung = max(settings.HLS_LADDER, key=lambda rung: rung["video_kbps"])
    tune = "zerolatency" if latency_mode == Stream.Latency.LOW else ""
    keyframe_text = f"{keyframe:g}"
    command = (
        "ffmpeg -re -i INPUT "
        f"-c:v libx264 -preset {ENCODER_VIDEO_PRESET} {'-tune zerolatency ' if tune else ''}"
        f"-profile:v {ENCODER_VIDEO_PROFILE} -pix_fmt yuv420p "
        f"-b:v {top_kbps}k -maxrate {top_kbps}k -bufsize {top_kbps * 2}k "
        f'-force_key_frames "expr:gte(t,n_forced*{keyframe_text})" -sc_threshold 0 '
        f"-c:a aac -b:a {ENCODER_AUDIO_KBPS}k -ar {ENCODER_AUDIO_RATE} -ac 2 "
        f"-f flv {ingest_url.rstrip('/')}/STREAM_KEY"
    )
    return {
        "latency_mode": latency_mode,
        "fragment_seconds": settings.HLS_LATENCY_FRAGMENTS.get(latency_mode),
        "keyframe_seconds": keyframe_text,
        "rate_control": "CBR",
        "video_kbps": top_kbps,
        # On a slow uplink: the ladder's top rung's picture and bitrate (what the player's next step down gets).
        "small_height": rung["height"],
        "small_kbps": rung["video_kbps"],
        "preset": ENCODER_VIDEO_PRESET,
        "profile": ENCODER_VIDEO_PROFILE,
        "tune": tune,
        "audio_kbps": ENCODER_AUDIO_KBPS,
        "audio_rate_khz": f"{ENCODER_AUDIO_RATE / 1000:g}",
        "ffmpeg_command": command,
    }


def stream_health(*, stream: Stream) -> dict[str, Any]:
    """What the studio shows while live: bitrate, fps, resolution, keyframe interval, and warnings."""
    health: dict[str, Any] = {"publishing": False, "warnings": []}
    if stream.status != Stream.Status.LIVE:
        return health
    health["webrtc"] = webrtc_health(stream=stream)
    if not stream.publisher_client_id:
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
    limit = keyframe_interval_max(latency_mode=stream.latency_mode)
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


def webrtc_health(*, stream: Stream) -> dict[str, Any]:
    """The stream's WebRTC path for the studio: on or off, whether Janus has its mountpoint, and how many watch
    over WebRTC (Janus's count for the mountpoint; one admin call). ``viewers`` is None when Janus cannot say."""
    if not settings.WEBRTC_ENABLED:
        return {"enabled": False, "mounted": False, "viewers": None}
    mount = WebRTCMount.objects.filter(stream=stream).first()
    if mount is None:
        return {"enabled": True, "mounted": False, "viewers": None}
    try:
        info = janus.mount_info(janus_id=mount.janus_id, secret=mount.secret)
    except (janus.JanusUnavailable, janus.JanusError):
        return {"enabled": True, "mounted": False, "viewers": None}
    if info is None:
        return {"enabled": True, "mounted": False, "viewers": None}
    return {"enabled": True, "mounted": True, "viewers": int(info.get("viewers") or 0)}


def _keyframe_interval(stream: Stream) -> float | None:
    """Longest gap between source keyframes over the newest segments of the source copy."""
    segments = live_segments(stream, count=3)
    try:
        times = tools.keyframe_times(segments)
    except tools.MediaToolError:
        return None
    gaps = [b - a for a, b in pairwise(times) if b > a]
    return round(max(gaps), 2) if gaps else None
