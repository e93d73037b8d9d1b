"""The browser side of Web Push in Debian's chromium: the settings page's toggle registers the service worker at
the site's root and asks for permission only on a click; the service worker shows a pushed notification.

Headless chromium has no push service to subscribe with (``pushManager.subscribe`` needs Google's FCM, and
nothing here leaves the machine; headless chromium answers "Registration failed - permission denied"), so the
toggle's subscribe step is checked to fail politely and leave the toggle off, and the service
worker's push handler is driven with a push message delivered through the DevTools protocol
(``ServiceWorker.deliverPushMessage``): the same event a push service's message raises.
"""

import json
from urllib.parse import urlsplit

import pytest

from accounts.tests.factories import UserFactory
from streams.tests.browser import ARGS, CHROMIUM, SIZES, fits_the_phone, session_cookie
from streams.tests.test_pages_accessible_browser import AXE_RUN, axe_core

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]

NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.getRegistration('/');
  const shown = registration ? await registration.getNotifications() : [];
  return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, icon: n.icon, url: n.data && n.data.url}));
}"""


def test_the_toggle_registers_the_worker_and_a_push_shows_a_notification(live_server, push_service):
    from playwright.sync_api import sync_playwright

    axe = axe_core()
    user = UserFactory()
    cookie = session_cookie(user, urlsplit(live_server.url).netloc)
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for size, device in SIZES.items():
                audit = browser.new_context(bypass_csp=True, **device)  # bypass_csp: to add axe's script
                audit.add_cookies([cookie])
                page = audit.new_page()
                page.goto(live_server.url + "/notifications/settings/")
                toggle = page.get_by_role("button", name="Turn on browser notifications")
                toggle.wait_for()
                box = toggle.bounding_box()
                if box["height"] < 44:
                    problems.append(f"{size}: the toggle is {box['height']} px tall")
                if size == "phone":
                    fits_the_phone(page)
                page.add_script_tag(path=str(axe))
                if violations := page.evaluate(AXE_RUN):
                    problems.append(f"{size}: axe {violations}")
                audit.close()

                # Under the site's strict Content-Security-Policy from here on.
                context = browser.new_context(**device)
                context.add_cookies([cookie])
                page = context.new_page()
                asked = []
                page.expose_function("permissionAsked", lambda asked=asked: asked.append(1))
                page.add_init_script(
                    "const ask = Notification.requestPermission.bind(Notification);"
                    "Notification.requestPermission = () => { window.permissionAsked(); return ask(); };"
                    "window.cspViolations = [];"
                    "document.addEventListener('securitypolicyviolation',"
                    " (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
                )
                page.goto(live_server.url + "/notifications/settings/")
                toggle = page.get_by_role("button", name="Turn on browser notifications")
                toggle.wait_for()
                status = page.locator("[data-push-status]")
                assert status.get_attribute("aria-live") == "polite"
                assert status.text_content() == "Browser notifications are off on this device."
                assert asked == [], "permission asked before any click"

                context.grant_permissions(["notifications"], origin=live_server.url)
                toggle.click()
                page.wait_for_function(
                    "() => !/Turning/.test(document.querySelector('[data-push-status]').textContent)", timeout=20000
                )
                assert asked == [1]
                registration = page.evaluate(
                    "async () => { const r = await navigator.serviceWorker.getRegistration('/');"
                    " return r && {scope: r.scope, script: (r.active || r.waiting || r.installing).scriptURL}; }"
                )
                assert registration == {"scope": live_server.url + "/", "script": live_server.url + "/sw.js"}
                text = status.text_content()
                subscribed = page.evaluate(
                    "async () => !!(await (await navigator.serviceWorker.ready).pushManager.getSubscription())"
                )
                # Without a push service the browser refuses to subscribe: the page says so and stays off.
                if subscribed:
                    assert text == "Browser notifications are on for this device.", text
                else:
                    assert text.startswith("That did not work"), text
                    assert toggle.get_attribute("aria-pressed") == "false"

                # A push message reaches the service worker: it shows the notification the server sent.
                page.evaluate("navigator.serviceWorker.ready")
                cdp = context.new_cdp_session(page)
                registrations, versions = [], []
                cdp.on(
                    "ServiceWorker.workerRegistrationUpdated",
                    lambda e, seen=registrations: seen.extend(e["registrations"]),
                )
                cdp.on("ServiceWorker.workerVersionUpdated", lambda e, seen=versions: seen.extend(e["versions"]))
                cdp.send("ServiceWorker.enable")
                ours, active = [], []
                # The events come when they come (seconds on a loaded machine); a push is delivered only to a
                # worker that has activated.
                for _ in range(200):
                    ours = [r for r in registrations if r["scopeURL"] == live_server.url + "/" and not r["isDeleted"]]
                    ids = {r["registrationId"] for r in ours}
                    active = [v for v in versions if v["registrationId"] in ids and v["status"] == "activated"]
                    if active:
                        break
                    page.wait_for_timeout(100)
                assert ours and active, (registrations, versions)
                data = {
                    "title": "Ada is live",
                    "body": "Yoruba for beginners",
                    "url": live_server.url + "/notifications/settings/",
                    "icon": live_server.url + "/static/img/notification-icon.png",
                    "tag": "live-1",
                }
                cdp.send(
                    "ServiceWorker.deliverPushMessage",
                    {
                        "origin": live_server.url + "/",
                        "registrationId": ours[0]["registrationId"],
                        "data": json.dumps(data),
                    },
                )
                page.wait_for_function(f"({NOTIFICATIONS})().then((n) => n.length > 0)", timeout=20000)
                [shown] = page.evaluate(NOTIFICATIONS)
                assert shown == {
                    "title": "Ada is live",
                    "body": "Yoruba for beginners",
                    "tag": "live-1",
                    "icon": data["icon"],
                    "url": data["url"],
                }
                if violations := page.evaluate("window.cspViolations"):
                    problems.append(f"{size}: CSP refused {violations}")
                context.close()
        finally:
            browser.close()
    assert problems == []
