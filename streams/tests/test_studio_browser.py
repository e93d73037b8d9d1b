"""A creator in the studio, in Debian's chromium at phone and desktop size: schedules a premium stream on their own
clock (London, in summer time), finds it under Scheduled at that local time, edits it, previews the 16:9 crop of a
4:3 picture, uploads it as the thumbnail with the progress shown and sees it, then deletes the stream. No page
scrolls sideways on the phone. (axe runs on these pages in test_pages_accessible_browser.py.)"""

import datetime as dt
import re
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from streams.models import CreatorProfile
from streams.tests.browser import ARGS, CHROMIUM, SIZES, fits_the_phone, session_cookie
from streams.tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.needs_chromium

GREEN, RED = (0, 135, 81), (215, 38, 61)


def four_by_three() -> bytes:
    """1600x1200: a green centre between red bands that a centre 16:9 crop (1600x900) cuts away."""
    image = Image.new("RGB", (1600, 1200), RED)
    image.paste(GREEN, (0, 150, 1600, 1050))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_creator_schedules_edits_thumbnails_and_deletes_a_stream(live_server, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.DEBUG = True  # /media/ is served by Django (nginx in production): the thumbnail must load
    education = CategoryFactory(name="Education", slug="education")
    CategoryFactory(name="Mathematics", slug="mathematics", parent=education)
    creator = UserFactory(display_name="Ada Okafor")
    CreatorProfile.objects.create(user=creator, timezone="Europe/London")
    cookie = session_cookie(creator, live_server.url.removeprefix("http://"))
    year = timezone.now().year + 1
    held = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for size in ("phone", "desktop"):  # one browser, the same creator: each run ends with the delete
                phone = size == "phone"
                context = browser.new_context(**SIZES[size])
                context.add_cookies([cookie])
                page = context.new_page()
                page.goto(live_server.url + "/studio/")
                page.get_by_role("link", name="New stream").click()

                # Create: a premium, low-latency maths class at 19:30 on the creator's (London) clock in July.
                expect(page.get_by_role("heading", name="New stream", level=1)).to_be_visible()
                page.get_by_label("Title").fill("Quadratics for WAEC")
                page.get_by_label("Category").select_option("mathematics")
                page.get_by_label("Tags").fill("#WAEC, Algebra")
                page.get_by_label("Date").fill(f"{year}-07-14")
                page.locator("#id_start_time").fill("19:30")
                expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/London")
                price = page.get_by_label("Price in coins")
                expect(price).to_be_hidden()  # asked only for a premium stream
                page.get_by_label("Premium: viewers pay once to watch").check()
                expect(price).to_be_focused()
                price.fill("25")
                page.get_by_label("Low: closest to real time").check()
                if phone:
                    fits_the_phone(page)
                page.get_by_role("button", name="Create stream").click()

                # It is under Scheduled, at 19:30 British Summer Time (18:30 UTC).
                expect(page.get_by_role("status")).to_contain_text("“Quadratics for WAEC” is ready")
                scheduled = page.locator("section[aria-labelledby=scheduled-heading]")
                item = scheduled.locator(".studio-stream", has_text="Quadratics for WAEC")
                expect(item).to_contain_text(f"Starts {dt.date(year, 7, 14):%a %-d %b %Y}, 19:30 BST")
                expect(item).to_contain_text("Premium · 25 coins")
                expect(page.get_by_text("Times are in your time zone, Europe/London")).to_be_visible()
                # 19:30 at UTC+1 is 18:30 UTC, the instant stored.
                expect(item.locator("time")).to_have_attribute("datetime", f"{year}-07-14T19:30:00+01:00")
                if phone:
                    fits_the_phone(page)

                # Edit: the form shows the local time; a new title is saved.
                item.get_by_role("link", name="Edit “Quadratics for WAEC”").click()
                expect(page.locator("#id_start_time")).to_have_value("19:30")
                expect(page.get_by_label("Tags")).to_have_value("algebra, waec")  # stored normalised
                expect(page.get_by_label("Low: closest to real time")).to_be_checked()
                page.get_by_label("Title").fill("Quadratics for WAEC and JAMB")
                page.get_by_role("button", name="Save changes").click()
                expect(page.get_by_role("status")).to_contain_text("Your changes are saved.")
                item = page.locator(".studio-stream", has_text="Quadratics for WAEC and JAMB")
                item.get_by_role("link", name="Edit “Quadratics for WAEC and JAMB”").click()

                # Thumbnail: the preview is the centre 16:9 (the red bands of the 4:3 picture cut away, as the server
                # will), then the upload shows its progress while the server works, and the new thumbnail appears.
                page.get_by_label("Thumbnail image").set_input_files(
                    {"name": "class.png", "mimeType": "image/png", "buffer": four_by_three()}
                )
                preview = page.locator(".thumbnail-preview canvas")
                expect(preview).to_be_visible()
                top, middle = page.evaluate(
                    """() => { const c = document.querySelector('.thumbnail-preview canvas').getContext('2d');
                    const at = (x, y) => Array.from(c.getImageData(x, y, 1, 1).data);
                    return [at(320, 2), at(320, 180)]; }"""
                )
                assert top[:3] == list(GREEN) and middle[:3] == list(GREEN), (top, middle)
                held.clear()  # the upload waits there until the page has been seen uploading
                page.route("**/api/v1/streams/*/thumbnail", lambda route: held.append(route))
                upload = page.get_by_role("button", name="Upload thumbnail")
                upload.click()
                progress = page.get_by_label("Upload", exact=True)
                expect(progress).to_be_visible()
                expect(page.locator(".thumbnail-progress-text")).to_have_text("0%")
                expect(page.locator(".thumbnail-status")).to_have_text("Uploading…")
                expect(upload).to_be_disabled()
                assert len(held) == 1 and held[0].request.method == "PUT"
                held[0].continue_()
                expect(page.locator(".thumbnail-status")).to_have_text("Your thumbnail is saved.")
                expect(progress).to_have_js_property("value", 100)  # the upload's progress reached its end
                current = page.get_by_role("img", name="The stream's thumbnail now")
                expect(current).to_be_visible()
                page.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=current.element_handle())
                page.unroute("**/api/v1/streams/*/thumbnail")
                # The server's crop is the preview's: no red band at the top of what it stored.
                assert current.evaluate(
                    """img => { const c = document.createElement('canvas'); c.width = 640; c.height = 360;
                    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                    return Array.from(g.getImageData(320, 2, 1, 1).data); }"""
                )[:3] == pytest.approx(list(GREEN), abs=8)
                expect(page.get_by_role("button", name="Remove my thumbnail")).to_be_visible()
                if phone:
                    fits_the_phone(page)

                # The dashboard shows it; delete asks first, then the stream is gone.
                page.get_by_role("link", name="← Your streams").click()
                item = page.locator(".studio-stream", has_text="Quadratics for WAEC and JAMB")
                small = item.locator(".studio-thumb img")
                expect(small).to_have_attribute("src", re.compile(r"^/media/thumbnails/.+-320x180-"))
                page.wait_for_function("img => img.complete && img.naturalWidth === 320", arg=small.element_handle())
                item.get_by_role("link", name="Delete “Quadratics for WAEC and JAMB”").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("Delete “Quadratics for WAEC and JAMB”?")
                page.get_by_role("button", name="Delete the stream").click()
                expect(page.get_by_role("status")).to_contain_text("“Quadratics for WAEC and JAMB” is deleted.")
                expect(page.locator(".studio-stream", has_text="Quadratics")).to_have_count(0)
                context.close()
        finally:
            browser.close()
