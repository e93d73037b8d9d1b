"""A new viewer on a phone, in Debian's chromium: signs up from a premium stream's page and lands back on it,
finds they cannot afford access, buys coins through the sandbox checkout, comes back to the stream with the
new balance, and buys access. No page scrolls sideways at 390 px; the premium box's button and error stay in
view; axe finds no serious or critical violation on the pages walked (when axe-core is at hand)."""

import os
import shutil
from pathlib import Path

import pytest

from streams.tests.browser import fits_the_phone
from streams.tests.factories import StreamFactory
from wallet.selectors import wallet_balance
from wallet.tests.factories import CoinPackageFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# Where this machine keeps axe-core (npm); without it the accessibility check is skipped.
AXE = Path(os.environ.get("AXE_CORE_JS", "/tmp/lh/node_modules/axe-core/axe.min.js"))  # noqa: S108
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

pytestmark = pytest.mark.needs_chromium


def in_view(page, locator) -> None:
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, page.url
    assert box["height"] >= 44 or locator.evaluate("e => e.tagName") == "P", "a 44 px touch target"


def not_clipped(locator) -> None:
    """The element is what a tap at its centre hits: not cut off by a box that hides its overflow."""
    locator.scroll_into_view_if_needed()
    assert locator.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
        " return hit === e || e.contains(hit); }"
    ), "clipped"


def no_serious_axe_violations(page) -> None:
    if not AXE.exists():
        return
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run()).violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert violations == [], (page.url, violations)


def test_a_new_viewer_signs_up_buys_coins_and_premium_access_on_a_phone(live_server, settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    settings.SITE_URL = live_server.url  # the sandbox checkout and the return are absolute against it
    stream = StreamFactory(is_premium=True, price_coins=50, title="Masterclass: the talking drum")
    live = StreamFactory(live=True, is_premium=True, price_coins=30, title="Live masterclass")
    CoinPackageFactory(name="Starter", coins=100, bonus_coins=0, price="500.00")
    url = f"{live_server.url}/streams/{stream.pk}/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(**PHONE, bypass_csp=AXE.exists()).new_page()
            page.goto(url)
            box = page.locator("#premium-access")
            expect(box).to_contain_text("50 coins")
            expect(box).to_contain_text("Unlocks the broadcast when it starts, its chat and gifts")
            page.get_by_role("link", name="Create an account").click()

            # Sign up, and land back on the stream.
            expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
            fits_the_phone(page)
            page.get_by_label("Username").fill("amaka")
            page.get_by_label("Email").fill("amaka@example.com")
            page.get_by_label("Password").fill("Ofala-festival-88")
            page.get_by_role("button", name="Sign up").click()
            expect(page).to_have_url(url)
            expect(page.get_by_role("link", name="Wallet: 0 coins")).to_be_visible()
            fits_the_phone(page)
            no_serious_axe_violations(page)

            # A live premium stream's box sits in the 16:9 player: on a phone it used to cut off its own button
            # and error. Both are now where a tap lands.
            page.goto(f"{live_server.url}/streams/{live.pk}/")
            live_buy = page.get_by_role("button", name="Buy access · 30 coins")
            not_clipped(live_buy)
            live_buy.click()
            expect(page.locator(".access-status")).to_have_text("You do not have enough coins.")
            not_clipped(page.locator(".access-status"))
            not_clipped(page.get_by_role("link", name="Buy coins"))
            fits_the_phone(page)
            page.goto(url)

            # Not enough coins: the refusal is shown beside the button, both in view, and the way to the wallet.
            buy_access = page.get_by_role("button", name="Buy access · 50 coins")
            in_view(page, buy_access)
            buy_access.click()
            status = page.locator(".access-status")
            expect(status).to_have_text("You do not have enough coins.")
            in_view(page, status)
            expect(page.locator(".premium-wallet")).to_contain_text("You have 0 coins: not enough yet.")
            page.screenshot(path=str(tmp_path / "premium-insufficient-phone.png"), full_page=True)
            page.get_by_role("link", name="Buy coins").click()

            # The wallet: the first step for a new account, a package, the sandbox checkout.
            expect(page).to_have_url(f"{live_server.url}/wallet/?next=/streams/{stream.pk}/")
            expect(page.get_by_role("heading", name="Start here: get your first coins")).to_be_visible()
            fits_the_phone(page)
            no_serious_axe_violations(page)
            page.screenshot(path=str(tmp_path / "wallet-phone.png"), full_page=True)
            package = page.get_by_role("button", name="Buy Starter: 100 coins for ₦500")
            in_view(page, package)
            package.click()
            expect(page.get_by_role("heading", name="Checkout: ₦500.00")).to_be_visible()
            page.get_by_role("button", name="Pay ₦500.00").click()

            # Back on the stream with the new balance; access bought, the box is gone.
            expect(page).to_have_url(url)
            expect(page.locator(".messages")).to_contain_text("Payment received: 100 coins added. You have 100 coins.")
            expect(page.get_by_role("link", name="Wallet: 100 coins")).to_be_visible()
            expect(page.locator(".premium-wallet")).to_contain_text("You have 100 coins.")
            page.get_by_role("button", name="Buy access · 50 coins").click()
            expect(page.locator("#premium-access")).to_have_count(0)
            expect(page.get_by_role("link", name="Wallet: 50 coins")).to_be_visible()
            fits_the_phone(page)
            page.screenshot(path=str(tmp_path / "stream-after-access-phone.png"), full_page=True)

            # The history says where the coins went (up to the header first: on a phone the playing video sticks
            # to the top of the screen as the page scrolls, over the header, as the wallet link's reader would).
            page.evaluate("window.scrollTo(0, 0)")
            page.get_by_role("link", name="Wallet: 50 coins").click()
            history = page.locator("table.history")
            expect(history).to_contain_text("Premium access")
            expect(history).to_contain_text("Coins bought")
            page.get_by_label("Show").select_option("access")
            page.get_by_role("button", name="Filter").click()
            expect(history.locator("tbody tr")).to_have_count(1)
            fits_the_phone(page)
        finally:
            browser.close()
    assert wallet_balance(user=stream.creator) == 0 and wallet_balance(user=_user("amaka")) == 50


def _user(username: str):
    from accounts.models import User

    return User.objects.get(username=username)


def test_a_member_logs_in_from_a_premium_stream_on_a_desktop_and_lands_back_on_it(live_server):
    from playwright.sync_api import expect, sync_playwright

    from accounts.tests.factories import PASSWORD, UserFactory

    member = UserFactory(username="tunde")
    stream = StreamFactory(is_premium=True, price_coins=50, title="Masterclass")
    url = f"{live_server.url}/streams/{stream.pk}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
            page.goto(url)
            page.get_by_role("link", name="Log in to buy access").click()
            page.get_by_label("Username").fill(member.username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(url)
            box = page.locator("#premium-access")
            expect(box.get_by_role("button", name="Buy access · 50 coins")).to_be_in_viewport()
            expect(box).to_contain_text("You have 0 coins: not enough yet.")
            expect(box.get_by_role("link", name="Buy coins")).to_have_attribute(
                "href", f"/wallet/?next=/streams/{stream.pk}/"
            )
        finally:
            browser.close()
