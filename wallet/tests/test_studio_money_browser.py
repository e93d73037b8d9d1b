"""The studio's money page in Debian's chromium at phone (390 px, touch) and desktop size: axe-core finds nothing
serious or critical, nothing scrolls sideways, and a creator sets up their payout account (choose the bank by
typing, check the account's name with the bank, save it) and downloads a payout's statement."""

import pytest

from accounts.tests.factories import UserFactory
from streams.tests.browser import ARGS, CHROMIUM, SIZES, session_cookie
from streams.tests.test_pages_accessible_browser import AXE_RUN, axe_core
from wallet.models import Payout, PayoutDestination
from wallet.providers import SandboxProvider
from wallet.tasks import run_payouts
from wallet.tests.test_payouts import earn

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_creator_sets_up_their_payout_account_and_downloads_a_statement(live_server, settings, size):
    from playwright.sync_api import expect, sync_playwright

    axe = axe_core().read_text()  # evaluated, not a <script>: the page's CSP stays on, as a user's browser has it
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.PAYOUT_MINIMUM_COINS = 1000
    creator = UserFactory(display_name="Ada Okafor")
    PayoutDestination.objects.create(user=creator, recipient_code="RCP_old", bank_name="Old Bank", account_last4="1111")
    earn(creator, 1200)
    run_payouts.apply()  # one paid payout, with its statement
    earn(creator, 250)
    payout = Payout.objects.get()
    name = SandboxProvider().resolve_account(account_number="0987654321", bank_code="50211").account_name
    cookie = session_cookie(creator, live_server.url.removeprefix("http://"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(**SIZES[size], accept_downloads=True)
            context.add_cookies([cookie])
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{live_server.url}/studio/money/")
            expect(page.get_by_role("heading", level=1)).to_have_text("Money")
            expect(page.locator(".money-earnings")).to_contain_text("250 coins to be paid out")
            expect(page.get_by_role("link", name="Money")).to_have_attribute("aria-current", "page")
            page.evaluate(axe)
            assert page.evaluate(AXE_RUN) == []
            assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0

            with page.expect_download() as download:
                page.get_by_role("link", name="Statement (CSV)").click()
            assert download.value.suggested_filename.endswith(f"{payout.provider_reference}.csv")
            assert "paid out" in open(download.value.path()).read()

            save = page.get_by_role("button", name="Save as payout account")
            expect(save).to_be_hidden()
            bank = page.get_by_label("Bank", exact=True)
            bank.focus()
            page.keyboard.type("Kuda")  # the select's own type-ahead
            expect(bank).to_have_value("50211")
            page.get_by_label("Account number").fill("0987654321")
            page.get_by_role("button", name="Check account").click()
            expect(page.locator("#destination-preview")).to_contain_text(f"Account name: {name} (Kuda Bank)")
            assert page.url.endswith("/studio/money/")  # checked in place: no page load
            page.get_by_label("Account number").fill("0987654320")  # changed: the name shown no longer holds
            expect(save).to_be_hidden()
            page.get_by_label("Account number").fill("0987654321")
            page.get_by_role("button", name="Check account").click()
            expect(save).to_be_visible()
            assert page.evaluate(AXE_RUN) == []  # with the name shown and Save offered
            save.click()
            expect(page.get_by_role("status")).to_contain_text(f"Payouts now go to {name}, Kuda Bank ending 4321.")
            expect(page.locator(".destination-current")).to_contain_text(f"{name} · Kuda Bank ending 4321")
            assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
            assert errors == []
        finally:
            browser.close()
    destination = PayoutDestination.objects.get(user=creator)
    assert destination.bank_code == "50211" and destination.recipient_code.startswith("RCP_sandbox_")
