"""A person in a browser: watch a stream's page, chat, and see a moderator delete a message."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.factories import PASSWORD, UserFactory
from chat.tests.servers import two_daphnes  # noqa: F401 - a fixture
from gifts.tests.factories import GiftFactory
from streams.tests.browser import ARGS, CHROMIUM, log_in
from streams.tests.factories import StreamFactory
from wallet.services import coins_grant

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.needs_chromium]


def test_two_people_chat_on_the_stream_page(two_daphnes, settings):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    creator, viewer = UserFactory(display_name="Ada"), UserFactory(display_name="Tunde")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the servers check
    viewer.set_password(PASSWORD)
    viewer.save()
    stream = StreamFactory(creator=creator, live=True, title="Browser lesson")
    token = Token.objects.create(user=creator).key  # the ORM before Playwright's loop starts in this thread
    coins_grant(user=viewer, coins=30, reason="test")
    GiftFactory(name="Talking Drum", cost_in_coins=20)
    first, second = two_daphnes
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            watcher = browser.new_page()
            watcher.goto(f"http://{second}/streams/{stream.pk}/")
            expect(watcher.locator("#chat")).to_contain_text("Log in to chat")

            talker = browser.new_page()
            log_in(talker, first, viewer, f"/streams/{stream.pk}/")
            expect(talker.locator("h1")).to_have_text("Browser lesson")
            expect(watcher.locator("#viewer-count")).to_have_text("2 watching", timeout=10_000)

            talker.fill("#chat-input", "Ẹ kú irọ̀lẹ́ <b>all</b>")
            talker.press("#chat-input", "Enter")
            line = watcher.locator(".chat-line", has_text="Ẹ kú irọ̀lẹ́")
            expect(line).to_contain_text("Tunde")
            expect(line).to_contain_text("<b>all</b>")  # shown as text, never as markup
            assert watcher.locator(".chat-line b").count() == 0

            message_id = line.get_attribute("data-id")
            response = watcher.request.delete(
                f"http://{second}/api/v1/streams/{stream.pk}/chat/{message_id}",
                headers={"Authorization": f"Token {token}"},
            )
            assert response.status == 204
            expect(line).to_have_count(0)
            expect(talker.locator(".chat-line", has_text="Ẹ kú irọ̀lẹ́")).to_have_count(0)

            # A gift sent through the panel (gifts/tests/test_browser.py drives it) is a line in everyone's chat.
            talker.get_by_role("button", name="Send a gift").click()
            talker.locator(".gift-item", has_text="Talking Drum").click()
            talker.get_by_role("button", name="Send 1× Talking Drum").click()
            expect(watcher.locator(".chat-line.gift")).to_contain_text("Tunde sent 1× Talking Drum")
        finally:
            browser.close()
