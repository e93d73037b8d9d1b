"""Both analytics pages in Debian's chromium at phone and desktop size: the charts draw under the site's strict
Content-Security-Policy (nothing refused: uPlot styles elements through the CSSOM), every chart has its table,
the range picker works without script, nothing scrolls sideways, and axe finds nothing serious."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from analytics.services import stream_rollup
from streams.tests.browser import ARGS, CHROMIUM, SIZES, session_cookie
from streams.tests.test_pages_accessible_browser import AXE_RUN, PAGE_FACTS, axe_core

pytestmark = pytest.mark.needs_chromium

CSP_WATCH = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def draw_every_chart(page) -> None:
    """Charts are drawn as they scroll into view: bring each there and wait for its canvas."""
    charts = page.locator(".analytics-chart")
    for index in range(charts.count()):
        charts.nth(index).scroll_into_view_if_needed()
        charts.nth(index).locator("canvas").wait_for()


def console_error(message, errors: list) -> None:
    """A console error, but not the notification socket's refused handshake: the test's live server is WSGI
    (no WebSockets), where every signed-in page's bell socket gets a 404."""
    if message.type == "error" and "/ws/notifications/" not in message.text:
        errors.append(message.text)


def test_the_analytics_pages_draw_their_charts_and_are_accessible(live_server, busy_stream):
    from playwright.sync_api import sync_playwright

    axe = axe_core()
    stream_rollup(stream_id=busy_stream.pk)
    cookie = session_cookie(busy_stream.creator, urlsplit(live_server.url).netloc)
    pages = {
        "creator": (reverse("studio-analytics"), 4),  # revenue, followers, audience, hours
        "stream": (reverse("studio-stream-analytics", args=[busy_stream.pk]), 2),  # viewers, chat and gifts
    }
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for size, device in SIZES.items():
                strict = browser.new_context(**device)
                strict.add_cookies([cookie])
                page = strict.new_page()
                page.add_init_script(CSP_WATCH)
                errors = []
                page.on("console", lambda message, errors=errors: console_error(message, errors))
                for name, (path, charts) in pages.items():
                    where = f"{name} ({size})"
                    page.goto(live_server.url + path)
                    draw_every_chart(page)
                    drawn = page.locator(".analytics-chart.drawn canvas").count()
                    if drawn != charts:
                        problems.append(f"{where}: {drawn} charts drawn, not {charts}")
                    if page.evaluate("window.cspViolations"):
                        problems.append(f"{where}: CSP refused {page.evaluate('window.cspViolations')}")
                    legend = page.locator(".analytics-chart .u-legend").first.inner_text()
                    if "Viewers" not in legend and "Gifts" not in legend:
                        problems.append(f"{where}: the legend names no series: {legend!r}")
                    tables = page.locator("details table caption").count()
                    if tables < 1:
                        problems.append(f"{where}: no table behind the charts")
                    facts = page.evaluate(PAGE_FACTS)
                    # Against the device's width: a phone zooms out to fit what overflows (innerWidth grows too).
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > device["viewport"]["width"] or facts["h1"] != 1:
                        problems.append(f"{where}: {width} px wide, {facts}")
                # The range picker, without script: a preset, then a custom range.
                page.goto(live_server.url + pages["creator"][0])
                page.get_by_role("link", name="Last 7 days").click()
                page.wait_for_url("**?days=7")
                if page.locator("details").first.locator("tbody tr").count() != 7:
                    problems.append(f"preset ({size}): not 7 days")
                page.fill("#id_from", "2026-01-01")
                page.fill("#id_to", "2026-01-03")
                page.get_by_role("button", name="Show").click()
                page.wait_for_url("**from=2026-01-01**")
                if page.locator("details").first.locator("tbody tr").count() != 3:
                    problems.append(f"custom range ({size}): not 3 days")
                if errors:
                    problems.append(f"{size}: console errors {errors}")
                strict.close()

                audit = browser.new_context(bypass_csp=True, **device)  # bypass_csp: to add axe's script
                audit.add_cookies([cookie])
                page = audit.new_page()
                for name, (path, _) in pages.items():
                    page.goto(live_server.url + path)
                    draw_every_chart(page)
                    page.locator("details").first.locator("summary").click()  # a table open, checked too
                    page.add_script_tag(path=str(axe))
                    violations = page.evaluate(AXE_RUN)
                    if violations:
                        problems.append(f"{name} ({size}): axe {violations}")
                audit.close()
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)
