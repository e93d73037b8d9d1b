"""The sandbox checkout in a real browser (Debian's chromium): Pay, then back where the purchase started."""

import shutil

import pytest
from django.urls import reverse

from conftest import client_for
from wallet.models import Payment
from wallet.tests.factories import CoinPackageFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = pytest.mark.needs_chromium


def test_a_buyer_pays_on_the_checkout_page_and_returns_to_the_callback_url(live_server, user, settings):
    from playwright.sync_api import expect, sync_playwright

    package = CoinPackageFactory(coins=100, bonus_coins=10)
    settings.SITE_URL = live_server.url  # a callback_url must be on the site's own origin
    started_at = f"{live_server.url}/?after=checkout"
    body = {"package_id": str(package.pk), "payment_method": "card", "callback_url": started_at}
    reference = client_for(user).post("/api/v1/currency/purchase", body, format="json").json()["reference"]
    checkout = live_server.url + reverse("sandbox-checkout", kwargs={"reference": reference})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(checkout)
            expect(page.get_by_role("heading", level=1)).to_contain_text("₦500.00")
            page.get_by_role("button", name="Pay ₦500.00").click()
            page.wait_for_url(f"{live_server.url}/?after=checkout&trxref={reference}&reference={reference}")
        finally:
            browser.close()
    assert Payment.objects.get(reference=reference).status == "success"
