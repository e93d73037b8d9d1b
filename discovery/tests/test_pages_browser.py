"""Home -> a category -> a stream in Debian's chromium at phone and desktop size, signed in: the rows with the
why, the category's sub-categories and streams, touch-sized links, no sideways scroll, axe finds nothing
serious on home or the category page."""

from urllib.parse import urlsplit

import pytest

from accounts.tests.factories import UserFactory
from discovery.services import trending_refresh
from discovery.tests.conftest import ended, live, upcoming, watched
from streams.services import follow_create
from streams.tests.browser import ARGS, CHROMIUM, SIZES, session_cookie
from streams.tests.factories import CategoryFactory
from streams.tests.test_pages_accessible_browser import AXE_RUN, PAGE_FACTS, axe_core

pytestmark = pytest.mark.needs_chromium


@pytest.fixture
def catalogue(db):
    viewer = UserFactory(display_name="Bisi")
    ada = UserFactory(display_name="Ada")
    follow_create(follower=viewer, creator=ada)
    maths = CategoryFactory(name="Mathematics", slug="mathematics", icon="➗")
    algebra = CategoryFactory(name="Algebra", slug="algebra", parent=maths)
    live(creator=ada, category=maths, viewers=12, title="Ada's number games")
    matrices = live(category=algebra, viewers=30, title="Matrices for beginners")
    upcoming(category=maths, title="Calculus on Friday")
    watched(viewer, ended(category=algebra, title="Groups replay"))
    ended(category=maths, title="Fractions replay")
    trending_refresh()
    return {"viewer": viewer, "matrices": matrices}


def test_home_to_a_category_to_a_stream(live_server, catalogue):
    from playwright.sync_api import sync_playwright

    axe = axe_core()
    cookie = session_cookie(catalogue["viewer"], urlsplit(live_server.url).netloc)
    matrices = catalogue["matrices"]
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for size, device in SIZES.items():
                context = browser.new_context(bypass_csp=True, **device)  # bypass_csp: to add axe's script
                context.add_cookies([cookie])
                page = context.new_page()
                page.goto(live_server.url + "/")
                headings = page.locator("h2").all_inner_texts()
                for row in ("Live now", "Live from channels you follow", "Recommended for you", "Coming up"):
                    if row not in headings:
                        problems.append(f"home ({size}): no {row!r} row in {headings}")
                live_titles = page.locator("#live-heading + ul h3").all_inner_texts()
                if live_titles[:2] != ["Matrices for beginners", "Ada's number games"]:
                    problems.append(f"home ({size}): live now in order {live_titles}")
                why = page.locator("section[aria-labelledby=recommended-heading] .why").all_inner_texts()
                if "Because you follow Ada" not in why:
                    problems.append(f"home ({size}): recommended without the why: {why}")
                problems += check_page(page, f"home ({size})", device, axe)

                link = page.get_by_role("link", name="Mathematics")
                box = link.bounding_box()
                if box is None or box["height"] < 44:
                    problems.append(f"home ({size}): the category link is {box} (under 44 px)")
                link.click()
                page.wait_for_url("**/categories/mathematics/")
                if page.locator("h1").inner_text().strip() != "➗ Mathematics":
                    problems.append(f"category ({size}): h1 {page.locator('h1').inner_text()!r}")
                if page.get_by_role("link", name="Algebra").count() != 1:
                    problems.append(f"category ({size}): no link to its sub-category")
                titles = page.locator("h3").all_inner_texts()
                for title in ("Matrices for beginners", "Calculus on Friday", "Fractions replay", "Groups replay"):
                    if title not in titles:
                        problems.append(f"category ({size}): {title!r} missing from {titles}")
                problems += check_page(page, f"category ({size})", device, axe)

                page.get_by_role("link", name="Matrices for beginners").click()
                page.wait_for_url(f"**/streams/{matrices.pk}/")
                if "Matrices for beginners" not in page.locator("h1").inner_text():
                    problems.append(f"stream ({size}): h1 {page.locator('h1').inner_text()!r}")
                context.close()
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)


def check_page(page, where: str, device: dict, axe) -> list[str]:
    problems = []
    facts = page.evaluate(PAGE_FACTS)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > device["viewport"]["width"] or facts["h1"] != 1 or not facts["title"]:
        problems.append(f"{where}: {width} px wide, {facts}")
    page.add_script_tag(path=str(axe))
    violations = page.evaluate(AXE_RUN)
    if violations:
        problems.append(f"{where}: axe {violations}")
    return problems
