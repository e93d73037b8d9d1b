"""What lies over a playing live video never hides what else lies there: a gift moment (the common banner near
the picture's foot and the legendary one that fills the picture) and "Tap to unmute", at phone and desktop size,
in Debian's chromium playing a real HLS stream through the vendored hls.js."""

import json
from pathlib import Path

import pytest

from streams.tests.factories import StreamFactory
from streams.tests.test_player_browser import ARGS, CHROMIUM, HLS_JS, ffmpeg

pytestmark = [pytest.mark.needs_chromium, pytest.mark.needs_media]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def write_stream(directory: Path, stream_id: str) -> None:
    """A 30 s rendition under its master playlist, as the media server names them: playing for the whole test."""
    directory.mkdir(parents=True, exist_ok=True)
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-t", "30", "-c:v", "libx264", "-pix_fmt", "yuv420p"),
        *("-g", "10", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod"),
        *("-hls_segment_filename", str(directory / f"{stream_id}_src-%d.ts"), str(directory / f"{stream_id}_src.m3u8")),
    )
    (directory / f"{stream_id}.m3u8").write_text(f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=300000\n{stream_id}_src.m3u8\n")


def gift_event(n: int, rarity: str) -> str:
    """The room's gift event as chat.js hands it to the page's modules."""
    gift = {
        "id": f"gift-{n}",
        "sender": {"id": f"fan-{n}", "display_name": f"Generous fan {n}"},
        "gift": {"id": f"kind-{rarity}", "name": f"{rarity.title()} drum", "rarity": rarity, "animation": "float"},
        "quantity": 1,
        "combo": 1,
        "total_coins": 10,
        "is_anonymous": False,
        "message": "Well played!",
    }
    return json.dumps({"type": "gift", "gift": gift})


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and (b["y"] < a["y"] + a["height"])
    )


def test_a_gift_moment_never_covers_tap_to_unmute_on_a_phone_or_a_desktop(live_server, settings):
    from playwright.sync_api import expect, sync_playwright

    assert HLS_JS.is_file(), "hls.js is not vendored: npm ci --no-audit --no-fund && python3 scripts/vendor_frontend.py"
    settings.HLS_BASE_URL = f"{live_server.url}{settings.MEDIA_URL}hls"  # the test server plays nginx's part
    stream = StreamFactory(live=True, latency_mode="normal", title="Gifts over the picture")
    write_stream(Path(settings.MEDIA_ROOT) / "hls" / "normal", str(stream.pk))
    url = f"{live_server.url}/streams/{stream.pk}/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for name, size in SIZES.items():
                phone = name == "phone"
                page = browser.new_page(viewport=size, is_mobile=phone, has_touch=phone)
                page.goto(url)
                unmute = page.get_by_role("button", name="Muted · Tap to unmute")
                expect(unmute).to_be_visible(timeout=15_000)  # playing, muted as browsers start
                for n, rarity in enumerate(("common", "legendary")):
                    page.evaluate(
                        "detail => document.dispatchEvent(new CustomEvent('room:gift', {detail: JSON.parse(detail)}))",
                        gift_event(n, rarity),
                    )
                    moment = page.locator(f".gift-moment.rarity-{rarity}:not(.leaving)")
                    expect(moment).to_be_visible(timeout=5_000)  # the common one leaves, then the legendary shows
                    expect(unmute).to_be_visible()
                    button = unmute.bounding_box()
                    stage = page.locator("#gift-stage").bounding_box()
                    for part in (moment, moment.locator(".gift-moment-text"), moment.locator(".gift-moment-message")):
                        box = part.bounding_box()
                        assert box and box["height"] > 0, (name, rarity)
                        assert not overlaps(box, button), (name, rarity, box, button, stage)
                    player = page.locator("#player-box").bounding_box()
                    text = moment.locator(".gift-moment-text").bounding_box()
                    assert player["y"] <= text["y"] and text["y"] + text["height"] <= player["y"] + player["height"]
                unmute.click()  # sound on: the button goes, and the stage has the whole picture again
                expect(unmute).to_be_hidden()
                stage = page.locator("#gift-stage").bounding_box()
                player = page.locator("#player-box").bounding_box()
                assert abs(stage["y"] + stage["height"] - (player["y"] + player["height"])) < 1
                page.close()
        finally:
            browser.close()
