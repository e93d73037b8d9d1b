"""WebRTC playback end to end with the real stack: the project's nginx-rtmp and Janus (manage.py mediaserver and
webrtcedge) on free ports sharing one media root, ffmpeg publishing over RTMP, Django's hooks and signalling
served by the live server, and Debian's chromium playing the watch page.

- The ladder's RTP copy reaches the stream's mountpoint; Chromium plays it over WebRTC (decoded frames), the
  page says data-playback-path="webrtc", and Janus counts the viewer; the creator's studio previews it over
  WebRTC too; a viewer without access to a premium stream gets no grant and no media; the encoder leaves, the
  stream ends, and the mountpoint is gone.
- With Janus stopped the same page falls back to HLS by itself and plays.
- Rewind in real time: a viewer on WebRTC seeks a minute back in a `normal` stream, the page plays HLS from there,
  and "Go live" returns to WebRTC; paused in real time, play resumes where the viewer paused, over HLS.

On ICE here: Janus offers host candidates of the machine's interfaces (libnice skips loopback), Chromium
answers from the same host; both ends are on this machine, so ICE connects without STUN or flags.
"""

import copy
import re
from pathlib import Path

import pytest
import requests

from livestream.celery import app as celery_app
from streams.media import janus
from streams.models import Recording, Stream, WebRTCMount
from streams.tests.browser import ARGS, CHROMIUM, log_in
from streams.tests.factories import StreamFactory
from streams.tests.processes import JanusEdge, janus_environment, media_server, media_server_environment, wait_until
from streams.tests.processes import publish as encoder
from streams.tests.test_dvr_browser import (
    BACK_S,
    LIVE_S,
    WINDOW_S,
    behind_live,
    playlist_seconds,
    presented_media_times,
)
from streams.tests.test_pages_accessible_browser import AXE_RUN, axe_core

pytestmark = [pytest.mark.needs_chromium, pytest.mark.needs_media, pytest.mark.timeout(240)]

HLS_LAG_S = 8  # how far HLS's live position sits behind real time in `normal` mode (webrtc.js, HLS_BEHIND_REALTIME_S)
FRAMES_OVER = "n => document.querySelector('#player').getVideoPlaybackQuality().totalVideoFrames > n"


@pytest.fixture(scope="module")
def stack(live_server, tmp_path_factory):
    """nginx-rtmp (hooks on the live server) and Janus, one media root: the ladder reads the mounts' ports there."""
    if janus.missing_tools():
        pytest.skip("needs Debian's janus")
    root = tmp_path_factory.mktemp("webrtc-stack")
    environment = {**media_server_environment(root, f"{live_server.url}/media-hooks"), **janus_environment(root)}
    edge = JanusEdge(environment).start()
    try:
        with media_server(environment):
            yield environment, edge
    finally:
        edge.stop()


@pytest.fixture
def media(stack, settings):
    environment, edge = stack
    for name, value in environment.items():
        setattr(settings, name, int(value) if name.endswith("_PORT") else value)
    settings.MEDIA_SERVER_ROOT = Path(environment["MEDIA_SERVER_ROOT"])
    settings.JANUS_SECRETS_FILE = Path(environment["JANUS_SECRETS_FILE"])
    settings.WEBRTC_ENABLED = True
    # A call slower than this marks Janus down (no webrtc_url for 30 s): on a machine this loaded, give it room.
    settings.JANUS_TIMEOUT = 5
    # The page may load this nginx's playlists (the CSP is read per request; the settings' one names the default).
    hls_origin = environment["HLS_BASE_URL"].rsplit("/", 1)[0]
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    for directive in ("connect-src", "media-src"):
        policy["DIRECTIVES"][directive].append(hls_origin)
    settings.CONTENT_SECURITY_POLICY = policy
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker: the encoder's goodbye ends the stream, the mount goes
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    if not edge.answers():
        edge.start()
    yield environment, edge
    celery_app.conf.task_always_eager = eager


def going_live(environment, key: str, **options):
    """An encoder publishing (for a minute unless ``options`` say otherwise), and the stream's mount once Janus has
    it."""
    options = {"seconds": 60, "gop": 30, "size": "426x240", **options}
    process = encoder(environment["RTMP_INGEST_URL"], key, **options)
    mount = wait_until(
        lambda: WebRTCMount.objects.exclude(created_in_janus_at=None).filter(stream__stream_key=key).first(),
        timeout=20,
        what="the stream's mountpoint",
    )
    return process, mount


def encoder_gone(process, stream) -> None:
    """Stop the encoder and wait for what its goodbye starts here (the end, the recording's processing under eager
    Celery), so the test database is not flushed under it."""
    process.terminate()
    process.wait(timeout=10)
    wait_until(
        lambda: Recording.objects.filter(
            stream=stream, status__in=[Recording.Status.READY, Recording.Status.FAILED]
        ).exists(),
        timeout=90,
        what="the recording processed",
        interval=0.5,
    )


def rtp_arrives(mount) -> bool:
    """Janus has had RTP for both the video and the audio of the mountpoint lately (it reports each one's age)."""
    media = janus.mount_info(janus_id=mount.janus_id, secret=mount.secret)["media"]
    return all(item.get("age_ms") is not None and item["age_ms"] < 2000 for item in media)


# The page's peer connections, for their statistics.
KEEP_PEERS = """window.peers = []; const Peer = window.RTCPeerConnection;
window.RTCPeerConnection = function (...args) { const pc = new Peer(...args); window.peers.push(pc); return pc; };
window.RTCPeerConnection.prototype = Peer.prototype;"""
# The newest connection's audio: RTP packets received, and samples played out (libwebrtc decodes audio only as an
# audio output pulls it).
AUDIO_IN = """async () => {
  const pc = window.peers[window.peers.length - 1]; if (!pc) return null;
  let audio = null;
  (await pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      audio = {packets: s.packetsReceived, played: s.totalSamplesReceived};
    }
  });
  return audio;
}"""


def test_chromium_plays_over_webrtc_premium_needs_access_and_the_end_removes_the_mountpoint(
    media, live_server, transactional_db
):
    from playwright.sync_api import expect, sync_playwright

    environment, _ = media
    stream = StreamFactory(title="Real time")
    process, mount = going_live(environment, stream.stream_key)
    try:
        # RTP from the ladder arrives at the mountpoint (Janus reports the media's age).
        wait_until(
            lambda: all(
                m.get("age_ms") is not None
                for m in janus.mount_info(janus_id=mount.janus_id, secret=mount.secret)["media"]
            ),
            timeout=20,
            what="RTP at the mountpoint",
        )
        url = f"{live_server.url}/streams/{stream.pk}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page()
                page.add_init_script(KEEP_PEERS)
                page.goto(url)
                expect(page.locator("#player")).to_have_attribute("data-playback-path", "webrtc", timeout=10_000)
                page.wait_for_function(FRAMES_OVER, arg=10, timeout=15_000)
                assert page.eval_on_selector(
                    "#player", "v => v.srcObject instanceof MediaStream && !v.getAttribute('src')"
                )
                # Muted (autoplay): the audio arrives but is not played out, so the browser's audio output has
                # not started; one tap on "unmute" plays it, in the same picture.
                assert page.eval_on_selector("#player", "v => [v.muted, v.srcObject.getAudioTracks().length]") == [
                    True,
                    0,
                ]
                page.wait_for_function(f"({AUDIO_IN})().then((a) => a && a.packets > 50)", timeout=10_000)
                assert page.evaluate(AUDIO_IN)["played"] == 0
                page.get_by_role("button", name="Muted · Tap to unmute").click()
                page.wait_for_function(f"({AUDIO_IN})().then((a) => a.played > 24000)", timeout=10_000)  # 0.5 s
                assert page.eval_on_selector(
                    "#player",
                    "v => [v.muted, v.srcObject.getAudioTracks().length, v.srcObject.getVideoTracks().length]",
                ) == [False, 1, 1]
                assert page.eval_on_selector("#quality", "m => m.value") == "webrtc"
                assert page.eval_on_selector("#quality option", "o => o.textContent") == "Real-time"
                wait_until(
                    lambda: janus.mount_info(janus_id=mount.janus_id, secret=mount.secret)["viewers"] == 1,
                    timeout=10,
                    what="Janus counting the viewer",
                )
                # The viewer picks HLS in the quality menu, then Real-time again.
                page.select_option("#quality", label="Auto")
                expect(page.locator("#player")).to_have_attribute("data-playback-path", "hls")
                page.wait_for_function("() => document.querySelector('#player').currentSrc.startsWith('blob:')")
                wait_until(
                    lambda: janus.mount_info(janus_id=mount.janus_id, secret=mount.secret)["viewers"] == 0,
                    timeout=10,
                    what="the WebRTC session hung up on switching",
                )
                page.select_option("#quality", label="Real-time")
                expect(page.locator("#player")).to_have_attribute("data-playback-path", "webrtc")
                page.wait_for_function("() => document.querySelector('#player').srcObject !== null")
                page.wait_for_function(FRAMES_OVER, arg=10, timeout=15_000)
                page.goto(f"{live_server.url}/")  # leaving: the page hangs up (sendBeacon on pagehide)
                wait_until(
                    lambda: janus.mount_info(janus_id=mount.janus_id, secret=mount.secret)["viewers"] == 0,
                    timeout=10,
                    what="the viewer's session gone",
                )
                # ?playback=hls: HLS only, no Real-time to pick.
                page.goto(f"{url}?playback=hls")
                expect(page.locator("#player")).to_have_attribute("data-playback-path", "hls")
                page.wait_for_function("() => document.querySelector('#player').currentSrc.startsWith('blob:')")
                assert page.locator("#quality option[value=webrtc]").count() == 0
                # The creator's studio previews the broadcast in real time too (and never loads hls.js for it).
                studio = browser.new_context().new_page()
                hls_js = []
                studio.on("request", lambda request: hls_js.append(request.url) if "hls" in request.url else None)
                log_in(studio, live_server.url.split("//")[1], stream.creator, f"/studio/streams/{stream.pk}/")
                expect(studio.locator("#player")).to_have_attribute("data-playback-path", "webrtc", timeout=10_000)
                studio.wait_for_function(FRAMES_OVER, arg=10, timeout=15_000)
                assert not [url for url in hls_js if url.endswith(".js")], hls_js

            finally:
                browser.close()
        # Made premium: a viewer without access gets no grant, and the page plays nothing. (The ORM outside
        # Playwright's loop.)
        Stream.objects.filter(pk=stream.pk).update(is_premium=True, price_coins=10)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                stranger = browser.new_page()
                stranger.goto(url)
                assert stranger.locator("#player").count() == 0  # the page offers access instead
                refused = stranger.evaluate(
                    "u => fetch(u, {method: 'POST'}).then(r => r.json().then(b => [r.status, b.code]))",
                    f"/api/v1/streams/{stream.pk}/webrtc",
                )
                assert refused == [403, "premium_required"]
            finally:
                browser.close()
    finally:
        encoder_gone(process, stream)
    # The encoder left: the stream ends, its mountpoint is destroyed and its ports are free.
    wait_until(lambda: Stream.objects.get(pk=stream.pk).status == Stream.Status.ENDED, timeout=20, what="the end")
    wait_until(lambda: mount.janus_id not in janus.mount_ids(), timeout=10, what="the mountpoint gone")
    assert not WebRTCMount.objects.filter(stream=stream).exists()


def test_with_janus_stopped_the_page_falls_back_to_hls(media, live_server, transactional_db):
    from playwright.sync_api import expect, sync_playwright

    environment, edge = media
    stream = StreamFactory(title="Fallback")
    process, _mount = going_live(environment, stream.stream_key)
    try:
        hls_url = f"{environment['HLS_BASE_URL']}/normal/{stream.pk}.m3u8"
        wait_until(lambda: requests.get(hls_url, timeout=2).status_code == 200, timeout=30, what="the playlist")
        edge.stop()  # the page still gets a webrtc_url (nothing noticed yet): signalling fails, HLS plays
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page()
                page.goto(f"{live_server.url}/streams/{stream.pk}/")
                expect(page.locator("#player")).to_have_attribute("data-playback-path", "hls", timeout=15_000)
                page.wait_for_function(FRAMES_OVER, arg=0, timeout=30_000)
                assert page.eval_on_selector("#player", "v => v.currentSrc.startsWith('blob:')")  # hls.js plays
                # Janus marked down: the stream body now offers no webrtc_url, and ?playback=hls needs none.
                body = page.evaluate(f"fetch('/api/v1/streams/{stream.pk}').then(r => r.json())")
                assert body["webrtc_url"] is None and body["hls_url"]
            finally:
                browser.close()
    finally:
        encoder_gone(process, stream)


def test_no_picture_within_four_seconds_falls_back_to_hls(media, live_server, transactional_db):
    """A mountpoint Janus has but no RTP reaches (a stream published while WebRTC was off, a stuck ladder): ICE
    connects, no frame comes, and the page goes to HLS by itself."""
    from playwright.sync_api import expect, sync_playwright

    from streams.services.media.webrtc import webrtc_mount_close, webrtc_mount_open

    stream = StreamFactory(live=True, media_app="hls_normal", publisher_client_id="9", title="Silent")
    webrtc_mount_open(stream_id=stream.pk)  # no encoder: nothing is sent to it
    url = f"{live_server.url}/streams/{stream.pk}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            logged = []
            page.on("console", lambda message: logged.append(message.text))
            page.goto(url)
            expect(page.locator("#player")).to_have_attribute("data-playback-path", "webrtc")
            expect(page.locator("#player")).to_have_attribute("data-playback-path", "hls", timeout=15_000)
            assert any("no picture within 4000 ms" in line for line in logged), logged
            expect(page.locator("#player-state")).to_have_text("Waiting for the broadcast to start…")
        finally:
            browser.close()
    # The stream never ends here: its mountpoint would outlive the flushed row in Janus and hold its ingest ports
    # (the next test's stream gets the same slot).
    assert webrtc_mount_close(stream_id=stream.pk)


@pytest.mark.timeout(360)
def test_a_viewer_in_real_time_rewinds_a_minute_over_hls_and_goes_live_in_real_time_again(
    media, live_server, transactional_db
):
    """The minute of broadcast the rewind needs is waited for once, with the page playing in real time meanwhile:
    the seek bar shows there (its window counted from the stream's start), and axe checks the page."""
    from playwright.sync_api import expect, sync_playwright

    environment, _ = media
    stream = StreamFactory(title="Rewind in real time", latency_mode=Stream.Latency.NORMAL)
    # As test_dvr_browser's encoder: a small picture, a keyframe every 2 s (the `normal` fragment).
    process, mount = going_live(environment, stream.stream_key, seconds=240, gop=48, size="426x240", rate=24)
    rendition = f"{environment['HLS_BASE_URL']}/normal/{stream.pk}_360p.m3u8"

    def viewers() -> int:
        return janus.mount_info(janus_id=mount.janus_id, secret=mount.secret)["viewers"]

    try:
        # RTP at the mountpoint before the page opens: else no picture within 4 s, and the page goes to HLS.
        wait_until(lambda: rtp_arrives(mount), timeout=30, what="RTP at the mountpoint")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_context(bypass_csp=True).new_page()  # bypass_csp: axe's script
                player = page.locator("#player")
                page.goto(f"{live_server.url}/streams/{stream.pk}/")
                expect(player).to_have_attribute("data-playback-path", "webrtc", timeout=15_000)
                page.wait_for_function(FRAMES_OVER, arg=10, timeout=20_000)
                assert (
                    page.eval_on_selector("#player", "v => v.dataset.playbackPath + ' ' + !!v.srcObject")
                    == "webrtc true"
                )
                # In real time the bar shows once there is something to rewind; live, nothing of hls.js loaded.
                seek = page.get_by_role("slider", name="Position in the live broadcast")
                expect(seek).to_be_visible(timeout=60_000)
                expect(seek).to_have_attribute("aria-valuetext", "Live")
                expect(page.locator(".dvr-badge")).to_be_disabled()
                expect(page.locator(".dvr-go-live")).to_be_hidden()
                assert page.evaluate("typeof Hls") == "undefined"
                page.add_script_tag(path=str(axe_core()))
                assert page.evaluate(AXE_RUN) == []

                # The minute and more in HLS's window, and in the bar's (counted from the stream's start).
                wait_until(lambda: playlist_seconds(rendition) >= WINDOW_S, timeout=150, what="the window", interval=1)
                page.wait_for_function(
                    "n => -parseInt(document.querySelector('#dvr-seek').min, 10) >= n", arg=BACK_S + 2, timeout=30_000
                )
                assert page.evaluate("document.querySelector('#dvr-seek').value") == "0"  # live: the slider's value

                # A minute back with the arrow keys: the page hangs up and plays HLS from there.
                seek.focus()
                for _ in range(BACK_S // 10):
                    page.keyboard.press("ArrowLeft")  # 10 s a press
                expect(player).to_have_attribute("data-playback-path", "hls")
                page.wait_for_function(
                    "() => { const v = document.querySelector('#player');"
                    " return v.currentSrc.startsWith('blob:') && !v.paused && !v.seeking && v.currentTime > 0; }",
                    timeout=30_000,
                )
                wait_until(lambda: viewers() == 0, timeout=10, what="the WebRTC session hung up on rewinding")
                assert page.evaluate("typeof Hls") == "function"  # hls.js fetched only now
                # A minute behind the real-time picture, which the bar counts from on HLS too.
                text = page.locator(".dvr-behind")
                expect(text).to_have_text(re.compile(r"^−(0:5[6-9]|1:0[0-4])$"))
                expect(seek).to_have_attribute(
                    "aria-valuetext", re.compile(r"^(5[6-9] seconds|1 minute( [1-4] seconds?)?) behind live$")
                )
                assert BACK_S - 4 <= behind_live(page) <= BACK_S + 4
                # hls.js's own clock agrees: HLS_LAG_S less behind its own live position (the page asked HLS for that
                # much less: a viewer sees again only what they had not seen; 3 fragments, 6 s, between its live
                # position and the newest), and frames are presented from there on.
                from_end = page.eval_on_selector(
                    "#player", "v => v.seekable.end(v.seekable.length - 1) - v.currentTime"
                )
                assert BACK_S - HLS_LAG_S <= from_end <= BACK_S - HLS_LAG_S + 6 + 8, from_end
                presented = presented_media_times(page)
                assert presented[-1] > presented[0] + 0.5, presented
                expect(page.get_by_role("button", name="Go live")).to_have_count(2)  # the badge and the bar's button
                assert page.eval_on_selector("#quality", "m => m.value") == "-1"  # Auto (HLS), Real-time still offered
                assert page.locator("#quality option[value=webrtc]").count() == 1
                assert page.evaluate(AXE_RUN) == []

                # "Go live": real time again.
                page.locator(".dvr-go-live").click()
                expect(player).to_have_attribute("data-playback-path", "webrtc")
                page.wait_for_function("() => document.querySelector('#player').srcObject instanceof MediaStream")
                page.wait_for_function(FRAMES_OVER, arg=10, timeout=20_000)
                expect(seek).to_have_attribute("aria-valuetext", "Live")
                expect(text).to_be_hidden()
                expect(page.locator(".dvr-badge")).to_be_disabled()
                assert page.eval_on_selector("#quality", "m => m.value") == "webrtc"
                wait_until(lambda: viewers() == 1, timeout=10, what="Janus counting the viewer again")

                # Paused in real time, the viewer falls behind; play resumes there, over HLS.
                page.get_by_role("button", name="Pause").click()
                page.wait_for_timeout(12_000)
                expect(text).to_be_visible()
                page.get_by_role("button", name="Play").click()
                expect(player).to_have_attribute("data-playback-path", "hls")
                page.wait_for_function(
                    "() => { const v = document.querySelector('#player');"
                    " return v.currentSrc.startsWith('blob:') && !v.paused && !v.seeking && v.currentTime > 0; }",
                    timeout=30_000,
                )
                # Twelve seconds behind real time (HLS asked for HLS_LAG_S less), as the bar says.
                # (The bar follows HLS's clock at its next tick once HLS plays.)
                page.wait_for_function(
                    "([low, high]) => { const b = -parseInt(document.querySelector('#dvr-seek').value, 10);"
                    " return low <= b && b <= high; }",
                    arg=[12 - 2, 12 + 3],
                    timeout=10_000,
                )
                # End (the key for live) on the bar: real time again.
                seek.focus()
                page.keyboard.press("End")
                expect(player).to_have_attribute("data-playback-path", "webrtc")
                assert behind_live(page) < LIVE_S
            finally:
                browser.close()
    finally:
        encoder_gone(process, stream)
