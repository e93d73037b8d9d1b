"""A creator in Debian's chromium runs their channel's moderation from the studio, at phone and desktop size, with
no script needed: chat settings, a moderator (and a clear error for a name nobody has), a timeout lifted, a blocked
term added and removed. Nothing scrolls sideways on the phone, and every control is a 44 px touch target."""

import pytest

from accounts.tests.factories import UserFactory
from chat.models import ChannelChatSettings, ChatBan, ChatModerator
from chat.selectors import chat_settings_of
from streams.models import Stream
from streams.tests.browser import ARGS, CHROMIUM, SIZES, fits_the_phone, session_cookie
from streams.tests.factories import StreamFactory

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

# Every button, link, input and select of the page's main column smaller than 44x44 CSS px (checkboxes apart:
# their label, 44 px tall, is the target).
CONTROLS = ".studio-main button, .studio-main input:not([type=hidden]), .studio-main select, .studio-nav a"
SMALL_TARGETS = """() => [...document.querySelectorAll('CONTROLS')]
  .filter(el => el.type !== 'checkbox')
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.height < 44 || box.width < 44)
  .map(([el, box]) => `${el.tagName} ${el.name || el.textContent.trim()} ${box.width}x${box.height}`)""".replace(
    "CONTROLS", CONTROLS
)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_creator_moderates_their_channel_from_the_studio(live_server, size):
    from playwright.sync_api import expect, sync_playwright

    creator = UserFactory(username=f"ada_{size}", display_name="Ada Okafor")
    bola, tunde = UserFactory(username=f"bola_{size}"), UserFactory(username=f"tunde_{size}")
    live = StreamFactory(creator=creator, live=True, title="Algebra live")
    cookie = session_cookie(creator, live_server.url.removeprefix("http://"))  # the ORM before Playwright's loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(java_script_enabled=False, **SIZES[size])  # the forms need no script
            context.add_cookies([cookie])
            page = context.new_page()
            page.goto(f"{live_server.url}/studio/")
            page.get_by_role("navigation", name="Studio").get_by_role("link", name="Moderation").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Moderation")
            expect(page.get_by_role("link", name="Moderation")).to_have_attribute("aria-current", "page")
            if size == "phone":
                fits_the_phone(page)
            assert page.evaluate(SMALL_TARGETS) == []

            # Chat settings, applied to the live stream as well.
            page.get_by_label("Slow mode (seconds)").fill("20")
            page.get_by_label("Followers-only chat").check()
            page.get_by_label("Also apply to my scheduled and live streams").check()
            page.get_by_role("button", name="Save chat settings").click()
            expect(page.get_by_role("status")).to_contain_text("Your scheduled and live streams use them now.")
            expect(page.get_by_label("Slow mode (seconds)")).to_have_value("20")
            expect(page.get_by_label("Followers-only chat")).to_be_checked()

            # A moderator: a name nobody has is a clear error on the field, then the right one.
            page.get_by_label("Username").first.fill("nobody_here")
            page.get_by_role("button", name="Add moderator").click()
            expect(page.get_by_role("alert")).to_contain_text("Nobody is called “nobody_here”")
            page.get_by_label("Username").first.fill(bola.username)
            page.get_by_role("button", name="Add moderator").click()
            expect(page.get_by_role("status")).to_contain_text(f"{bola.username} now moderates all your streams.")
            moderators = page.get_by_role("region", name="Moderators")
            expect(moderators.get_by_role("listitem")).to_contain_text(f"@{bola.username}")

            # A timeout, listed with its reason, then lifted.
            bans = page.get_by_role("region", name="Bans and timeouts")
            bans.get_by_label("Username").fill(tunde.username)
            bans.get_by_label("Ban or time out").select_option(label="Time out for 10 minutes")
            bans.get_by_label("Reason").fill("spam links")
            bans.get_by_role("button", name="Ban or time out").click()
            bans = page.get_by_role("region", name="Bans and timeouts")
            expect(bans.get_by_role("listitem")).to_contain_text("Timed out until")
            expect(bans.get_by_role("listitem")).to_contain_text("spam links")
            if size == "phone":
                fits_the_phone(page)
            bans.get_by_role("button", name=f"Lift the timeout of {tunde.username}").click()
            expect(page.get_by_role("status")).to_contain_text(f"{tunde.username} may chat in your streams again.")
            expect(page.get_by_text("Nobody is banned or timed out.")).to_be_visible()

            # A blocked term, added and removed.
            page.get_by_label("Word or phrase").fill("Wahala")
            page.get_by_role("button", name="Block term").click()
            terms = page.get_by_role("region", name="Blocked terms")
            expect(terms.get_by_role("listitem")).to_have_text("wahala Remove “wahala”")
            terms.get_by_role("button", name="Remove “wahala”").click()
            expect(page.get_by_text("No blocked terms of your own.")).to_be_visible()
            assert page.evaluate(SMALL_TARGETS) == []
            context.close()
        finally:
            browser.close()
    rules = ChannelChatSettings.objects.get(creator=creator)
    assert rules.slow_mode_seconds == 20 and rules.followers_only and rules.blocked_terms == []
    assert chat_settings_of(Stream.objects.get(pk=live.pk)).slow_mode_seconds == 20  # applied to the live stream
    assert ChatModerator.objects.get(creator=creator).user == bola
    assert not ChatBan.objects.exists()
