"""End to end with the real thing: the project's nginx-rtmp (manage.py mediaserver) on free ports, ffmpeg
publishing a test pattern over RTMP, Django's hooks served by a live server, ffprobe reading what comes out.
"""

import re
import subprocess
import time
from pathlib import Path

import pytest
import requests
from rest_framework.test import APIClient

from livestream.celery import app as celery_app
from streams.models import Clip, Recording, Stream
from streams.tests.factories import StreamFactory
from streams.tests.processes import media_server, media_server_environment
from streams.tests.processes import publish as encoder

pytestmark = [pytest.mark.needs_media, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def mediaserver(live_server, tmp_path_factory):
    """The project's media server (nginx-rtmp), its hooks pointing at the live server; yields its settings."""
    root = tmp_path_factory.mktemp("mediaserver")
    with media_server(media_server_environment(root, f"{live_server.url}/media-hooks")) as values:
        yield values


@pytest.fixture
def media(mediaserver, settings):
    """Django (in this process, serving the hooks) configured like the media server; Celery runs inline."""
    for name, value in mediaserver.items():
        setattr(settings, name, int(value) if name.endswith("_PORT") else value)
    settings.MEDIA_SERVER_ROOT = Path(mediaserver["MEDIA_SERVER_ROOT"])
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker here: a dropped encoder ends its stream at once
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield mediaserver
    celery_app.conf.task_always_eager = eager


def publish(media, key: str, *, seconds: int, gop: int = 30, size: str = "640x360") -> subprocess.Popen:
    """ffmpeg publishing a test pattern with a tone, in real time, as an encoder would."""
    return encoder(media["RTMP_INGEST_URL"], key, seconds=seconds, gop=gop, size=size)


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def ffprobe_height(url: str) -> int:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=height",
            "-of",
            "csv=p=0",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[0])


def owner_client(stream) -> APIClient:
    client = APIClient()
    client.force_authenticate(stream.creator)
    return client


def test_a_bad_key_is_refused(media, transactional_db):
    stream = StreamFactory()
    encoder = publish(media, "live_not-a-real-key", seconds=5)
    assert encoder.wait(timeout=30) != 0  # nginx closes the connection when the hook refuses
    stream.refresh_from_db()
    assert stream.status == Stream.Status.SCHEDULED
    assert not list((Path(media["MEDIA_SERVER_ROOT"]) / "hls").rglob("*.m3u8"))


def test_publish_to_live_adaptive_hls_then_stop_to_a_vod_thumbnail_and_clip(media, transactional_db):
    stream = StreamFactory(title="Yoruba proverbs, live")
    key = stream.stream_key
    encoder = publish(media, key, seconds=60)
    try:
        wait_for(lambda: Stream.objects.get(pk=stream.pk).status == Stream.Status.LIVE, timeout=20, what="live")
        body = APIClient().get(f"/api/v1/streams/{stream.pk}").json()
        hls_url = body["hls_url"]
        assert hls_url == f"{media['HLS_BASE_URL']}/normal/{stream.pk}.m3u8"
        wait_for(lambda: http_ok(hls_url), timeout=30, what="the master playlist")
        master = requests.get(hls_url, timeout=5).text
        variants = [line for line in master.splitlines() if line and not line.startswith("#")]
        # The lightest first: players start on the first listed (a phone's first picture from a small segment).
        assert variants == [f"{stream.pk}_360p.m3u8", f"{stream.pk}_480p.m3u8", f"{stream.pk}_src.m3u8"]
        base = hls_url.rsplit("/", 1)[0]
        for variant in variants:
            wait_for(lambda v=variant: http_ok(f"{base}/{v}"), timeout=30, what=variant)
        heights = {variant: ffprobe_height(f"{base}/{variant}") for variant in variants}
        # Source copied; 480p never above a 360p source; 360p scaled.
        assert heights == {variants[0]: 360, variants[1]: 360, variants[2]: 360}

        health = owner_client(stream).get(f"/api/v1/streams/{stream.pk}/health").json()
        assert health["publishing"] is True
        assert (health["width"], health["height"]) == (640, 360)
        assert round(health["fps"]) == 30
        assert health["keyframe_interval_seconds"] == pytest.approx(1.0, abs=0.1)
        assert not [w for w in health["warnings"] if w["code"] == "keyframe_interval"]

        # The key appears in no path nginx wrote and no playlist it serves.
        media_root = Path(media["MEDIA_SERVER_ROOT"])
        assert not [p for p in media_root.rglob("*") if key in p.name]
        assert key not in master and key not in hls_url

        response = owner_client(stream).post(f"/api/v1/streams/{stream.pk}/status", {"action": "stop"}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "ended"
        encoder.wait(timeout=20)  # raises TimeoutExpired unless the API's stop dropped it (it would run 60 s)
    finally:
        if encoder.poll() is None:
            encoder.kill()

    recording = wait_for(
        lambda: Recording.objects.filter(stream=stream, status=Recording.Status.READY).first(),
        timeout=60,
        what="the recording",
    )
    assert recording.file.name.endswith(".mp4")
    duration = float(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", recording.file.path],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert duration > 2 and duration == pytest.approx(recording.duration_seconds, abs=0.5)
    assert (recording.width, recording.height) == (640, 360)
    wait_for(lambda: not Path(recording.source_path).exists(), timeout=10, what="the FLV to go (the VOD is stored)")
    stream.refresh_from_db()
    assert stream.status == Stream.Status.ENDED
    assert stream.thumbnail_source == Stream.ThumbnailSource.AUTO and stream.thumbnail
    listed = APIClient().get(f"/api/v1/streams/{stream.pk}/recordings").json()
    assert [r["id"] for r in listed] == [str(recording.pk)] and listed[0]["url"].endswith(".mp4")

    response = owner_client(stream).post(
        f"/api/v1/streams/{stream.pk}/clips", {"start": 1, "duration": 1.5, "title": "The proverb"}, format="json"
    )
    assert response.status_code == 202, response.content
    clip = Clip.objects.get(pk=response.json()["id"])
    assert clip.status == Clip.Status.READY, clip.error
    clip_duration = float(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", clip.file.path],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert clip_duration == pytest.approx(1.5, abs=0.2)


def test_premium_hls_needs_a_token_and_a_slow_keyframe_interval_is_warned(media, transactional_db):
    stream = StreamFactory(is_premium=True, price_coins=50, latency_mode=Stream.Latency.LOW)
    encoder = publish(media, stream.stream_key, seconds=60, gop=90)  # a keyframe every 3 s
    try:
        wait_for(lambda: Stream.objects.get(pk=stream.pk).status == Stream.Status.LIVE, timeout=20, what="live")
        assert APIClient().get(f"/api/v1/streams/{stream.pk}").json()["hls_url"] is None  # no access, no URL
        hls_url = owner_client(stream).get(f"/api/v1/streams/{stream.pk}").json()["hls_url"]
        match = re.fullmatch(rf"{re.escape(media['HLS_BASE_URL'])}/p/([^/]+)/low/{stream.pk}\.m3u8", hls_url)
        assert match, hls_url
        wait_for(lambda: http_ok(hls_url), timeout=30, what="the premium master playlist")
        base = hls_url.rsplit("/", 1)[0]
        variant = f"{base}/{stream.pk}_360p.m3u8"
        wait_for(lambda: http_ok(variant), timeout=30, what="the premium 360p playlist")
        segment = next(line for line in requests.get(variant, timeout=5).text.splitlines() if line.endswith(".ts"))
        assert requests.get(f"{base}/{segment}", timeout=5).status_code == 200

        hls = media["HLS_BASE_URL"]
        assert requests.get(f"{hls}/p/forged-token/low/{stream.pk}.m3u8", timeout=5).status_code == 403
        assert requests.get(f"{hls}/p/forged-token/low/{segment}", timeout=5).status_code == 403
        # A real token, but for another premium stream, opens nothing here.
        other = StreamFactory(is_premium=True, price_coins=5, live=True, latency_mode=Stream.Latency.LOW)
        others_url = owner_client(other).get(f"/api/v1/streams/{other.pk}").json()["hls_url"]
        others_token = others_url.split("/p/", 1)[1].split("/", 1)[0]
        assert requests.get(f"{hls}/p/{others_token}/low/{stream.pk}.m3u8", timeout=5).status_code == 403
        assert requests.get(f"{hls}/low/{stream.pk}.m3u8", timeout=5).status_code == 404  # no public copy

        health = wait_for(
            lambda: (
                (h := owner_client(stream).get(f"/api/v1/streams/{stream.pk}/health").json()).get(
                    "keyframe_interval_seconds"
                )
                and h
            ),
            timeout=30,
            what="a keyframe interval",
        )
        assert health["keyframe_interval_seconds"] == pytest.approx(3.0, abs=0.2)
        assert [w["code"] for w in health["warnings"]] == ["keyframe_interval"]
    finally:
        encoder.kill()
        encoder.wait(timeout=10)
    wait_for(lambda: Stream.objects.get(pk=stream.pk).status == Stream.Status.ENDED, timeout=20, what="ended")
    wait_for(
        lambda: Recording.objects.filter(stream=stream, status=Recording.Status.READY).exists(),
        timeout=60,
        what="the premium stream's recording",
    )
