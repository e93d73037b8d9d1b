"""Render the nginx-rtmp configuration and the ladder script from the templates in deploy/mediaserver/."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import stat
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine

TEMPLATE_DIR = Path(settings.BASE_DIR) / "deploy" / "mediaserver"
PUBLIC_PREFIX = "hls"
PREMIUM_PREFIX = "hlsp"


def hls_app_name(*, latency_mode: str, premium: bool) -> str:
    """The nginx-rtmp application a stream's ladder is pushed into: one per latency preset and access rule."""
    return f"{PREMIUM_PREFIX if premium else PUBLIC_PREFIX}_{latency_mode}"


def hls_app_parse(app: str) -> tuple[str, bool] | None:
    """(latency mode, premium) for an application name, None when it is not one of ours."""
    prefix, _, mode = app.partition("_")
    if prefix not in (PUBLIC_PREFIX, PREMIUM_PREFIX) or mode not in settings.HLS_LATENCY_FRAGMENTS:
        return None
    return mode, prefix == PREMIUM_PREFIX


def hls_playlist_seconds(latency_mode: str) -> int:
    """How much of the broadcast a preset's live playlists keep: the rewind window (HLS_DVR_SECONDS) for the
    presets with rewind, else HLS_PLAYLIST_FRAGMENTS fragments (never less than that: hls.js starts three
    fragments behind the newest and needs a few more to ride out a late one)."""
    fragment = settings.HLS_LATENCY_FRAGMENTS[latency_mode]
    short = fragment * settings.HLS_PLAYLIST_FRAGMENTS
    if latency_mode in settings.HLS_DVR_LATENCY_MODES:
        return max(short, settings.HLS_DVR_SECONDS)
    return short


def dvr_window_seconds(latency_mode: str) -> int:
    """How far back a viewer of a live stream in this preset may seek (0: no rewind, the playlist is the short
    window the player needs to play at all)."""
    if latency_mode not in settings.HLS_DVR_LATENCY_MODES:
        return 0
    seconds = hls_playlist_seconds(latency_mode)
    return seconds if seconds > settings.HLS_LATENCY_FRAGMENTS[latency_mode] * settings.HLS_PLAYLIST_FRAGMENTS else 0


def hls_dir(*, latency_mode: str, premium: bool) -> Path:
    return Path(settings.MEDIA_SERVER_ROOT) / "hls" / ("premium" if premium else "public") / latency_mode


def recordings_dir() -> Path:
    return Path(settings.MEDIA_SERVER_ROOT) / "recordings"


@dataclass(frozen=True)
class Rendered:
    nginx_conf: Path
    ladder_script: Path


def _context() -> dict:
    root = Path(settings.MEDIA_SERVER_ROOT).resolve()
    ladder = [
        {
            **rung,
            "maxrate_kbps": int(rung["video_kbps"] * 1.1),
            "bufsize_kbps": rung["video_kbps"] * 2,
        }
        for rung in settings.HLS_LADDER
    ]
    # The master playlist lists the lightest rendition first: players start on the first one listed (Apple's
    # authoring rules; hls.js does the same), so a phone's first picture comes from a small segment and the
    # bitrate estimate then climbs to what the network carries. The source, its bitrate unknown, comes last.
    rungs = [{"name": rung["name"], "bandwidth": (rung["video_kbps"] + rung["audio_kbps"]) * 1000} for rung in ladder]
    source = {"name": "src", "bandwidth": settings.HLS_SOURCE_KBPS_ESTIMATE * 1000}
    variants = [*sorted(rungs, key=lambda variant: variant["bandwidth"]), source]
    hls_apps = []
    for premium in (False, True):
        for mode, fragment in settings.HLS_LATENCY_FRAGMENTS.items():
            hls_apps.append(
                {
                    "name": hls_app_name(latency_mode=mode, premium=premium),
                    "path": hls_dir(latency_mode=mode, premium=premium).resolve(),
                    "fragment": fragment,
                    "playlist_length": hls_playlist_seconds(mode),
                }
            )
    return {
        "root": root,
        "rtmp_module": settings.NGINX_RTMP_MODULE,
        # As root, nginx's workers would run as nobody and could not write recordings or segments.
        "user": getpass.getuser() if os.geteuid() == 0 else "",
        "bind": settings.MEDIA_BIND,
        "rtmp_port": settings.RTMP_PORT,
        "http_port": settings.MEDIA_HTTP_PORT,
        "hook_url": settings.MEDIA_HOOK_BASE_URL.rstrip("/"),
        "ladder_script": root / "ladder.sh",
        "ffmpeg": shutil.which(settings.FFMPEG_BINARY) or settings.FFMPEG_BINARY,
        "ladder": ladder,
        "variants": variants,
        "hls_apps": hls_apps,
        "presets": "|".join(settings.HLS_LATENCY_FRAGMENTS),
        # The RTP copy for Janus (streams.media.janus's payload types; streams.services.media.webrtc's ports file).
        "webrtc_ports_dir": root / "webrtc",
        "webrtc": {
            "height": settings.WEBRTC_VIDEO_HEIGHT,
            "video_kbps": settings.WEBRTC_VIDEO_KBPS,
            "maxrate_kbps": int(settings.WEBRTC_VIDEO_KBPS * 1.1),
            "audio_kbps": settings.WEBRTC_AUDIO_KBPS,
            "video_pt": 96,
            "audio_pt": 111,
        },
    }


def render() -> Rendered:
    """Write nginx.conf and ladder.sh under MEDIA_SERVER_ROOT (and the folders they use); return their paths."""
    context = _context()
    root: Path = context["root"]
    # Private: logs, recordings and premium segments are for nginx (which runs as this user) and Django only.
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in ("logs", "recordings", "tmp", *(str(app["path"]) for app in context["hls_apps"])):
        (root / folder).mkdir(mode=0o700, parents=True, exist_ok=True)
        folder_path = root / folder
        while folder_path != root and root in folder_path.parents:
            folder_path.chmod(0o700)  # also when made before, or by an older render
            folder_path = folder_path.parent
    root.chmod(0o700)
    engine = Engine(dirs=[str(TEMPLATE_DIR)], autoescape=False)
    nginx_conf = root / "nginx.conf"
    nginx_conf.write_text(engine.get_template("nginx.conf.template").render(Context(context)))
    nginx_conf.chmod(0o600)
    ladder = root / "ladder.sh"
    ladder.write_text(engine.get_template("ladder.sh.template").render(Context(context)))
    ladder.chmod(stat.S_IRWXU)
    return Rendered(nginx_conf=nginx_conf, ladder_script=ladder)


def missing_tools() -> list[str]:
    """What this machine lacks to run the media server (Debian package names), empty when it has it all."""
    missing = []
    if not (shutil.which(settings.NGINX_BINARY) or Path("/usr/sbin/nginx").exists()):
        missing.append("nginx")
    if not Path(settings.NGINX_RTMP_MODULE).exists():
        missing.append("libnginx-mod-rtmp")
    if not (shutil.which(settings.FFMPEG_BINARY) and shutil.which(settings.FFPROBE_BINARY)):
        missing.append("ffmpeg")
    return missing


def nginx_binary() -> str:
    return shutil.which(settings.NGINX_BINARY) or "/usr/sbin/nginx"


def ports_in_use() -> list[str]:
    """The media server's ports another process holds already, as "NAME=port" (empty when both are free)."""
    return tcp_ports_taken(
        settings.MEDIA_BIND, {"RTMP_PORT": settings.RTMP_PORT, "MEDIA_HTTP_PORT": settings.MEDIA_HTTP_PORT}
    )


def tcp_ports_taken(bind: str, ports: dict[str, int]) -> list[str]:
    """Which of ``ports`` (setting name -> port) another process holds on ``bind``, as "NAME=port"."""
    taken = []
    for name, port in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((bind, port))
            except OSError:
                taken.append(f"{name}={port}")
    return taken
