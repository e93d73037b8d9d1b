"""What the browser tests share: Debian's chromium and its flags, the phone and desktop sizes, a signed-in
session for a context, logging in through the form, and the page checks more than one test makes."""

import shutil

from django.test import Client

from accounts.tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}

# Before the page's scripts: the room's first event (the socket is in the room) and every page:stream-state.
HEAR_ROOM = """window.roomEvents = [];
document.addEventListener('room:stream_status', (e) => window.roomEvents.push(e.detail));"""


def session_cookie(user, host: str) -> dict:
    """``user`` signed in, as a cookie for the server at ``host`` (host:port). Use the ORM before Playwright's
    loop starts in the thread."""
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": f"http://{host}"}


def log_in(page, host: str, user, path: str = "/") -> None:
    """Log ``user`` (whose password is the factories' PASSWORD) in through the log-in form on the server at
    ``host`` (host:port), landing on ``path``: the way a person signs in, session cookie and all."""
    page.goto(f"http://{host}/accounts/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button[type=submit]")  # not the header's search
    # Landed and loaded (its deferred scripts ran): a test that types at once types into a working page.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def fits_the_phone(page) -> None:
    """No sideways scroll at 390 px."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.url
