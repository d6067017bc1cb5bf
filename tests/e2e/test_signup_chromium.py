"""An association signs up in a real browser and works in Arabic in its own workspace."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.live import LiveStack

pytestmark = pytest.mark.e2e

ARABIC = re.compile(r"[\u0600-\u06FF]")

SLUG = "al-amal"
NAME_AR = "جمعية الأمل الخيرية"
NAME_EN = "Al-Amal Charity"
EMAIL = "huda@al-amal.example"
PASSWORD = "Nakhla-Tamr-2026"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    # The first sign-up of a fresh deployment also migrates the base schema it clones.
    context.set_default_navigation_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def expect_arabic_workspace(page: Page, live_stack: LiveStack) -> None:
    expect(page).to_have_url(live_stack.url("/app/", slug=SLUG))
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("header")).to_contain_text(NAME_AR)
    expect(page.locator("header")).not_to_contain_text(NAME_EN)
    expect(page.locator("h1")).to_have_text(ARABIC)


def fill_signup(page: Page, *, slug: str, name_ar: str, name_en: str, email: str) -> None:
    page.fill("input[name=name_ar]", name_ar)
    page.fill("input[name=name_en]", name_en)
    page.fill("input[name=slug]", slug)
    page.fill("input[name=admin_name]", "هدى العتيبي")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)


def associations(live_stack: LiveStack) -> list[tuple]:
    return live_stack.sql(
        "SELECT a.slug, a.name_ar, d.domain FROM tenants_association a"
        " LEFT JOIN tenants_domain d ON d.tenant_id = a.id ORDER BY a.slug, d.domain"
    )


def test_association_signs_up_and_works_in_arabic(live_stack: LiveStack, page: Page):
    page.goto(live_stack.url("/"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("a[href='/signup/']").first.click()
    expect(page).to_have_url(live_stack.url("/signup/"))

    fill_signup(page, slug=SLUG, name_ar=NAME_AR, name_en=NAME_EN, email=EMAIL)
    screenshot(page, "signup.png")
    page.locator("main form button[type=submit]").click()

    # Signed in on the association's own host, by the one-time handoff.
    page.wait_for_url(live_stack.url("/app/", slug=SLUG))
    expect_arabic_workspace(page, live_stack)
    screenshot(page, "workspace.png")
    assert (SLUG, NAME_AR, f"{SLUG}.localhost") in associations(live_stack)

    # Sign out: the workspace is closed again.
    page.locator("#user-menu summary").click()  # the user menu holds the sign-out
    with page.expect_navigation():
        page.locator("header form[action$='/accounts/logout/'] button").click()
    expect(page.locator("header form[action$='/accounts/logout/']")).to_have_count(0)
    page.goto(live_stack.url("/app/", slug=SLUG))
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Sign in again with the e-mail and password chosen at sign-up.
    page.goto(live_stack.url("/accounts/login/", slug=SLUG))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    screenshot(page, "login.png")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_stack.url("/app/", slug=SLUG))
    expect_arabic_workspace(page, live_stack)

    # On a phone, nothing runs off the side of the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect_arabic_workspace(page, live_stack)
    screenshot(page, "workspace-phone.png")
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"the workspace overflows on a phone: {widths}"


def test_taken_address_is_refused_and_nothing_is_created(live_stack: LiveStack, page: Page):
    page.goto(live_stack.url("/signup/"))
    fill_signup(
        page, slug="taken-test", name_ar="جمعية الأولى", name_en="First", email="a@first.example"
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_stack.url("/app/", slug="taken-test"))
    before = associations(live_stack)

    page.goto(live_stack.url("/signup/"))
    fill_signup(
        page, slug="taken-test", name_ar="جمعية الثانية", name_en="Second", email="b@second.example"
    )
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(live_stack.url("/signup/"))
    error = page.locator(".field:has(input[name=slug]) [role=alert]")
    expect(error).to_be_visible()
    expect(error).to_have_text(ARABIC)
    # What the visitor typed is kept, except the password.
    expect(page.locator("input[name=name_ar]")).to_have_value("جمعية الثانية")
    expect(page.locator("input[name=password]")).to_have_value("")
    screenshot(page, "signup-taken.png")
    assert associations(live_stack) == before
    schemas = live_stack.sql(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'a_taken_test'"
    )
    assert schemas == [(1,)]
    members = live_stack.sql("SELECT email FROM a_taken_test.accounts_user")
    assert members == [("a@first.example",)]
