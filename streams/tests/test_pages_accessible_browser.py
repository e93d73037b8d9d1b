"""Every page a viewer or creator meets, walked in Debian's chromium at phone (390x844, touch) and desktop
(1366x900) size: axe-core finds no serious or critical violation, a phone never scrolls sideways, each page
has its language, a <title>, a meta description and one h1, and nothing is fetched from another host (the
configured HLS origin apart) and nothing the page asks for is refused (a premium stream's chat for a viewer
without access, say). Lighthouse stays a manual measurement (README, "Pages checked").

axe-core comes from npm (package.json's devDependencies, so `npm ci` puts it in node_modules/), or from
AXE_CORE_JS."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import verification_apply
from accounts.tests.factories import UserFactory
from chat.models import ChatMessage
from chat.services import chat_channel_ban_create, chat_channel_blocked_term_add, chat_channel_moderator_add
from gifts.tests.factories import GiftFactory
from streams.models import Clip, CreatorProfile, ScheduleSlot
from streams.tests.factories import StreamFactory, recording_opened_at
from streams.tests.test_player_browser import ARGS, CHROMIUM, session_cookie
from wallet.services import coins_grant, payment_initiate
from wallet.tests.factories import CoinPackageFactory

pytestmark = pytest.mark.needs_chromium

ROOT = Path(__file__).resolve().parents[2]
AXE_PLACES = [
    os.environ.get("AXE_CORE_JS", ""),
    ROOT / "node_modules/axe-core/axe.min.js",
    "/tmp/lh/node_modules/axe-core/axe.min.js",  # noqa: S108 - where the README's measurement installs it
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
# preload: only the stylesheets; axe would otherwise wait up to 10 s for each video's metadata (no-autoplay-audio).
AXE_RUN = (
    "async () => (await axe.run(document, {resultTypes: ['violations'], preload: {assets: ['cssom']}})).violations"
    ".filter(v => ['serious', 'critical'].includes(v.impact))"
    ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
)
PAGE_FACTS = """() => ({
  lang: document.documentElement.lang,
  title: document.title.trim(),
  description: (document.querySelector('meta[name=description]') || {}).content || '',
  h1: document.querySelectorAll('h1').length,
  sideways: document.documentElement.scrollWidth - innerWidth,
})"""


def axe_core() -> Path:
    for place in AXE_PLACES:
        if place and Path(place).is_file():
            return Path(place)
    message = "axe-core is not installed: npm ci (package.json's devDependencies), or set AXE_CORE_JS"
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


def requests_elsewhere(page, own: set[str]) -> list[str]:
    """The URLs the page asks for from any host but ``own`` (as the browser sends them)."""
    found: list[str] = []

    def check(request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc not in own:
            found.append(request.url)

    page.on("request", check)
    return found


def refused_requests(page) -> list[str]:
    """The page's own requests (scripts, images, API calls) that the server answered with an error. A live
    stream's playlist answered 404 is not one: the player waits for the broadcast then (these test streams have
    no encoder; with a media server on the default port, `make serve` say, its 404 arrives instead of a refusal)."""
    found: list[str] = []

    def seen(response) -> None:
        if response.status < 400 or response.request.resource_type == "document":
            return
        if response.status == 404 and urlsplit(response.url).path.endswith(".m3u8"):
            return
        found.append(f"{response.status} {response.url}")

    page.on("response", seen)
    return found


def the_pages(live_server, settings) -> tuple[list[tuple[str, str, str | None, bool]], dict]:
    """(name, path, who is signed in, open the gift panel) for each page, and each signed-in user."""
    settings.SITE_URL = live_server.url
    creator = UserFactory(display_name="Ada Okafor", is_verified=True)  # her badge on the cards and pages
    creator = UserFactory(display_name="Ada Okafor", is_verified=True)
    # The channel page with everything it can show: bio, links, a light brand colour, the schedule, subscribing.
    profile = CreatorProfile.objects.create(
        user=creator,
        bio="Maths teacher from Enugu.",
        brand_colour="#ffcc00",
        social_links={"website": "https://ada.example/", "youtube": "https://youtube.com/@ada"},
        subscription_price_coins=30,
    )
    ScheduleSlot.objects.create(profile=profile, weekday=2, start_time="18:00", duration_minutes=90, title="Algebra")
    viewer, newcomer = UserFactory(display_name="Tunde"), UserFactory(display_name="New viewer")
    coins_grant(user=viewer, coins=500, reason="test")
    GiftFactory(name="Talking drum")
    live = StreamFactory(live=True, creator=creator, title="Algebra live")
    ChatMessage.objects.create(stream=live, user=viewer, content="Good evening Ada")
    # The studio's moderation page with a row in each list.
    chat_channel_moderator_add(creator=creator, actor=creator, user=viewer)
    chat_channel_ban_create(creator=creator, actor=creator, user=newcomer, duration_seconds=600, reason="spam")
    chat_channel_blocked_term_add(creator=creator, actor=creator, term="wahala")
    scheduled = StreamFactory(
        creator=creator, title="Yoruba for beginners", scheduled_start_time=timezone.now() + timedelta(days=2)
    )
    premium = StreamFactory(live=True, creator=creator, title="Masterclass", is_premium=True, price_coins=50)
    opened = timezone.now().replace(microsecond=0) - timedelta(days=1)
    ended = StreamFactory(
        creator=creator, title="Fractions", status="ended", started_at=opened, ended_at=opened + timedelta(minutes=10)
    )
    recording = recording_opened_at(ended, opened)
    recording.file.save("replay.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"))  # the page, not the playback
    clip = Clip.objects.create(
        stream=ended, recording=recording, created_by=creator, title="Best bit", start_seconds=1, duration_seconds=5
    )
    verification_apply(user=viewer, full_name="Tunde Bello", about="A viewer.", reason="To try.")
    package = CoinPackageFactory()
    payment = payment_initiate(user=newcomer, package_id=package.pk, payment_method="card", callback_url="/wallet/")
    reset = (
        f"/accounts/reset/{urlsafe_base64_encode(force_bytes(viewer.pk))}/{default_token_generator.make_token(viewer)}/"
    )
    pages = [
        ("home", "/", None, False),
        ("live, signed out", f"/streams/{live.pk}/", None, False),
        ("live, viewer with the gift panel open", f"/streams/{live.pk}/", "viewer", True),
        ("live, its creator", f"/streams/{live.pk}/", "creator", False),
        ("scheduled (offline overlay)", f"/streams/{scheduled.pk}/", None, False),
        ("ended (replay)", f"/streams/{ended.pk}/", None, False),
        ("premium without access", f"/streams/{premium.pk}/", "newcomer", False),
        ("channel, signed out", f"/@{creator.username}/", None, False),
        ("channel, viewer", f"/@{creator.username}/", "viewer", False),
        ("channel, its creator", f"/@{creator.username}/", "creator", False),
        ("wallet at 0 coins", "/wallet/", "newcomer", False),
        ("wallet with history", "/wallet/", "viewer", False),
        ("log in", "/accounts/login/", None, False),
        ("sign up", "/accounts/signup/", None, False),
        ("settings", "/accounts/settings/", "viewer", False),
        ("studio moderation", "/studio/moderation/", "creator", False),
        ("password reset", "/accounts/password-reset/", None, False),
        ("password reset sent", "/accounts/password-reset/sent/", None, False),
        ("password reset link", reset, None, False),
        ("password reset complete", "/accounts/reset/done/", None, False),
        ("password change", "/accounts/password/", "viewer", False),
        ("password change done", "/accounts/password/done/", "viewer", False),
        ("sandbox checkout", f"/checkout/sandbox/{payment.reference}", "newcomer", False),
        ("404", "/no-such-page/", None, False),
        ("studio recordings and clips", "/studio/recordings/", "creator", False),
        ("studio recording: cut a clip", f"/studio/recordings/{recording.pk}/", "creator", False),
        ("studio: delete a clip", f"/studio/recordings/clips/{clip.pk}/delete/", "creator", False),
        ("studio verification: verified", "/studio/verification/", "creator", False),
        ("studio verification: under review", "/studio/verification/", "viewer", False),
        ("studio: the creator's streams", "/studio/", "creator", False),
        ("studio: new stream", "/studio/streams/new/", "creator", False),
        ("studio: edit a stream", f"/studio/streams/{scheduled.pk}/edit/", "creator", False),
        ("studio: delete a stream", f"/studio/streams/{scheduled.pk}/delete/", "creator", False),
        ("studio: a live stream is not deleted", f"/studio/streams/{live.pk}/delete/", "creator", False),
        ("studio: a live stream's dashboard", f"/studio/streams/{live.pk}/", "creator", False),
        ("studio: a scheduled stream", f"/studio/streams/{scheduled.pk}/", "creator", False),
        ("studio: an ended stream", f"/studio/streams/{ended.pk}/", "creator", False),
        ("studio: money", "/studio/money/", "creator", False),
        ("studio: analytics", "/studio/analytics/", "creator", False),
        ("studio: a stream's analytics", f"/studio/analytics/streams/{ended.pk}/", "creator", False),
    ]
    cookies = {
        name: session_cookie(user, live_server.url)
        for name, user in (("viewer", viewer), ("creator", creator), ("newcomer", newcomer))
    }
    return pages, cookies


# Four runs, each well inside the suite's per-test timeout: the viewer's pages and the studio's, at each size.
@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("part", ["site", "studio"])
def test_every_page_is_accessible_fits_a_phone_and_loads_nothing_from_another_host(live_server, settings, size, part):
    from playwright.sync_api import sync_playwright

    axe = axe_core()
    pages, cookies = the_pages(live_server, settings)
    pages = [page for page in pages if page[1].startswith("/studio/") == (part == "studio")]
    device = PHONE if size == "phone" else DESKTOP
    own = {urlsplit(live_server.url).netloc, urlsplit(django_settings.HLS_BASE_URL).netloc}
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for who in (None, "viewer", "creator", "newcomer"):
                context = browser.new_context(bypass_csp=True, **device)  # bypass_csp: to add axe's script
                if who:
                    context.add_cookies([cookies[who]])
                page = context.new_page()
                foreign = requests_elsewhere(page, own)
                refused = refused_requests(page)
                headers_misread = []  # what the browser says it could not make of a security header
                page.on(
                    "console",
                    lambda message, seen=headers_misread: (
                        seen.append(message.text) if "Permissions-Policy" in message.text else None
                    ),
                )
                for name, path, signed_in, open_gifts in pages:
                    if signed_in != who:
                        continue
                    where = f"{name} ({size})"
                    # The deferred scripts have run (after the stylesheet) by DOMContentLoaded; "load" would
                    # also wait on the replay's video, which is not a real recording here.
                    page.goto(live_server.url + path, wait_until="domcontentloaded")
                    if open_gifts:
                        page.click("#gift-open")
                        page.locator("#gift-panel").wait_for(state="visible")
                    page.add_script_tag(path=str(axe))
                    violations = page.evaluate(AXE_RUN)
                    facts = page.evaluate(PAGE_FACTS)
                    if violations:
                        problems.append(f"{where}: axe {violations}")
                    if size == "phone" and facts["sideways"] > 0:
                        problems.append(f"{where}: scrolls {facts['sideways']} px sideways at 390 px")
                    if facts["lang"] != "en" or not facts["title"] or not facts["description"] or facts["h1"] != 1:
                        problems.append(f"{where}: lang, title, description or a single h1 missing: {facts}")
                if refused:
                    problems.append(f"{size}, {who or 'signed out'}: refused requests {sorted(set(refused))}")
                if headers_misread:
                    problems.append(f"{size}, {who or 'signed out'}: {sorted(set(headers_misread))}")
                if foreign:
                    problems.append(f"{size}, {who or 'signed out'}: requests to another host {sorted(set(foreign))}")
                context.close()
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)
