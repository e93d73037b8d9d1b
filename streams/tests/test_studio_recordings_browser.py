"""The studio's recordings and verification pages in Debian's chromium, at desktop and phone size: a creator plays a
recording in place, cuts a clip on the timeline with the keyboard (the 60 s limit pulls the other handle), the clip
is made (eager Celery, real ffmpeg), a clip still processing turns ready without a reload, retention is changed,
a clip is deleted after a confirmation; a creator applies for verification, is rejected with a reason and sees it,
and the form to apply again starts from what they sent."""

import threading

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import VerificationRequest
from accounts.services import verification_decide
from accounts.tests.factories import UserFactory
from livestream.celery import app as celery_app
from streams.models import Clip, Recording
from streams.tests.browser import ARGS, CHROMIUM, SIZES, fits_the_phone, session_cookie
from streams.tests.factories import StreamFactory
from streams.tests.test_player_browser import ffmpeg

pytestmark = [pytest.mark.needs_chromium, pytest.mark.needs_media]


def in_another_thread(work) -> None:
    """Run ORM work while Playwright's loop runs in this thread (Django refuses the ORM inside a running loop)."""
    failure = []

    def run():
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - handed back to the test below
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture
def eager_celery():
    """Eager with Redis too (REDIS_URL makes Celery use the broker, and no worker runs here): the clip is cut in
    the request that asks for it."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def studio(live_server, tmp_path, eager_celery):
    creator = UserFactory(display_name="Ada Okafor")
    stream = StreamFactory(creator=creator, ended=True, title="Talking drum lesson")
    video = tmp_path / "lesson.mp4"
    ffmpeg(
        *["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-t", "70", "-c:v", "libx264", "-preset", "ultrafast"],
        *["-pix_fmt", "yuv420p", "-g", "10", "-movflags", "+faststart", str(video)],
    )
    recording = Recording.objects.create(
        stream=stream,
        status=Recording.Status.READY,
        source_path=f"/srv/recordings/live_normal.{stream.pk}-1.flv",
        duration_seconds=70.0,
        size_bytes=video.stat().st_size,
        ready_at=timezone.now(),
    )
    recording.file.save("recording.mp4", ContentFile(video.read_bytes()))
    pending = Clip.objects.create(
        stream=stream,
        recording=recording,
        created_by=creator,
        title="Opening rhythm",
        start_seconds=0,
        duration_seconds=5,
    )
    return {
        "creator": creator,
        "recording": recording,
        "pending": pending,
        "cookie": session_cookie(creator, live_server.url.removeprefix("http://")),
        "url": live_server.url,
    }


def test_recordings_play_cut_a_clip_on_the_timeline_follow_progress_retention_and_delete(studio):
    from playwright.sync_api import expect, sync_playwright

    url, recording, pending = studio["url"], studio["recording"], studio["pending"]

    def pending_is_ready():
        Clip.objects.filter(pk=pending.pk).update(status=Clip.Status.READY)
        Clip.objects.get(pk=pending.pk).file.save("clip.mp4", ContentFile(recording.file.open("rb").read()))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(**SIZES["desktop"])
            context.add_cookies([studio["cookie"]])
            page = context.new_page()
            page.goto(f"{url}/studio/recordings/")
            expect(page.get_by_role("heading", level=1)).to_have_text("Recordings and clips")
            expect(page.get_by_role("link", name="Recordings")).to_have_attribute("aria-current", "page")
            row = page.locator(f"#recording-{recording.pk}")
            expect(row).to_contain_text("Ready")
            expect(row).to_contain_text("1:10")
            expect(row).to_contain_text("Deleted on")

            # A clip still processing turns ready while the page is open, and the status line says so.
            clip_row = page.locator(f"#clip-{pending.pk}")
            expect(clip_row).to_contain_text("Processing…")
            in_another_thread(pending_is_ready)
            expect(page.locator(f"#clip-{pending.pk}")).to_contain_text("Ready", timeout=15_000)
            expect(page.locator("#media-progress")).to_have_text("Opening rhythm is ready.")

            # Play in place.
            row.get_by_text("Play", exact=False).first.click()
            player = row.locator("video")
            expect(player).to_be_visible()
            player.evaluate("v => { v.muted = true; return v.play(); }")  # preload="none": nothing loads before
            page.wait_for_function("v => v.currentTime > 0.2", arg=player.element_handle(), timeout=15_000)
            player.evaluate("v => v.pause()")

            # Cut a clip: the end handle to the end pulls the start to 60 s before it.
            row.get_by_role("link", name="Cut a clip").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Recording of Talking drum lesson")
            page.wait_for_function("() => document.getElementById('clip-source').readyState >= 1", timeout=15_000)
            end = page.get_by_label("Clip end")
            start = page.get_by_label("Clip start")
            expect(end).to_be_visible()
            end.focus()
            page.keyboard.press("End")
            expect(page.get_by_label("Start (seconds)")).to_have_value("10")
            expect(page.get_by_label("Length (seconds)")).to_have_value("60")
            expect(page.locator(".clip-summary")).to_have_text("Clip: 0:10 to 1:10 (60 s)")
            start.focus()
            for _ in range(5):
                page.keyboard.press("ArrowRight")
            expect(page.get_by_label("Start (seconds)")).to_have_value("10.5")
            expect(page.get_by_label("Length (seconds)")).to_have_value("59.5")
            page.get_by_label("Title").fill("Drum solo")
            page.get_by_role("button", name="Make the clip").click()
            expect(page.locator(".messages")).to_contain_text("Drum solo")
            made = page.locator(".media-item", has_text="Drum solo")
            expect(made).to_contain_text("Ready")  # eager Celery cut it with ffmpeg before the redirect
            expect(made).to_contain_text("at 0:10")

            # Retention for the channel.
            page.get_by_label("Keep recordings for (days)").fill("30")
            page.get_by_role("button", name="Save").click()
            expect(page.locator(".messages")).to_have_text("Recordings are kept 30 days.")

            # Delete a clip: asked first.
            made.get_by_role("link", name="Delete").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Delete the clip “Drum solo”?")
            page.get_by_role("button", name="Delete").click()
            expect(page.locator(".messages")).to_contain_text("was deleted")
            expect(page.locator(".media-item", has_text="Drum solo")).to_have_count(0)
            context.close()

            phone = browser.new_context(**SIZES["phone"])
            phone.add_cookies([studio["cookie"]])
            page = phone.new_page()
            page.goto(f"{url}/studio/recordings/")
            expect(page.get_by_role("heading", name="Recordings", exact=True)).to_be_visible()
            fits_the_phone(page)
            page.goto(f"{url}/studio/recordings/{recording.pk}/")
            expect(page.get_by_label("Clip start")).to_be_visible()
            assert page.get_by_role("button", name="Start here").bounding_box()["height"] >= 44
            fits_the_phone(page)
            phone.close()
        finally:
            browser.close()


def test_verification_apply_rejected_with_a_reason_and_apply_again(live_server):
    from playwright.sync_api import expect, sync_playwright

    creator = UserFactory(display_name="Ada Okafor")
    staff = UserFactory(is_staff=True)
    cookie = session_cookie(creator, live_server.url.removeprefix("http://"))

    def reject():
        request = VerificationRequest.objects.get(applicant=creator)
        verification_decide(request_id=request.pk, decided_by=staff, approve=False, rejection_reason="Add a link.")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for size in ("phone", "desktop"):
                context = browser.new_context(**SIZES[size])
                context.add_cookies([cookie])
                page = context.new_page()
                page.goto(f"{live_server.url}/studio/verification/")
                expect(page.get_by_role("link", name="Verification")).to_have_attribute("aria-current", "page")
                if size == "phone":
                    expect(page.get_by_role("heading", name="Apply for the badge")).to_be_visible()
                    page.get_by_label("Full name").fill("Adaeze Okafor")
                    page.get_by_label("Who you are").fill("I teach the talking drum.")
                    page.get_by_label("Links").fill("https://example.com/ada")
                    page.get_by_label("Why you ask for the badge").fill("Impostors copy my lessons.")
                    page.get_by_role("button", name="Send my request").click()
                    expect(page.locator(".messages")).to_contain_text("Your request was sent")
                    expect(page.get_by_text("Under review.")).to_be_visible()
                    expect(page.get_by_role("link", name="https://example.com/ada")).to_be_visible()
                    fits_the_phone(page)
                    in_another_thread(reject)
                else:
                    expect(page.get_by_text("Not approved")).to_be_visible()
                    expect(page.locator(".verification-reason")).to_have_text("Add a link.")
                    expect(page.get_by_role("heading", name="Apply again")).to_be_visible()
                    expect(page.get_by_label("Full name")).to_have_value("Adaeze Okafor")
                context.close()
        finally:
            browser.close()
