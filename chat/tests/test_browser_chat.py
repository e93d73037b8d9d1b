"""The watch page's chat as the spec draws it, in two browsers: a viewer mentions the creator through the
autocomplete and sends an emote, the creator sees the mention highlighted and the emote as an image, a refused
message stays in the box with its reason, slow mode counts down, and the creator times out and deletes inline."""

import json
import re
import time
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from rest_framework.authtoken.models import Token

from accounts.tests.factories import PASSWORD, UserFactory
from chat.models import ChatBan, ChatMessage, ChatSettings, Emote
from chat.services import emotes_changed
from chat.tests.servers import two_daphnes  # noqa: F401 - a fixture
from streams.tests.browser import ARGS, CHROMIUM, log_in
from streams.tests.factories import StreamFactory

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.needs_chromium]


def test_mentions_emotes_refusals_slow_mode_and_inline_moderation(two_daphnes, settings):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the servers check
    creator = UserFactory(username="ada_creator", display_name="Ada")
    viewer = UserFactory(username="tunde", display_name="Tunde", is_verified=True)
    for person in (creator, viewer):
        person.set_password(PASSWORD)
        person.save()
    stream = StreamFactory(creator=creator, live=True, title="Chat lesson")
    ChatSettings.objects.create(stream=stream, slow_mode_seconds=4, blocked_terms=["wahala"])
    out = BytesIO()
    Image.new("RGB", (112, 112), "#008751").save(out, format="WEBP")
    emote = Emote(code="naija")
    emote.image.save("e.webp", ContentFile(out.getvalue()), save=True)
    emotes_changed()
    path = f"/streams/{stream.pk}/"
    first, second = two_daphnes

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            host = browser.new_context().new_page()
            log_in(host, first, creator, path)
            expect(host.locator(".chat-rules")).to_contain_text("Slow mode: 1 message every 4 s")
            expect(host.locator(".chat-you")).to_have_text("You moderate this chat")

            guest = browser.new_context().new_page()
            log_in(guest, second, viewer, path)
            box = guest.locator("#chat-input")
            expect(box).to_be_editable()

            # Refused by the server: the text stays, the reason beside it.
            box.fill("no wahala at all")
            box.press("Enter")
            expect(guest.locator("#chat-refusal")).to_contain_text("blocked term")
            expect(box).to_have_value("no wahala at all")

            # @ autocomplete: the creator is suggested from the first letters; Enter picks.
            box.fill("")
            box.press_sequentially("Well done @ada")
            option = guest.get_by_role("option", name=re.compile("@ada_creator"))
            expect(option).to_be_visible()
            expect(box).to_have_attribute("aria-expanded", "true")
            box.press("Enter")
            expect(box).to_have_value("Well done @ada_creator ")

            # The picker: keyboard-operable, the emote inserted as its code.
            guest.get_by_role("button", name="Emoji and emotes").click()
            expect(guest.get_by_role("button", name="grinning face")).to_be_focused()
            guest.keyboard.press("ArrowRight")
            expect(guest.get_by_role("button", name="face with tears of joy")).to_be_focused()
            guest.keyboard.press("Enter")
            guest.get_by_role("button", name=":naija:").click()
            guest.keyboard.press("Escape")
            expect(guest.locator("#chat-picker")).to_be_hidden()
            expect(box).to_have_value("Well done @ada_creator 😂 :naija:")
            box.press("Enter")

            # Sent: the box empties and slow mode counts down on the button.
            expect(box).to_have_value("")
            send = guest.locator(".chat-send")
            expect(send).to_be_disabled()
            expect(send).to_have_text(re.compile(r"^[1-4] s$"))

            # The creator: the mention highlighted, the emote an image with its code as alt text, a time.
            line = host.locator(".chat-line", has_text="Well done")
            expect(line).to_have_class(re.compile("mentions-me"))
            expect(line.locator(".mention.me")).to_have_text("@ada_creator")
            emote_img = line.locator("img.emote")
            expect(emote_img).to_have_attribute("alt", ":naija:")
            expect(emote_img).to_have_attribute("src", re.compile(r"^/media/emotes/naija/.+\.webp$"))
            expect(line.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
            # The verified viewer's badge beside the name: words for screen readers, not colour alone.
            expect(line.locator(".author + .verified .visually-hidden")).to_have_text("(verified)")
            expect(host.locator(".chat-messages")).to_have_attribute("role", "log")

            # Inline moderation: a timeout the viewer hears at once, then the message deleted everywhere.
            line.get_by_role("button", name="Moderate Tunde’s message").click()
            line.get_by_role("button", name="Time out 10 min").click()
            expect(host.locator(".chat-status")).to_have_text("Tunde is timed out for 10 min.")
            expect(guest.locator("#chat-refusal")).to_contain_text("timed out")
            line.get_by_role("button", name="Moderate Tunde’s message").click()  # the menu closed after the timeout
            line.get_by_role("button", name="Delete").click()
            expect(line).to_have_count(0)
            expect(guest.locator(".chat-line", has_text="Well done")).to_have_count(0)
        finally:
            browser.close()
    assert ChatBan.objects.get(stream=stream, user=viewer).expires_at is not None  # a timeout, not a ban


def test_after_a_1011_the_page_waits_retry_after_then_catches_up_in_order_without_duplicates(two_daphnes):  # noqa: F811
    """The server's outage close (1011, after a service_unavailable error with retry_after): the page waits that
    long, reconnects, and fetches what was said meanwhile (?after=) into place, nothing twice; what a moderator
    deleted meanwhile goes from the page too."""
    from playwright.sync_api import expect, sync_playwright

    stream = StreamFactory(live=True, title="Outage lesson")
    talker = UserFactory(display_name="Chidi")
    ChatMessage.objects.create(stream=stream, user=talker, content="before the outage")
    doomed = ChatMessage.objects.create(stream=stream, user=talker, content="deleted while away")
    token = Token.objects.create(user=talker).key
    creator_token = Token.objects.create(user=stream.creator).key
    host = two_daphnes[0]
    sockets, closed_at = [], []

    def route(ws):
        sockets.append((time.monotonic(), ws))
        ws.connect_to_server()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.route_web_socket(re.compile(r"/chat$"), route)
            page.goto(f"http://{host}/streams/{stream.pk}/")
            expect(page.locator(".chat-line", has_text="before the outage")).to_have_count(1)
            expect(page.locator(".chat-line", has_text="deleted while away")).to_have_count(1)
            page.wait_for_function("() => document.querySelector('.chat-status').textContent === ''")
            assert len(sockets) == 1
            outage = {
                "type": "error",
                "code": "service_unavailable",
                "detail": "Chat is briefly down.",
                "retry_after": 3,
            }
            sockets[0][1].send(json.dumps(outage))
            sockets[0][1].close(code=1011, reason="")
            closed_at.append(time.monotonic())
            for n in range(3):  # said while this page is away
                answer = page.request.post(
                    f"http://{host}/api/v1/streams/{stream.pk}/chat",
                    data={"content": f"gap {n}"},
                    headers={"Authorization": f"Token {token}"},
                )
                assert answer.status == 201, answer.text()
            gone = page.request.delete(
                f"http://{host}/api/v1/streams/{stream.pk}/chat/{doomed.pk}",
                headers={"Authorization": f"Token {creator_token}"},
            )
            assert gone.status == 204, gone.text()  # the room told its sockets; this page had none
            expect(page.locator(".chat-status")).to_have_text(re.compile(r"Reconnecting in [34] s"))
            expect(page.locator(".chat-line", has_text="gap 2")).to_have_count(1, timeout=8000)
            assert len(sockets) == 2 and 3.0 <= sockets[1][0] - closed_at[0] < 5.0
            expect(page.locator(".chat-line", has_text="deleted while away")).to_have_count(0)
            texts = page.locator(".chat-line .text").all_text_contents()
            assert texts == ["before the outage", "gap 0", "gap 1", "gap 2"]
        finally:
            browser.close()


def test_a_message_sent_before_its_mention_suggestions_arrive_leaves_no_suggestions_open(two_daphnes, settings):  # noqa: F811
    """Typed "@ada" and Enter at once: the message goes, and no suggestion list opens later over the empty box."""
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the servers check
    creator = UserFactory(username="ada_creator", display_name="Ada")
    viewer = UserFactory(username="tunde", display_name="Tunde")
    viewer.set_password(PASSWORD)
    viewer.save()
    stream = StreamFactory(creator=creator, live=True, title="Chat lesson")
    first, _ = two_daphnes

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context().new_page()
            log_in(page, first, viewer, f"/streams/{stream.pk}/")
            box = page.locator("#chat-input")
            expect(box).to_be_editable()
            held = []  # the message's POST, answered only when the test says (a slow network)
            page.route(
                re.compile(r"/api/v1/streams/[0-9a-f-]+/chat$"),
                lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
            )
            box.fill("Well done @ada")
            box.press("Enter")
            page.wait_for_timeout(600)  # past the suggestions' 150 ms pause and their answer
            expect(page.locator("#chat-mention-list")).to_be_hidden()
            assert len(held) == 1
            held[0].continue_()
            expect(page.locator(".chat-line", has_text="Well done")).to_be_visible()
            expect(box).to_have_value("")
            expect(page.locator("#chat-mention-list")).to_be_hidden()
            expect(box).to_have_attribute("aria-expanded", "false")
        finally:
            browser.close()


def test_enter_before_the_chat_script_ran_keeps_the_text_and_the_page(two_daphnes, settings):  # noqa: F811
    """On a slow phone the box is there before chat.js: Enter then must not submit the form natively (a reload
    that throws the text away); once the script runs, the same Enter sends."""
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the servers check
    viewer = UserFactory(username="tunde", display_name="Tunde")
    viewer.set_password(PASSWORD)
    viewer.save()
    stream = StreamFactory(live=True, title="Chat lesson")
    first, _ = two_daphnes

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context().new_page()
            log_in(page, first, viewer, "/")
            held = []  # chat.js, answered only when the test says (a slow network)
            page.route(re.compile(r"/static/js/chat(\.[0-9a-f]+)?\.js$"), lambda route: held.append(route))
            page.goto(f"http://{first}/streams/{stream.pk}/", wait_until="commit")
            box = page.locator("#chat-input")
            expect(box).to_be_editable()
            page.evaluate("window.sameDocument = true")
            box.fill("Ẹ kú àṣálẹ́")
            box.press("Enter")
            page.wait_for_timeout(500)
            assert page.evaluate("window.sameDocument === true"), "the form was submitted natively: the page reloaded"
            expect(box).to_have_value("Ẹ kú àṣálẹ́")
            expect(page.locator(".chat-send")).to_be_disabled()

            for route in held:
                route.continue_()
            expect(page.locator(".chat-send")).to_be_enabled()
            box.press("Enter")
            expect(page.locator(".chat-line", has_text="Ẹ kú àṣálẹ́")).to_be_visible()
            expect(box).to_have_value("")
        finally:
            browser.close()
    assert ChatMessage.objects.filter(stream=stream, content="Ẹ kú àṣálẹ́").count() == 1  # sent once
