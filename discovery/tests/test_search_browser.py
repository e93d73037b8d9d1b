"""The header's search box and the search page in Debian's chromium: suggestions as you type, chosen with the
keyboard (ARIA combobox), and axe-core clean at phone and desktop size."""

import re

import pytest

from accounts.tests.factories import UserFactory
from discovery.tests.factories import make_stream
from streams.models import Category
from streams.tests.browser import ARGS, CHROMIUM, SIZES, fits_the_phone
from streams.tests.test_pages_accessible_browser import AXE_RUN, axe_core

pytestmark = [pytest.mark.needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def yoruba(db):
    Category.objects.create(name="Languages", slug="languages", icon="🗣")
    make_stream(creator=UserFactory(username="hausateacher"), title="Hausa greetings", status="live")
    return make_stream(
        creator=UserFactory(username="adeola", display_name="Adéọlá"),
        title="Yorùbá for beginners",
        description="Greetings and tones",
        tags=["yoruba"],
        status="live",
        viewers=12,
        category="languages",
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_typing_yor_offers_the_yoruba_stream_and_the_keyboard_opens_it(live_server, yoruba, size):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(**SIZES[size]).new_page()
            page.goto(live_server.url + "/", wait_until="domcontentloaded")
            box = page.get_by_role("combobox", name="Search streams, creators and categories")
            expect(box).to_have_attribute("aria-expanded", "false")
            box.click()
            box.press_sequentially("yor", delay=40)

            listbox = page.get_by_role("listbox", name="Suggestions")
            option = listbox.get_by_role("option", name=re.compile("Yorùbá for beginners"))
            expect(option).to_be_visible()
            expect(box).to_have_attribute("aria-expanded", "true")
            expect(listbox.get_by_role("option", name=re.compile("Hausa"))).to_have_count(0)
            if size == "phone":
                fits_the_phone(page)

            # Arrow keys move the active option (aria-activedescendant); Escape closes, ArrowDown reopens.
            box.press("ArrowDown")
            first = listbox.get_by_role("option").first
            expect(first).to_have_attribute("aria-selected", "true")
            expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
            box.press("Escape")
            expect(box).to_have_attribute("aria-expanded", "false")
            expect(listbox).to_be_hidden()
            box.press("ArrowDown")
            expect(box).to_have_attribute("aria-expanded", "true")
            for _ in range(8):
                if option.get_attribute("aria-selected") == "true":
                    break
                box.press("ArrowDown")
            expect(option).to_have_attribute("aria-selected", "true")
            expect(box).to_be_focused()

            box.press("Enter")
            page.wait_for_url(f"**/streams/{yoruba.pk}/")
            expect(page.get_by_role("heading", level=1)).to_contain_text("Yorùbá for beginners")
        finally:
            browser.close()


def test_enter_without_a_chosen_option_submits_to_the_search_page(live_server, yoruba):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(**SIZES["desktop"]).new_page()
            page.goto(live_server.url + "/", wait_until="domcontentloaded")
            box = page.get_by_role("combobox", name="Search streams, creators and categories")
            box.fill("yoruba")
            box.press("Enter")
            page.wait_for_url("**/search/?q=yoruba")
            expect(page.get_by_role("heading", level=1)).to_have_text("Results for “yoruba”")
            expect(page.locator(".card h3")).to_have_text(["Yorùbá for beginners"])
        finally:
            browser.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_search_page_is_accessible_and_fits_a_phone(live_server, yoruba, size):
    from playwright.sync_api import expect, sync_playwright

    axe = axe_core()
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(bypass_csp=True, **SIZES[size]).new_page()  # bypass_csp: axe's script
            for path in ("/search/", "/search/?q=yoruba", "/search/?q=zzqqxx", "/search/?q=ad&type=creators"):
                page.goto(live_server.url + path, wait_until="domcontentloaded")
                page.add_script_tag(path=str(axe))
                violations = page.evaluate(AXE_RUN)
                if violations:
                    problems.append(f"{path} ({size}): {violations}")
                if size == "phone":
                    fits_the_phone(page)
                assert page.locator("h1").count() == 1
            # With the suggestions open, too.
            box = page.get_by_role("combobox", name="Search streams, creators and categories")
            box.fill("yor")
            expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()
            box.press("ArrowDown")
            page.add_script_tag(path=str(axe))
            violations = page.evaluate(AXE_RUN)
            if violations:
                problems.append(f"suggestions open ({size}): {violations}")
            if size == "phone":
                fits_the_phone(page)
        finally:
            browser.close()
    assert problems == []
