"""A follower sits on the home page; the creator goes live; the bell's count rises without a reload."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.factories import PASSWORD, UserFactory
from chat.tests.servers import daphnes, free_port
from streams.services import follow_create
from streams.tests.browser import ARGS, CHROMIUM, log_in
from streams.tests.factories import StreamFactory

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.needs_chromium]


def test_the_bell_rises_when_a_followed_creator_goes_live(transactional_db, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the server checks
    creator = UserFactory(username="ada_live", display_name="Ada")
    fan = UserFactory(username="bola_fan")
    fan.set_password(PASSWORD)
    fan.save()
    follow_create(follower=fan, creator=creator)
    stream = StreamFactory(creator=creator, title="Yoruba at dusk")
    token = Token.objects.create(user=creator).key

    # One server on the test database and Redis; the fan-out task runs in it, after the go-live commits.
    with daphnes([free_port()], CELERY_TASK_ALWAYS_EAGER="1") as (host,), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            log_in(page, host, fan)
            bell = page.locator("#bell-button")
            expect(bell).to_have_attribute("aria-label", "Notifications, 0 unread")
            expect(page.locator("[data-notifications][data-connected='1']")).to_have_count(1)  # the socket is in
            started = page.request.post(
                f"http://{host}/api/v1/streams/{stream.pk}/status",
                data={"action": "start"},
                headers={"Authorization": f"Token {token}"},
            )
            assert started.status == 200
            expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread", timeout=5000)
            expect(page.locator("#bell-count")).to_have_text("1")
            expect(page.locator("#bell-live")).to_have_text("Ada is live")
            bell.click()
            expect(page.locator("#bell-list a").first).to_contain_text("Yoruba at dusk")
            page.keyboard.press("Escape")
            expect(page.locator("#bell-panel")).to_be_hidden()
            assert page.evaluate("document.activeElement.id") == "bell-button"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()
