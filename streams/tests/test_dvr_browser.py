"""Rewinding a live stream (DVR), end to end on the real media stack: ffmpeg publishes a `normal` stream to the
project's nginx-rtmp (its ladder, its 2-hour live playlists), Django serves the hooks and the watch page, and
Debian's chromium plays it with hls.js. Once the playlist holds a minute and more, a viewer arrives (at the live
edge, not the window's start) and steps 60 s back with the seek bar's arrow keys: the page says about 1:00 behind
live, the video plays from there (its clock moved back, frames are presented from that point); pausing keeps the
position; "Go live" returns to the live edge; Home and End go to the oldest and back to live.

The minute of broadcast is the test's cost (about 95 s of its own; 2.5 minutes with the first database setup on a
loaded machine): it is waited for once, and the phone layout and accessibility checks run inside that wait.
"""

import copy
import re
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from livestream.celery import app as celery_app
from streams.models import Stream
from streams.tests.browser import ARGS, CHROMIUM, SIZES, fits_the_phone
from streams.tests.factories import StreamFactory
from streams.tests.processes import media_server, media_server_environment, publish, wait_until
from streams.tests.test_pages_accessible_browser import AXE_RUN, axe_core

pytestmark = [pytest.mark.needs_media, pytest.mark.needs_chromium, pytest.mark.timeout(330)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "artifacts" / "dvr"
BACK_S = 60
# The playlist must hold the minute plus what the bar keeps clear of its ends: hls.js plays three fragments (6 s)
# behind the newest, and Home stays 10 s clear of the oldest fragment (dvr.js's OLDEST_MARGIN_S); 2 s to spare.
WINDOW_S = BACK_S + 6 + 10 + 2
# Nearer than this to hls.js's live position is "live" for the page too (dvr.js's LIVE_SLACK_S): a start or a seek
# to the live position lands a little behind it on a busy machine (the edge moves on while the video loads).
LIVE_S = 6


@pytest.fixture
def media(live_server, settings, tmp_path):
    """The project's media server on free ports, its hooks calling the live server, whose Django is set up like it
    (the page's CSP names the media server's origin); Celery inline (no worker)."""
    environment = media_server_environment(tmp_path / "mediaserver", f"{live_server.url}/media-hooks")
    (tmp_path / "mediaserver").mkdir()
    with media_server(environment):
        for name, value in environment.items():
            setattr(settings, name, int(value) if name.endswith("_PORT") else value)
        settings.MEDIA_SERVER_ROOT = Path(environment["MEDIA_SERVER_ROOT"])
        origin = environment["HLS_BASE_URL"].removesuffix("/hls")
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        for directive in ("media-src", "connect-src"):
            policy["DIRECTIVES"][directive].append(origin)
        settings.CONTENT_SECURITY_POLICY = policy
        settings.CELERY_TASK_ALWAYS_EAGER = True
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            yield environment
        finally:
            celery_app.conf.task_always_eager = eager


def playlist_seconds(url: str) -> float:
    """How much of the broadcast a live playlist lists (0 before it exists)."""
    try:
        response = requests.get(url, timeout=5)
    except requests.RequestException:
        return 0
    if response.status_code != 200:
        return 0
    return sum(float(line[8:].rstrip(",")) for line in response.text.splitlines() if line.startswith("#EXTINF:"))


def presented_media_times(page, frames: int = 24) -> list[float]:
    """The media time of each of the next ``frames`` frames the player presents (requestVideoFrameCallback)."""
    return page.eval_on_selector(
        "#player",
        """(v, wanted) => new Promise(resolve => {
            const times = [];
            const frame = (now, meta) => {
                times.push(meta.mediaTime);
                if (times.length < wanted) v.requestVideoFrameCallback(frame); else resolve(times);
            };
            v.requestVideoFrameCallback(frame);
        })""",
        frames,
    )


def behind_live(page) -> int:
    """Seconds behind live where the seek bar stands (hls.js's live position less the video's clock, rounded)."""
    return page.evaluate("() => -parseInt(document.querySelector('#dvr-seek').value, 10)")


def test_a_viewer_rewinds_a_minute_of_a_normal_stream_and_returns_to_live(media, transactional_db):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stream = StreamFactory(title="Highlife hour", latency_mode=Stream.Latency.NORMAL)
    url = f"{media['MEDIA_HOOK_BASE_URL'].removesuffix('/media-hooks')}/streams/{stream.pk}/"
    # A keyframe every 2 s, as an encoder set up by the studio's advice for `normal` (the fragment length).
    rendition = f"{media['HLS_BASE_URL']}/normal/{stream.pk}_360p.m3u8"
    encoder = publish(media["RTMP_INGEST_URL"], stream.stream_key, seconds=180, gop=48, size="426x240", rate=24)
    try:
        # (A generous bound: on a shared, loaded machine the first publish can take a while to reach the hook.)
        wait_until(
            lambda: Stream.objects.get(pk=stream.pk).status == Stream.Status.LIVE or encoder.poll() is not None,
            timeout=60,
            what="live",
        )
        assert encoder.poll() is None, encoder.stderr.read().decode(errors="replace")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                # While the window fills: a phone's layout (no sideways scroll, 44 px targets) and axe.
                phone = browser.new_context(bypass_csp=True, **SIZES["phone"]).new_page()  # bypass_csp: axe's script
                phone.goto(url)
                expect(phone.locator(".dvr-bar")).to_be_visible(timeout=40_000)
                fits_the_phone(phone)
                for target in (".dvr-seek", ".dvr-badge", '[data-action="play"]'):
                    box = phone.locator(target).bounding_box()
                    assert box["height"] >= 44 and box["width"] >= 44, (target, box)
                phone.add_script_tag(path=str(axe_core()))
                assert phone.evaluate(AXE_RUN) == []
                phone.locator(".dvr-seek").focus()  # the controls show while focus is in the player
                phone.screenshot(path=str(ARTIFACTS / "01-live-phone.png"))
                # A finger on the bar's oldest end rewinds; the phone's "Go live" returns.
                bar = phone.locator(".dvr-seek").bounding_box()
                phone.touchscreen.tap(bar["x"] + 2, bar["y"] + bar["height"] / 2)
                expect(phone.locator(".dvr-behind")).to_have_text(re.compile(r"^−\d+:\d\d$"))
                phone.get_by_role("button", name="Go live").last.tap()
                expect(phone.locator(".dvr-behind")).to_be_hidden()
                phone.context.close()

                # A minute and more in the playlist: nginx-rtmp kept every fragment since the start (not the last
                # six), and sends the playlist gzipped.
                # (Generous: on a loaded machine the ladder can fall behind real time; the encoder sends 180 s.)
                wait_until(lambda: playlist_seconds(rendition) >= WINDOW_S, timeout=170, what="the window", interval=1)
                assert requests.get(rendition, timeout=5).headers.get("Content-Encoding") == "gzip"

                # A viewer arriving now starts at the live edge, not at the window's start.
                page = browser.new_context(**SIZES["desktop"]).new_page()
                page.goto(url)
                page.wait_for_function("() => document.querySelector('#player').currentTime > 0", timeout=30_000)
                assert page.eval_on_selector("#player", "v => v.dataset.dvrSeconds") == "7200"
                seek = page.get_by_role("slider", name="Position in the live broadcast")
                expect(seek).to_be_visible()
                assert behind_live(page) < LIVE_S  # (the window's start is more than a minute back)
                badge = page.locator(".dvr-badge")
                expect(badge).to_be_disabled()  # at live: the badge is no button to press
                page.wait_for_function(
                    "n => -parseInt(document.querySelector('#dvr-seek').min, 10) >= n", arg=BACK_S + 2, timeout=10_000
                )

                before = page.eval_on_selector("#player", "v => v.currentTime")
                seek.focus()
                for _ in range(BACK_S // 10):
                    page.keyboard.press("ArrowLeft")  # 10 s a press
                page.wait_for_function("() => !document.querySelector('#player').seeking", timeout=15_000)
                landed = page.eval_on_selector("#player", "v => v.currentTime")
                assert before - landed == pytest.approx(BACK_S, abs=4), (before, landed)

                # Frames are presented from there on: the video's clock runs on from where the seek landed.
                presented = presented_media_times(page)
                assert landed - 1 <= presented[0] and presented[-1] > presented[0] + 0.5, (landed, presented)
                assert presented[-1] < before - BACK_S + 10  # still a minute back, not at live

                text = page.locator(".dvr-behind")
                expect(text).to_have_text(re.compile(r"^−(0:5\d|1:0\d)$"))
                expect(seek).to_have_attribute(
                    "aria-valuetext", re.compile(r"^(59 seconds|1 minute( \d+ seconds?)?) behind live$")
                )
                expect(page.locator("#player-box")).to_have_class(re.compile(r"\bdvr-behind-live\b"))  # the grey badge
                expect(page.get_by_role("button", name="Go live")).to_have_count(2)  # the badge and the bar's button

                page.screenshot(path=str(ARTIFACTS / "02-behind-desktop.png"))

                # Paused a few seconds, the viewer resumes where they were (further behind live, not at live).
                page.get_by_role("button", name="Pause").click()
                page.wait_for_timeout(3_000)
                page.get_by_role("button", name="Play").click()
                page.wait_for_function("() => !document.querySelector('#player').paused")
                assert behind_live(page) >= BACK_S - 2

                page.locator(".dvr-go-live").click()
                page.wait_for_function("() => !document.querySelector('#player').seeking", timeout=15_000)
                expect(text).to_be_hidden()
                expect(seek).to_have_attribute("aria-valuetext", "Live")
                expect(badge).to_be_disabled()
                assert behind_live(page) < LIVE_S
                expect(seek).to_be_focused()  # the button went away under the focus: it moves to the bar
                assert page.eval_on_selector("#player", "v => !v.paused")

                # Home: the oldest still in the window (more than the minute back); End: live again.
                page.keyboard.press("Home")
                expect(text).to_be_visible()
                assert behind_live(page) >= BACK_S
                page.keyboard.press("End")
                expect(text).to_be_hidden()
                expect(seek).to_have_attribute("aria-valuetext", "Live")
            finally:
                browser.close()
    finally:
        encoder.kill()
        encoder.wait(timeout=10)
