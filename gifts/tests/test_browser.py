"""The gift panel and the gift moment in a real browser (Debian's chromium) over two daphne processes: a viewer
sends above their confirmation threshold and confirms, the room sees the animation and the combo grow (and hears
it, once sound is on), a reduced-motion viewer gets a still banner; the panel keeps keyboard focus and Escape
closes it; on a phone it is a bottom sheet."""

import shutil

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from chat.tests.servers import two_daphnes  # noqa: F401 - a fixture
from gifts.models import Gift
from gifts.sounds import synthesised_gift_sound
from gifts.tests.factories import GiftFactory
from streams.tests.factories import StreamFactory
from wallet.models import CoinPackage
from wallet.services import coins_grant

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
# One gift event as the room sends it (gifts.services' payload), dispatched the way chat.js re-dispatches it.
GIFT_IN_THE_ROOM = """document.dispatchEvent(new CustomEvent("room:gift", {detail: {type: "gift", gift: {
    id: "g1", gift: {id: "x", name: "Talking Drum", image_url: "", animation: "float", rarity: "common"},
    quantity: 1, total_coins: 5, message: "", is_anonymous: true, sender: null, combo: 1}}}))"""
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.needs_chromium]


@pytest.fixture
def shared_media(settings, monkeypatch):
    """The daphne processes serve the files this test stores (gift sounds) from the same folder."""
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


def login_cookie(user, host: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": f"http://{host}"}


def test_a_gift_over_the_threshold_is_confirmed_and_the_room_sees_and_hears_the_combo(shared_media, two_daphnes):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    creator, sender = UserFactory(display_name="Ada"), UserFactory(display_name="Tunde", is_verified=True)
    stream = StreamFactory(creator=creator, live=True, title="Gift lesson")
    coins_grant(user=sender, coins=200, reason="test")
    CoinPackage.objects.create(name="Starter", coins=100, price="500.00")  # 5 naira a coin
    drum = GiftFactory(name="Talking Drum", cost_in_coins=20, rarity="rare", animation="bounce")
    drum.sound.save("sound.wav", synthesised_gift_sound(rarity="rare", base_hz=330))
    GiftFactory(name="Golden Crown", cost_in_coins=1000, rarity="legendary", category="premium", animation="rain")
    first, second = two_daphnes
    page_path = f"/streams/{stream.pk}/"
    cookies = login_cookie(sender, first)  # the ORM before Playwright's loop starts in this thread

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            room = browser.new_context(**PHONE).new_page()
            room.goto(f"http://{second}{page_path}")
            room.get_by_role("button", name="Gift sounds off").click()  # sound only once the viewer asks
            still = browser.new_context(reduced_motion="reduce").new_page()
            still.goto(f"http://{second}{page_path}")

            giver_context = browser.new_context(viewport={"width": 1280, "height": 900})
            giver_context.add_cookies([cookies])
            giver = giver_context.new_page()
            giver.goto(f"http://{first}{page_path}")
            # No gifts yet (said on a desktop: a phone's one row under the video leaves the empty note out).
            expect(still.locator(".top-gifters-empty")).to_be_visible()

            giver.get_by_role("button", name="Send a gift").click()
            panel = giver.get_by_role("dialog", name="Send a gift")
            expect(panel).to_be_visible()
            expect(panel.locator(".gift-balance")).to_have_text("200 coins")
            expect(panel.get_by_role("tab", name="All")).to_have_attribute("aria-selected", "true")
            crown = panel.locator(".gift-item", has_text="Golden Crown")
            expect(crown.locator(".rarity-badge")).to_have_text("Legendary")  # rarity in words, not colour alone
            panel.get_by_role("tab", name="Traditional").click()
            expect(crown).to_have_count(0)

            panel.locator(".gift-item", has_text="Talking Drum").click()
            expect(panel.locator(".gift-choice")).to_contain_text("20 coins ≈ ₦100 each")
            for _ in range(5):
                panel.get_by_role("button", name="One more").click()
            expect(panel.locator("#gift-quantity")).to_have_value("6")
            expect(panel.locator("#gift-total")).to_have_text("Total: 120 coins ≈ ₦600")
            panel.locator("#gift-message").fill("Ẹ kú iṣẹ́ <b>o</b>")
            panel.get_by_role("button", name="Send 6× Talking Drum").click()

            confirm = panel.get_by_role("alertdialog")
            expect(confirm).to_contain_text("120 coins")
            assert room.locator(".gift-moment").count() == 0  # nothing is sent before the viewer confirms
            with room.expect_request(lambda request: drum.sound.name in request.url, timeout=10_000):
                confirm.get_by_role("button", name="Yes, send").click()
                moment = room.locator("#gift-stage .gift-moment")
                expect(moment).to_contain_text("Tunde ✔(verified) sent 6× Talking Drum", timeout=10_000)
            # The verified sender's badge: a mark for the eye, words for screen readers.
            expect(moment.locator(".gift-moment-sender .verified .visually-hidden")).to_have_text("(verified)")
            expect(moment).to_have_class("gift-moment rarity-rare anim-bounce")
            expect(moment.locator(".gift-moment-message")).to_have_text("Ẹ kú iṣẹ́ <b>o</b>")  # text, not markup
            expect(panel.locator("#gift-quantity")).to_have_value("1")  # reset after a send
            expect(panel.locator(".gift-balance")).to_have_text("80 coins")
            expect(giver.get_by_role("link", name="Wallet: 80 coins")).to_be_visible()  # the header's balance too
            expect(giver.locator("#header-coins")).to_have_text("80")

            # Below the threshold: no question asked. The streak grows on the room's moment as it happens.
            send_one = panel.get_by_role("button", name="Send 1× Talking Drum")
            send_one.click()
            expect(moment.locator(".gift-moment-combo")).to_have_text("×2", timeout=10_000)
            expect(send_one).to_be_enabled()
            send_one.click()
            expect(moment.locator(".gift-moment-combo")).to_have_text("×3", timeout=10_000)
            expect(moment).to_contain_text("Tunde ✔(verified) sent 8× Talking Drum")
            expect(confirm).to_be_hidden()

            # The reduced-motion viewer got the same gifts as a still banner.
            banner = still.locator("#gift-stage.still .gift-moment")
            expect(banner).to_contain_text("Talking Drum")
            assert banner.evaluate("e => getComputedStyle(e).animationName") == "none"
            assert banner.evaluate("e => getComputedStyle(e.querySelector('.gift-moment-art')).animationName") == "none"

            expect(room.locator("#top-gifters li").first).to_have_text("1. Tunde ✔(verified) 160 coins")

            # 40 coins left: three drums cannot be paid; the wallet is one link away, and back.
            panel.get_by_role("button", name="One more").click()
            panel.get_by_role("button", name="One more").click()
            short = panel.locator(".gift-short")
            expect(short).to_be_visible()
            expect(short.get_by_role("link", name="Buy more")).to_have_attribute("href", f"/wallet/?next={page_path}")
            expect(panel.get_by_role("button", name="Send 3× Talking Drum")).to_be_disabled()

            # The sound choice is remembered on the device.
            room.reload()
            expect(room.get_by_role("button", name="Gift sounds on")).to_have_attribute("aria-pressed", "true")
        finally:
            browser.close()
    assert list(Gift.objects.get(pk=drum.pk).sent.values_list("quantity", "combo").order_by("created_at")) == [
        (6, 1),
        (1, 2),
        (1, 3),
    ]


def test_the_panel_keeps_keyboard_focus_escape_closes_it_and_a_phone_gets_a_bottom_sheet(live_server):
    from playwright.sync_api import expect, sync_playwright

    viewer = UserFactory()
    stream = StreamFactory(live=True, title="Keyboard lesson")
    GiftFactory(name="Kola Nut", cost_in_coins=1)
    url = f"{live_server.url}/streams/{stream.pk}/"
    cookie = login_cookie(viewer, live_server.url.removeprefix("http://"))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(**PHONE)
            context.add_cookies([cookie])
            page = context.new_page()
            page.goto(url)
            opener = page.get_by_role("button", name="Send a gift")
            opener.focus()
            page.keyboard.press("Enter")
            panel = page.get_by_role("dialog", name="Send a gift")
            expect(panel).to_be_visible()
            expect(panel.get_by_role("tab", name="All")).to_be_focused()
            expect(panel.locator(".gift-item")).to_have_count(1)

            # A bottom sheet: full width, resting on the bottom of the screen, and the page never scrolls sideways.
            page.wait_for_function("() => !document.getElementById('gift-panel').getAnimations().length")  # slid up
            box = panel.bounding_box()
            assert box["x"] == 0 and box["width"] == 390 and abs(box["y"] + box["height"] - 844) < 1
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

            # Tab and Shift+Tab go round inside the panel, never out to the page behind it.
            seen = set()
            for _ in range(30):
                page.keyboard.press("Tab")
                assert page.evaluate("document.getElementById('gift-panel').contains(document.activeElement)")
                seen.add(page.evaluate("document.activeElement.className || document.activeElement.id"))
            assert "gift-close" in seen and "gift-item rarity-common" in seen
            for _ in range(12):
                page.keyboard.press("Shift+Tab")
                assert page.evaluate("document.getElementById('gift-panel').contains(document.activeElement)")

            # Arrow keys move between the category tabs.
            panel.get_by_role("tab", name="All").focus()
            page.keyboard.press("ArrowRight")
            expect(panel.get_by_role("tab", name="Traditional")).to_be_focused()
            expect(panel.get_by_role("tab", name="Traditional")).to_have_attribute("aria-selected", "true")

            # The confirmation threshold is the viewer's own, kept on the server.
            panel.get_by_text("Confirmation setting").click()
            panel.get_by_label("Ask me to confirm gifts over").fill("500")
            panel.get_by_label("Ask me to confirm gifts over").press("Enter")
            expect(panel.locator("#gift-threshold-status")).to_have_text("Saved: gifts over 500 coins ask first.")

            page.keyboard.press("Escape")
            expect(panel).to_be_hidden()
            expect(opener).to_be_focused()

            # The stream ends: the panel closes, its button goes, and no gift keeps playing over the ended screen.
            opener.click()
            expect(panel).to_be_visible()
            page.evaluate(GIFT_IN_THE_ROOM)
            expect(page.locator("#gift-stage .gift-moment")).to_have_count(1)
            page.evaluate("document.dispatchEvent(new CustomEvent('room:stream_status', {detail: {status: 'ended'}}))")
            expect(panel).to_be_hidden()
            expect(opener).to_be_hidden()
            expect(page.locator("#gift-stage .gift-moment")).to_have_count(0, timeout=500)  # at once, not when it ends
        finally:
            browser.close()
    assert User.objects.get(pk=viewer.pk).gift_confirm_threshold == 500


def test_a_burst_of_gifts_is_queued_merged_and_summed_so_none_goes_unshown(live_server):
    """Room events as the chat socket re-dispatches them, on a page whose clock the test drives."""
    from playwright.sync_api import sync_playwright

    stream = StreamFactory(live=True, title="Burst lesson")
    url = f"{live_server.url}/streams/{stream.pk}/"

    def gift(sender: str | None, combo: int = 1, quantity: int = 1) -> dict:
        return {
            "type": "gift",
            "gift": {
                "id": f"sent-{sender}-{combo}",
                "gift": {"id": "g1", "name": "Jollof Rice", "rarity": "common", "animation": "float"},
                "quantity": quantity,
                "total_coins": 5 * quantity,
                "message": "",
                "is_anonymous": sender is None,
                "sender": {"id": sender, "display_name": sender} if sender else None,
                "combo": combo,
            },
        }

    burst = [gift("Ada", 1), gift("Ada", 2), gift("Ada", 3, quantity=2)]  # a streak while it shows
    burst += [gift(f"V{n:02d}") for n in range(1, 13)]  # twelve others wait their turn
    burst += [gift("V03", 2)]  # merged into V03's waiting moment
    burst += [gift(None), gift("Zed", quantity=4)]  # past the bound: summed into one last moment

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.clock.install()
            page.goto(url)
            page.evaluate(
                """events => {
                    window.shown = [];
                    new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(n => {
                        if (n.classList && n.classList.contains("gift-moment")) {
                            window.shown.push(n.querySelector(".gift-moment-text").textContent);
                        }
                    }))).observe(document.getElementById("gift-stage"), { childList: true });
                    for (const e of events) document.dispatchEvent(new CustomEvent("room:gift", { detail: e }));
                }""",
                burst,
            )
            # One moment on the stage: Ada's streak, merged into it while it shows.
            assert page.evaluate("() => document.querySelectorAll('#gift-stage .gift-moment').length") == 1
            page.clock.run_for(120_000)
            shown = page.evaluate("() => window.shown")
        finally:
            browser.close()
    assert shown[0] == "Ada sent 4× Jollof Rice ×3"
    assert shown[1:13] == [
        f"V{n:02d} sent {2 if n == 3 else 1}× Jollof Rice{' ×2' if n == 3 else ''}" for n in range(1, 13)
    ]
    assert shown[13:] == ["…and 5 more gifts (25 coins) from 2 viewers"]
