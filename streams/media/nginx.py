"""Talking to nginx-rtmp: its /stat XML (stream health) and its /control module (drop a publisher)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import requests
from django.conf import settings

logger = logging.getLogger(__name__)


class MediaServerUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class PublisherStat:
    """What nginx-rtmp reports of one live publish."""

    bitrate_kbps: int
    video_kbps: int
    audio_kbps: int
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str
    audio_codec: str
    seconds_live: float


def _int(node, path: str) -> int | None:
    text = node.findtext(path)
    try:
        return int(float(text)) if text not in (None, "") else None
    except ValueError:
        return None


def parse_stat(xml: str, *, app: str, name: str) -> PublisherStat | None:
    """The stream ``name`` of application ``app`` in a /stat document; None when it is not publishing."""
    root = ET.fromstring(xml)  # noqa: S314 -- our own nginx on loopback, not user input
    for application in root.iter("application"):
        if application.findtext("name") != app:
            continue
        for stream in application.iter("stream"):
            if stream.findtext("name") != name or stream.find("publishing") is None:
                continue
            fps = stream.findtext("meta/video/frame_rate")
            return PublisherStat(
                bitrate_kbps=(_int(stream, "bw_in") or 0) // 1000,
                video_kbps=(_int(stream, "bw_video") or 0) // 1000,
                audio_kbps=(_int(stream, "bw_audio") or 0) // 1000,
                width=_int(stream, "meta/video/width"),
                height=_int(stream, "meta/video/height"),
                fps=float(fps) if fps not in (None, "") else None,
                video_codec=stream.findtext("meta/video/codec") or "",
                audio_codec=stream.findtext("meta/audio/codec") or "",
                seconds_live=(_int(stream, "time") or 0) / 1000,
            )
    return None


def parse_publishing(xml: str, *, app: str) -> set[str]:
    """Names of the streams of application ``app`` that have a publisher, in a /stat document."""
    root = ET.fromstring(xml)  # noqa: S314 -- our own nginx on loopback, not user input
    return {
        stream.findtext("name") or ""
        for application in root.iter("application")
        if application.findtext("name") == app
        for stream in application.iter("stream")
        if stream.find("publishing") is not None
    }


def _stat_document() -> str:
    try:
        response = requests.get(f"{settings.MEDIA_CONTROL_URL.rstrip('/')}/stat", timeout=3)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise MediaServerUnavailable(str(exc)) from exc
    return response.text


def stat(*, app: str, name: str) -> PublisherStat | None:
    return parse_stat(_stat_document(), app=app, name=name)


def publishing(*, app: str) -> set[str]:
    """Who publishes in ``app`` now, as nginx-rtmp sees it."""
    return parse_publishing(_stat_document(), app=app)


def drop_publisher(*, app: str, name: str) -> bool:
    """Ask nginx-rtmp to disconnect whoever publishes ``app/name``; True when one was dropped."""
    try:
        response = requests.get(
            f"{settings.MEDIA_CONTROL_URL.rstrip('/')}/control/drop/publisher",
            params={"app": app, "name": name},
            timeout=3,
        )
    except requests.RequestException as exc:
        logger.warning("media server unreachable dropping %s/%s: %s", app, name, exc)
        return False
    return response.status_code == 200 and response.text.strip() not in ("", "0")
