"""The channel page in Debian's chromium at phone and desktop size: the weekly schedule said in the browser's own
time zone (Playwright's timezone_id), follow with notification choices and unfollow without a reload, subscribe
then cancel (with its confirmation), the brand colour as the accent, 44 px targets and no sideways scroll."""

import datetime as dt
import re
import zoneinfo
from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts.tests.factories import UserFactory
from streams.models import CreatorProfile, Follow, ScheduleSlot, Subscription
from streams.tests.browser import ARGS, CHROMIUM, SIZES, fits_the_phone, session_cookie
from streams.tests.factories import StreamFactory
from streams.tests.test_pages_player import recording_of
from wallet.services import coins_grant


def _orm(read):
    """``read()`` run off Playwright's event loop (Django refuses the ORM inside it)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(read).result()


pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

# What a finger can hit on the channel page, less links inside a sentence (WCAG 2.5.8's inline exception).
SMALL_TARGETS = """() => [...document.querySelectorAll('.channel a, .channel button, .channel input, .channel summary')]
  .filter((node) => node.getClientRects().length && getComputedStyle(node).visibility !== 'hidden')
  .filter((node) => !(node.tagName === 'A' && getComputedStyle(node).display === 'inline'
    && node.parentElement.textContent.trim() !== node.textContent.trim()))
  .filter((node) => !(node.tagName === 'INPUT' && node.type === 'checkbox'))  /* its label is the target */
  .map((node) => [node.outerHTML.slice(0, 80), node.getBoundingClientRect()])
  .filter(([, box]) => box.width < 44 || box.height < 44)
  .map(([html, box]) => html + ' ' + Math.round(box.width) + 'x' + Math.round(box.height))"""


@pytest.fixture
def channel(live_server):
    creator = UserFactory(username="ada_teaches", display_name="Ada Okafor", is_verified=True)
    profile = CreatorProfile.objects.create(
        user=creator,
        bio="Maths teacher from Enugu.",
        brand_colour="#ffcc00",  # too light for text: the page darkens it for links and buttons
        timezone="Africa/Lagos",
        subscription_price_coins=30,
        social_links={"website": "https://ada.example/"},
    )
    ScheduleSlot.objects.create(
        profile=profile, weekday=2, start_time=dt.time(18, 0), duration_minutes=90, title="Algebra"
    )
    recording_of(StreamFactory(creator=creator, ended=True, title="Fractions"))
    viewer = UserFactory(display_name="Tunde")
    coins_grant(user=viewer, coins=100, reason="test")
    return {"url": f"{live_server.url}/@ada_teaches/", "creator": creator, "viewer": viewer, "server": live_server}


def test_a_viewer_on_a_phone_follows_with_choices_subscribes_and_cancels(channel):
    from playwright.sync_api import expect, sync_playwright

    cookie = session_cookie(channel["viewer"], channel["server"].url.removeprefix("http://"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(locale="en-US", timezone_id="America/New_York", **SIZES["phone"])
            context.add_cookies([cookie])
            page = context.new_page()
            page.goto(channel["url"])
            # Wednesday 18:00-19:30 in Lagos is 12:00-13:30 (or 13:00-14:30 in summer) in New York, said so.
            slot = page.locator(".channel-slot-when")
            expect(slot).to_have_text(re.compile(r"^Wednesday, (12|01):00 PM E[SD]T–0?(1|2):30 PM$"))
            expect(page.locator("[data-local-zone]")).to_have_text("Times in your time zone (America/New York).")
            # The brand colour is the accent; its text shade is darker (AA on the page).
            assert (
                page.evaluate("getComputedStyle(document.querySelector('.channel')).getPropertyValue('--accent')")
                == "#ffcc00"
            )
            assert (
                page.evaluate("getComputedStyle(document.querySelector('.channel-follow-button')).backgroundColor")
                != "rgb(255, 204, 0)"
            )

            page.get_by_label("When they schedule a stream").uncheck()
            page.get_by_role("button", name="Follow", exact=True).click()
            expect(page.locator(".follow-status")).to_have_text(
                "You follow Ada Okafor. You will hear when they go live."
            )
            expect(page.locator("#follower-count")).to_have_text("1 follower")
            expect(page.get_by_role("button", name="Save notifications")).to_be_visible()
            follow = _orm(lambda: Follow.objects.get(follower=channel["viewer"]))
            assert (follow.notify_go_live, follow.notify_scheduled) == (True, False)
            assert page.evaluate(SMALL_TARGETS) == []
            fits_the_phone(page)

            page.get_by_role("button", name="Unfollow").click()
            expect(page.locator(".follow-status")).to_have_text("You no longer follow Ada Okafor.")
            expect(page.locator("#follower-count")).to_have_text("0 followers")
            expect(page.get_by_role("button", name="Unfollow")).to_be_hidden()
            assert not _orm(Follow.objects.exists)

            page.get_by_role("button", name="Subscribe · 30 coins a month").click()
            expect(page.locator(".messages")).to_contain_text("You subscribe to Ada Okafor: 30 coins, renews")
            expect(page.locator(".channel-subscribed")).to_contain_text("You subscribe. It renews on")
            renews = _orm(Subscription.objects.get).current_period_end.astimezone(zoneinfo.ZoneInfo("America/New_York"))
            expect(page.locator(".channel-subscribed time")).to_have_text(f"{renews:%b} {renews.day}, {renews.year}")
            expect(page.locator("#header-coins")).to_have_text("70")
            page.get_by_text("Cancel subscription").click()  # the confirmation opens
            page.get_by_role("button", name="Yes, cancel my subscription").click()
            expect(page.locator(".channel-subscribed")).to_contain_text("Cancelled: your subscription ends on")
            expect(page.get_by_role("button", name="Resume subscription")).to_be_visible()
            assert _orm(Subscription.objects.get).status == Subscription.Status.CANCELLED
            fits_the_phone(page)
        finally:
            browser.close()


def test_on_a_desktop_signed_out_the_about_column_sits_beside_the_broadcasts_in_the_viewers_zone(channel):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(locale="en-GB", timezone_id="Asia/Tokyo", **SIZES["desktop"])
            page.goto(channel["url"])
            # Wednesday 18:00 in Lagos is Thursday 02:00 in Tokyo.
            expect(page.locator(".channel-slot-when time").first).to_have_text(
                re.compile(r"^Thursday, 02:00 (GMT\+9|JST)$")
            )
            login = page.get_by_role("link", name="Log in to follow")
            assert login.get_attribute("href") == "/accounts/login/?next=/%40ada_teaches/"
            expect(page.get_by_role("link", name="Log in to subscribe")).to_be_visible()
            main = page.locator(".channel-main").bounding_box()
            side = page.locator(".channel-side").bounding_box()
            assert side["x"] > main["x"] + main["width"] - 1 and abs(side["y"] - main["y"]) < 2
            expect(page.get_by_role("heading", name="Past broadcasts")).to_be_visible()
            expect(page.get_by_role("link", name="Fractions")).to_be_visible()
            assert page.evaluate(SMALL_TARGETS) == []
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        finally:
            browser.close()
