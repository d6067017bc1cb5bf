"""An operator signs in with a TOTP code and creates an association from the console, in Chromium.

The provisioning runs in the live stack's real Celery worker; the job page shows its progress
(polled by platform_core/static/js/console.js) and then the new association, which the list
shows too. Screenshots under test-output/e2e/ (console-new, console-job, console-association,
console-list, console-list-phone).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.helpers import totp_code
from tests.live import LiveStack

pytestmark = pytest.mark.e2e

OPERATOR = "ops@console.example"
PASSWORD = "Qahwa-Hail-2026"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the operator's authenticator app, set up beforehand
SLUG = "al-birr"
NAME_AR = "جمعية البر بالمدينة"
NAME_EN = "Al-Birr Madinah"

ENROL = f"""
from allauth.mfa.totp.internal.auth import TOTP
from accounts.models import User
TOTP.activate(User.objects.get(email={OPERATOR!r}), {SECRET!r})
"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def operator(live_stack: LiveStack) -> str:
    live_stack.manage("create_operator", "--email", OPERATOR, "--password", PASSWORD)
    live_stack.manage("shell", "-c", ENROL)
    return OPERATOR


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def test_operator_creates_an_association_and_sees_it_listed(
    live_stack: LiveStack, operator: str, page: Page
):
    page.goto(live_stack.url("/console/"))
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/console/"))
    page.fill("input[name=login]", operator)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", totp_code(SECRET))
    page.locator("main form:has(input[name=code]) button[type=submit]:not([form])").click()
    page.wait_for_url(live_stack.url("/console/"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("nav.console-nav")).to_be_visible()

    page.locator("nav.console-nav a[href='/console/associations/new/']").click()
    page.fill("input[name=name_ar]", NAME_AR)
    page.fill("input[name=name_en]", NAME_EN)
    page.fill("input[name=slug]", SLUG)
    page.fill("input[name=admin_name]", "سارة الأنصاري")
    page.fill("input[name=email]", "sara@al-birr.example")
    page.fill("input[name=password]", "Madinah-Ajwa-2026")
    screenshot(page, "console-new.png")
    with live_stack.worker_paused():
        # Behind a busy worker the job waits, and its page says so and keeps polling.
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/console/jobs/\d+/$"))
        expect(page.locator("[data-poll] progress")).to_have_attribute("value", "0")
        expect(page.locator("ol.steps li")).to_have_count(4)
        screenshot(page, "console-job.png")
    # The worker runs it; the page, polling, reloads to show the new association.
    link = page.locator("a#new-association")
    expect(link).to_have_text(NAME_AR, timeout=60_000)
    expect(page.locator("ol.steps li.done")).to_have_count(4)
    link.click()
    expect(page.locator("h1")).to_contain_text(NAME_AR)
    expect(page.locator("dl.usage dd").first).to_have_text("1")  # its first admin
    screenshot(page, "console-association.png")

    page.goto(live_stack.url("/console/"))
    row = page.locator("table.console-table tbody tr", has_text=SLUG)
    expect(row).to_contain_text(NAME_AR)
    screenshot(page, "console-list.png")
    assert live_stack.sql(
        "SELECT actor_email FROM console_operatoraction WHERE action = 'association.created'"
        " AND association_slug = %s",
        (SLUG,),
    ) == [(OPERATOR,)]

    # On a phone the table scrolls inside its box; the page itself does not run off the side.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    screenshot(page, "console-list-phone.png")
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"the console overflows on a phone: {widths}"
