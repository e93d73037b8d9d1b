"""The stream page's video in a real browser (Debian's chromium): an ended stream's replay plays a real MP4; a
live stream's page waits for its playlist, then plays the HLS ladder through the vendored hls.js with the
page's own controls (pause, play, unmute, the quality menu); a viewer
buys access to a premium recording. (The encoder's health is the studio's: test_studio_broadcast_browser.py.)"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client

from accounts.tests.factories import UserFactory
from streams.models import Clip, Recording
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HLS_JS = Path(django_settings.BASE_DIR) / "static" / "vendor" / "hls.light.min.js"

pytestmark = [pytest.mark.needs_chromium, pytest.mark.needs_media]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True, timeout=60)


def two_seconds_of_h264(size: str = "320x240") -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=10", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p"]


def session_cookie(user, server_url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}


def mp4(path: Path) -> bytes:
    ffmpeg(*two_seconds_of_h264(), "-movflags", "+faststart", str(path))
    return path.read_bytes()


def metadata(page, selector: str) -> dict:
    """Waits until the video element knows its duration (or failed), then says what it knows."""
    page.wait_for_function(
        "s => { const v = document.querySelector(s); return v && (v.readyState >= 1 || v.error); }",
        arg=selector,
        timeout=15_000,
    )
    return page.eval_on_selector(
        selector, "v => ({duration: v.duration, error: v.error && v.error.code, src: v.currentSrc})"
    )


def test_an_ended_streams_page_plays_its_recording_and_switches_to_a_clip(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    stream = StreamFactory(ended=True, title="Replay lesson")
    recording = Recording.objects.create(
        stream=stream, status=Recording.Status.READY, source_path="/nowhere/replay.flv", duration_seconds=2
    )
    recording.file.save("replay.mp4", ContentFile(mp4(tmp_path / "replay.mp4")))
    clip = Clip.objects.create(
        stream=stream,
        recording=recording,
        created_by=stream.creator,
        title="Best bit",
        start_seconds=0,
        duration_seconds=2,
        status=Clip.Status.READY,
    )
    clip.file.save("clip.mp4", ContentFile(recording.file.open("rb").read()))
    url = f"{live_server.url}/streams/{stream.pk}/"  # the ORM before Playwright's loop starts in this thread

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            expect(page.locator("h1")).to_have_text("Replay lesson")
            assert page.locator("#player").count() == 0
            video = metadata(page, "#replay")
            assert video["error"] is None, video  # Debian's chromium plays H.264 (it links the system ffmpeg)
            assert video["duration"] > 1 and "/files/" in video["src"]  # a signed link, not /media/
            assert video["src"].endswith("/" + recording.file.name.rsplit("/", 1)[1])

            page.get_by_role("link", name="Best bit").click()
            clip_name = clip.file.name.rsplit("/", 1)[1]
            page.wait_for_function(f"document.querySelector('#replay').currentSrc.endsWith('/{clip_name}')")
            assert metadata(page, "#replay")["duration"] > 1
            expect(page.get_by_role("link", name="Best bit")).to_have_attribute("aria-current", "true")
        finally:
            browser.close()


def test_a_viewer_seeks_in_a_recording_served_by_django(live_server, tmp_path):
    """Chromium seeks in an MP4 only where the server answers byte ranges (make run: Django sends the file)."""
    from playwright.sync_api import sync_playwright

    stream = StreamFactory(ended=True, title="Long lesson")
    recording = Recording.objects.create(
        stream=stream, status=Recording.Status.READY, source_path="/nowhere/long.flv", duration_seconds=20
    )
    ffmpeg(*two_seconds_of_h264(), "-t", "20", "-g", "10", "-movflags", "+faststart", str(tmp_path / "long.mp4"))
    recording.file.save("long.mp4", ContentFile((tmp_path / "long.mp4").read_bytes()))
    url = f"{live_server.url}/streams/{stream.pk}/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            assert metadata(page, "#replay")["duration"] > 19
            seekable_end = page.eval_on_selector("#replay", "v => v.seekable.length ? v.seekable.end(0) : 0")
            landed = page.eval_on_selector(
                "#replay",
                """v => new Promise(resolve => {
                    v.addEventListener("seeked", () => resolve(v.currentTime), {once: true});
                    v.currentTime = 15;
                })""",
            )
            assert seekable_end > 19 and abs(landed - 15) < 0.5, (seekable_end, landed)
        finally:
            browser.close()


def write_ladder(directory: Path, stream_id: str) -> None:
    """An HLS ladder as the media server names it: <id>_src and <id>_360p under the master <id>.m3u8."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, size in (("src", "320x240"), ("360p", "160x120")):
        ffmpeg(
            *two_seconds_of_h264(size),
            "-g",
            "10",
            "-f",
            "hls",
            "-hls_time",
            "1",
            "-hls_playlist_type",
            "vod",
            "-hls_segment_filename",
            str(directory / f"{stream_id}_{name}-%d.ts"),
            str(directory / f"{stream_id}_{name}.m3u8"),
        )
    # The master last, as nginx-rtmp does once the variants exist: the player must not see it earlier.
    (directory / f"{stream_id}.m3u8").write_text(
        "#EXTM3U\n"
        f"#EXT-X-STREAM-INF:BANDWIDTH=800000\n{stream_id}_src.m3u8\n"
        f"#EXT-X-STREAM-INF:BANDWIDTH=300000\n{stream_id}_360p.m3u8\n"
    )


def test_a_live_streams_page_waits_for_the_broadcast_then_plays_the_ladder_with_hls_js(live_server, settings):
    from playwright.sync_api import expect, sync_playwright

    assert HLS_JS.is_file(), "hls.js is not vendored: npm ci --no-audit --no-fund && python3 scripts/vendor_frontend.py"
    settings.HLS_BASE_URL = f"{live_server.url}{settings.MEDIA_URL}hls"  # the test server plays nginx's part
    stream = StreamFactory(live=True, latency_mode="normal", title="Live lesson")
    url = f"{live_server.url}/streams/{stream.pk}/"
    hls_dir = Path(settings.MEDIA_ROOT) / "hls" / "normal"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            requested = []
            page.on("request", lambda request: requested.append(request.url))
            page.goto(url)
            assert page.evaluate("typeof Hls !== 'undefined' && Hls.isSupported()")
            expect(page.locator("#player-state")).to_have_text("Waiting for the broadcast to start…")

            write_ladder(hls_dir, str(stream.pk))  # the encoder connects; the next retry finds the playlist
            expect(page.locator("#player-state")).to_be_hidden(timeout=15_000)
            # Auto names the rendition it picked once it has switched to one.
            expect(page.locator("#quality option")).to_have_text([re.compile(r"^Auto( \(\w+\))?$"), "Source", "360p"])
            assert metadata(page, "#player")["error"] is None
            page.wait_for_function("() => document.querySelector('#player').currentTime > 0", timeout=15_000)
            assert page.eval_on_selector("#player", "v => v.currentSrc.startsWith('blob:')")  # MSE: hls.js plays

            assert not any("_360p" in u for u in requested)  # Auto starts on the first (source) rendition

            # The page's own controls, by keyboard: pause and play again; sound on from the "tap to unmute".
            unmute = page.get_by_role("button", name="Muted · Tap to unmute")
            expect(unmute).to_be_visible()  # playing muted, as browsers start
            page.get_by_role("button", name="Pause").focus()
            page.keyboard.press("Enter")
            page.wait_for_function("() => document.querySelector('#player').paused")
            expect(page.get_by_role("button", name="Play")).to_be_focused()
            page.keyboard.press("k")
            page.wait_for_function("() => !document.querySelector('#player').paused")
            unmute.click()
            expect(unmute).to_be_hidden()
            assert page.eval_on_selector("#player", "v => !v.muted && v.volume > 0")
            page.select_option("#quality", label="360p")
            page.wait_for_function(
                "n => performance.getEntriesByType('resource').some(e => e.name.includes(n))",
                arg=f"{stream.pk}_360p",
                timeout=10_000,
            )
        finally:
            browser.close()
    assert not any("m3u8" in u and not u.startswith(live_server.url) for u in requested)


def test_a_viewer_buys_access_to_a_premium_recording_and_it_plays(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    stream = StreamFactory(ended=True, is_premium=True, price_coins=20, title="Paid lesson")
    recording = Recording.objects.create(
        stream=stream, status=Recording.Status.READY, source_path="/nowhere/paid.flv", duration_seconds=2
    )
    recording.file.save("paid.mp4", ContentFile(mp4(tmp_path / "paid.mp4")))
    rich, poor = UserFactory(), UserFactory()
    coins_grant(user=rich, coins=30, reason="test")
    coins_grant(user=poor, coins=5, reason="test")
    cookies = {user: session_cookie(user, live_server.url) for user in (rich, poor)}
    url = f"{live_server.url}/streams/{stream.pk}/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            broke = browser.new_context()
            broke.add_cookies([cookies[poor]])
            page = broke.new_page()
            page.goto(url)
            page.get_by_role("button", name="Buy access · 20 coins").click()
            expect(page.locator(".access-status")).to_have_text("You do not have enough coins.")
            assert page.locator("#replay").count() == 0
            expect(page.get_by_role("button", name="Buy access · 20 coins")).to_be_enabled()

            page = browser.new_context().new_page()
            page.context.add_cookies([cookies[rich]])
            page.goto(url)
            assert page.locator("#replay").count() == 0
            page.get_by_role("button", name="Buy access · 20 coins").click()
            assert metadata(page, "#replay")["duration"] > 1  # the page reloaded with the recording
            expect(page.locator("#premium-access")).to_have_count(0)
        finally:
            browser.close()
