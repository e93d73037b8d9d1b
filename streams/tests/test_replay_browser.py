"""An ended stream's replay in a real browser (Debian's chromium): a real MP4 plays and its chat and gifts appear
as the video reaches the moment they were sent; a seek starts the chat over from the new position; the page's
dates are in the viewer's time zone, and a phone gets no sideways scroll."""

import re
from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.models import ChatMessage, Emote
from chat.services import chat_message_delete, emotes_changed
from gifts.models import SentGift
from gifts.services import gift_send
from gifts.tests.factories import GiftFactory
from streams.models import Stream
from streams.tests.factories import StreamFactory, recording_opened_at
from streams.tests.test_player_browser import ARGS, CHROMIUM, ffmpeg, two_seconds_of_h264
from wallet.services import coins_grant

pytestmark = [pytest.mark.needs_chromium, pytest.mark.needs_media]

LIST = "#replay-chat .chat-messages"


def recorded_stream(tmp_path) -> Stream:
    """A stream that went live at a whole second, had a chat line at 1 s (deleted), one at 2 s, its verified
    creator's with an emote at 2.5 s and a gift at 3 s, ended, and was recorded as an 8 s MP4 named as nginx-rtmp
    names it."""
    opened = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    stream = StreamFactory(live=True, started_at=opened, title="Talking drum basics")
    fan = UserFactory(display_name="Tunde", is_verified=True)
    coins_grant(user=fan, coins=100, reason="test")

    def at(model, pk, seconds):
        model.objects.filter(pk=pk).update(created_at=opened + timedelta(seconds=seconds))

    gone = ChatMessage.objects.create(stream=stream, user=fan, content="Deleted line")
    at(ChatMessage, gone.pk, 1)
    chat_message_delete(stream=stream, message_id=gone.pk, actor=stream.creator)
    at(ChatMessage, ChatMessage.objects.create(stream=stream, user=fan, content="Hello at two").pk, 2)
    User.objects.filter(pk=stream.creator.pk).update(is_verified=True, display_name="Ada")
    out = BytesIO()
    Image.new("RGB", (112, 112), "#008751").save(out, format="WEBP")
    Emote(code="naija").image.save("naija.webp", ContentFile(out.getvalue()), save=True)
    emotes_changed()
    welcome = ChatMessage.objects.create(stream=stream, user=stream.creator, content="Welcome :naija: @Tunde")
    at(ChatMessage, welcome.pk, 2.5)
    sent = gift_send(stream_id=stream.pk, sender=fan, gift_id=GiftFactory(name="Talking drum").pk, quantity=2)
    at(SentGift, sent.pk, 3)
    Stream.objects.filter(pk=stream.pk).update(status=Stream.Status.ENDED, ended_at=opened + timedelta(seconds=8))
    stream.refresh_from_db()

    recording = recording_opened_at(stream, opened, duration=8)
    video = tmp_path / "replay.mp4"
    ffmpeg(*two_seconds_of_h264(), "-t", "8", "-g", "10", "-movflags", "+faststart", str(video))
    recording.file.save("replay.mp4", ContentFile(video.read_bytes()))
    StreamFactory(creator=stream.creator, title="Next week's lesson", scheduled_start_time=opened + timedelta(days=9))
    return stream


def chat_text(page) -> str:
    return page.eval_on_selector(LIST, "list => list.textContent")


def test_the_replay_shows_chat_and_gifts_in_step_with_the_video_and_a_seek_starts_over(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    stream = recorded_stream(tmp_path)
    url = f"{live_server.url}/streams/{stream.pk}/"  # the ORM before Playwright's loop starts in this thread
    new_york = stream.started_at.astimezone(ZoneInfo("America/New_York"))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*ARGS, "--autoplay-policy=no-user-gesture-required"]
        )
        try:
            page = browser.new_page(timezone_id="America/New_York")
            page.goto(url)
            expect(page.get_by_role("heading", name="Chat replay")).to_be_visible()
            expect(page.get_by_role("heading", name="More from")).to_be_visible()
            expect(page.get_by_role("link", name="Next week's lesson")).to_be_visible()
            when = page.locator(".broadcast time").first
            expect(when).to_contain_text(f"{new_york.hour % 12 or 12}:{new_york.minute:02d}")  # the viewer's zone
            page.wait_for_function("() => document.querySelector('#replay').readyState >= 1", timeout=15_000)
            page.wait_for_timeout(300)  # the first window has been read; nothing is due at 0 s
            assert chat_text(page) == ""

            page.eval_on_selector("#replay", "v => v.play()")
            page.wait_for_function(
                "s => document.querySelector(s).textContent.includes('Hello at two')", arg=LIST, timeout=10_000
            )
            shown_at = page.eval_on_selector("#replay", "v => v.currentTime")
            assert 1.95 <= shown_at < 3.5, shown_at  # in step: not before its moment, and soon after it
            expect(page.locator(LIST)).to_contain_text("Tunde ✔(verified) sent 2× Talking drum", timeout=5_000)
            # Drawn as the live chat draws it: the creator's badge, the verified mark, the emote as its image.
            welcome = page.locator(f"{LIST} li", has_text="Welcome")
            expect(welcome.locator(".chat-badge.creator")).to_have_text("Creator")
            expect(welcome.locator(".verified .visually-hidden")).to_have_text("(verified)")
            expect(welcome.locator("img.emote")).to_have_attribute("alt", ":naija:")
            expect(welcome.locator("img.emote")).to_have_attribute("src", re.compile(r"^/media/emotes/naija/.+\.webp$"))
            expect(welcome.locator(".mention")).to_have_text("@Tunde")
            fan_line = page.locator(f"{LIST} li", has_text="Hello at two")
            expect(fan_line.locator(".chat-badge")).to_have_count(0)
            expect(fan_line.locator(".verified .visually-hidden")).to_have_text("(verified)")
            assert "Deleted line" not in chat_text(page)

            page.eval_on_selector("#replay", "v => v.pause()")
            paused = chat_text(page)
            page.wait_for_timeout(600)
            assert chat_text(page) == paused  # pausing pauses the chat

            page.eval_on_selector("#replay", "v => { v.currentTime = 0.5; }")  # back before the message
            expect(page.locator(f"{LIST} li")).to_have_count(0)
            page.wait_for_timeout(500)
            assert "Hello at two" not in chat_text(page)

            page.eval_on_selector("#replay", "v => { v.currentTime = 5; }")  # past both: they are what preceded
            expect(page.locator(f"{LIST} li")).to_have_count(3)
            assert "Hello at two" in chat_text(page) and "Talking drum" in chat_text(page)

            phone = browser.new_page(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, timezone_id="Africa/Lagos"
            )
            phone.goto(url)
            expect(phone.get_by_role("heading", name="Chat replay")).to_be_visible()
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()
