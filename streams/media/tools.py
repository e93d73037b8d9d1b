"""ffmpeg and ffprobe, run as subprocesses with a timeout; a failure raises MediaToolError with ffmpeg's words."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


class MediaToolError(RuntimeError):
    pass


def _run(args: list[str], *, timeout: int | None = None) -> str:
    try:
        result = subprocess.run(  # noqa: S603 -- argv built here from settings, never a shell
            args, capture_output=True, text=True, timeout=timeout or settings.MEDIA_TOOL_TIMEOUT, check=False
        )
    except FileNotFoundError as exc:
        raise MediaToolError(f"{args[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise MediaToolError(f"{Path(args[0]).name} took longer than {exc.timeout} s") from exc
    if result.returncode != 0:
        tail = (result.stderr or "").strip().splitlines()[-5:]
        raise MediaToolError(f"{Path(args[0]).name} exited {result.returncode}: " + " | ".join(tail))
    return result.stdout


def _ffmpeg() -> list[str]:
    """ffmpeg quiet, non-interactive, overwriting its output (always a file of ours in a temp folder)."""
    return [settings.FFMPEG_BINARY, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]


@dataclass(frozen=True)
class Probe:
    duration_seconds: float
    size_bytes: int
    width: int | None
    height: int | None
    has_video: bool


def probe(source: str | Path) -> Probe:
    """Duration, size and picture size of a file or URL, as ffprobe reads them."""
    out = _run(
        [
            settings.FFPROBE_BINARY,
            "-v",
            "error",
            "-show_entries",
            "format=duration,size:stream=codec_type,width,height",
            "-of",
            "json",
            str(source),
        ],
        timeout=60,
    )
    data = json.loads(out or "{}")
    fmt = data.get("format") or {}
    video = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    try:
        duration = float(fmt.get("duration") or 0.0)
    except ValueError:
        duration = 0.0
    return Probe(
        duration_seconds=duration,
        size_bytes=int(fmt.get("size") or 0),
        width=video.get("width") if video else None,
        height=video.get("height") if video else None,
        has_video=video is not None,
    )


def remux_to_mp4(source: Path, target: Path) -> None:
    """Copy the streams of an FLV recording into an MP4 with the index up front (plays before it downloads)."""
    _run(
        [
            *_ffmpeg(),
            "-i",
            str(source),
            "-map",
            "0:v:0?",
            "-map",
            "0:a:0?",
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            str(target),
        ]
    )


def frame_grab(source: str | Path, target: Path, *, at_seconds: float = 0.0) -> None:
    """One video frame of ``source`` as a PNG (seeking first, so a long file is not decoded from the start)."""
    _run(
        [
            *_ffmpeg(),
            "-ss",
            f"{max(at_seconds, 0.0):.3f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "png",
            str(target),
        ],
        timeout=60,
    )


def clip_cut(source: Path, target: Path, *, start: float, duration: float) -> None:
    """Cut [start, start + duration) of ``source`` into an MP4, re-encoded so the cut is frame accurate."""
    _run(
        [
            *_ffmpeg(),
            "-ss",
            f"{start:.3f}",
            "-i",
            str(source),
            "-t",
            f"{duration:.3f}",
            "-map",
            "0:v:0?",
            "-map",
            "0:a:0?",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "21",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-movflags",
            "+faststart",
            str(target),
        ]
    )


def keyframe_times(sources: list[Path]) -> list[float]:
    """Presentation times of the keyframes in consecutive MPEG-TS segments (only keyframes are decoded)."""
    if not sources:
        return []
    out = _run(
        [
            settings.FFPROBE_BINARY,
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-skip_frame",
            "nokey",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
            "concat:" + "|".join(str(s) for s in sources),
        ],
        timeout=30,
    )
    times = []
    for line in out.splitlines():
        line = line.strip().strip(",")
        try:
            times.append(float(line))
        except ValueError:
            continue
    return times
