"""Share buttons in Debian's chromium: on a desktop the menu (keyboard, Escape, Copy link putting the page's
address on the clipboard and saying so); on a phone with the Web Share API the system's sheet gets the title and
address (the menu only when the sheet fails, not when the person dismisses it); 44 px targets, no sideways
scroll, and axe-core clean with the menu open, on the watch page and the channel page."""

import pytest

from accounts.tests.factories import UserFactory
from streams.models import CreatorProfile
from streams.tests.browser import ARGS, CHROMIUM, SIZES, fits_the_phone
from streams.tests.factories import StreamFactory
from streams.tests.test_pages_accessible_browser import AXE_RUN, axe_core

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

NO_WEB_SHARE = "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"
# A phone's share sheet: records what it was given; window.shareAnswer says how the person leaves it.
WEB_SHARE = """window.shared = [];
window.shareAnswer = 'done';
Navigator.prototype.canShare = function () { return true; };
Navigator.prototype.share = function (data) {
  window.shared.push(data);
  if (window.shareAnswer === 'done') return Promise.resolve();
  return Promise.reject(new DOMException('no', window.shareAnswer));
};"""
SMALL_TARGETS = """() => [...document.querySelectorAll('.share summary, .share a, .share button')]
  .filter((node) => node.getClientRects().length)
  .map((node) => [node.textContent.trim(), node.getBoundingClientRect()])
  .filter(([, box]) => box.width < 44 || box.height < 44)
  .map(([text, box]) => text + ' ' + Math.round(box.width) + 'x' + Math.round(box.height))"""


@pytest.fixture
def pages(live_server, settings):
    settings.SITE_URL = live_server.url  # the address shared is the one the browser is on
    creator = UserFactory(username="ada_teaches", display_name="Ada Okafor")
    CreatorProfile.objects.create(user=creator, bio="Maths teacher from Enugu.")
    stream = StreamFactory(creator=creator, title="Fractions for everyone")
    return {
        "origin": live_server.url,
        "stream": f"{live_server.url}/streams/{stream.pk}/",
        "channel": f"{live_server.url}/@ada_teaches/",
    }


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(axe_core()))
    return page.evaluate(AXE_RUN)


def test_on_a_desktop_the_menu_works_by_keyboard_and_copy_link_fills_the_clipboard(pages):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(bypass_csp=True, **SIZES["desktop"])  # bypass_csp: axe's script
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=pages["origin"])
            context.add_init_script(NO_WEB_SHARE)
            page = context.new_page()
            for where in ("stream", "channel"):
                page.goto(pages[where])
                toggle = page.locator(".share-toggle")
                menu = page.locator(".share-menu")
                expect(menu).to_be_hidden()
                toggle.focus()
                page.keyboard.press("Enter")
                expect(menu).to_be_visible()
                links = menu.locator("a")
                expect(links).to_have_text(
                    ["WhatsApp (opens in a new tab)", "X (opens in a new tab)", "Facebook (opens in a new tab)"]
                )
                for index in range(3):
                    assert links.nth(index).get_attribute("target") == "_blank"
                copy = menu.get_by_role("button", name="Copy link")
                expect(copy).to_be_visible()
                assert page.evaluate(SMALL_TARGETS) == [], where
                assert _axe(page) == [], where
                # Keyboard: Tab through the three links to Copy link, press it.
                for _ in range(4):
                    page.keyboard.press("Tab")
                expect(copy).to_be_focused()
                page.keyboard.press("Enter")
                expect(page.locator(".share-status")).to_have_text("Link copied.")
                assert page.evaluate("navigator.clipboard.readText()") == pages[where]
                page.keyboard.press("Escape")
                expect(menu).to_be_hidden()
                expect(toggle).to_be_focused()
                # A click elsewhere closes an open menu too.
                toggle.click()
                expect(menu).to_be_visible()
                page.locator("h1").click()
                expect(menu).to_be_hidden()
            context.close()
        finally:
            browser.close()


def test_on_a_phone_the_system_share_sheet_gets_the_page_and_the_menu_is_the_fallback(pages):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(bypass_csp=True, **SIZES["phone"])
            context.add_init_script(WEB_SHARE)
            page = context.new_page()
            for where, title in (("stream", "Fractions for everyone"), ("channel", "Ada Okafor (@ada_teaches)")):
                page.goto(pages[where])
                fits_the_phone(page)
                toggle = page.locator(".share-toggle")
                menu = page.locator(".share-menu")
                toggle.tap()
                page.wait_for_function("() => window.shared.length === 1")
                shared = page.evaluate("window.shared[0]")
                assert shared["url"] == pages[where] and shared["title"] == title, shared
                expect(menu).to_be_hidden()  # the sheet, not the menu
                # Dismissed: nothing more happens.
                page.evaluate("window.shareAnswer = 'AbortError'")
                toggle.tap()
                page.wait_for_function("() => window.shared.length === 2")
                page.wait_for_timeout(200)
                expect(menu).to_be_hidden()
                # The sheet failed: the menu instead, in the page's flow at phone width.
                page.evaluate("window.shareAnswer = 'NotAllowedError'")
                toggle.tap()
                expect(menu).to_be_visible()
                assert page.evaluate("getComputedStyle(document.querySelector('.share-menu')).position") == "static"
                fits_the_phone(page)
                assert page.evaluate(SMALL_TARGETS) == [], where
                assert _axe(page) == [], where
                page.evaluate("window.shareAnswer = 'done'")
            context.close()
        finally:
            browser.close()
