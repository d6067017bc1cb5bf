"""Issue 16's promise in Chromium: a new association, following the workspace's guidance,
uploads its bylaws, records one board meeting that approves all seven policies, its admin signs
the year's conflict-of-interest disclosure, and its /governance/ page shows the transparency
checklist green, on a phone (390 px) and a desktop
(1366 px). Screenshots under test-output/e2e/ (governance-workspace, governance-meeting,
governance-390, governance-1366)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.live import LiveStack

pytestmark = pytest.mark.e2e

SLUG = "nakheel-governance"
EMAIL = "admin@nakheel.example"
PASSWORD = "Nakheel-Sukkari-2026"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SEVEN = 7


@pytest.fixture(scope="module")
def association(live_stack: LiveStack) -> str:
    live_stack.manage(
        "create_association",
        "--slug",
        SLUG,
        "--name-ar",
        "جمعية النخيل الأهلية",
        "--name-en",
        "Al-Nakheel Society",
        "--admin-email",
        EMAIL,
        "--admin-password",
        PASSWORD,
    )
    [(schema,)] = live_stack.sql(
        "SELECT schema_name FROM tenants_association WHERE slug = %s", (SLUG,)
    )
    return schema


def _context(browser: Browser, width: int) -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(30_000)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = _context(browser, 1366)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_a_new_association_publishes_seven_policies_at_one_meeting_and_governance_is_green(
    live_stack: LiveStack, association: str, browser: Browser, page: Page, tmp_path
):
    page.goto(live_stack.url("/accounts/login/", slug=SLUG))
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_stack.url("/app/", slug=SLUG))

    # The workspace says where the association stands and what to do first: the bylaws.
    panel = page.locator("#transparency-panel")
    expect(panel).to_contain_text("درجة الشفافية الذاتية: 11%")
    expect(panel).to_contain_text("اللائحة الأساسية")
    screenshot(page, "governance-workspace")
    page.locator("#transparency-next").click()
    page.wait_for_url(live_stack.url("/app/settings/governance/", slug=SLUG))
    bylaws = tmp_path / "bylaws.pdf"
    bylaws.write_bytes(PDF)
    page.locator("input[name=file]").set_input_files(str(bylaws))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("نُشرت اللائحة الأساسية")

    # Back in the workspace, the next step leads to the policies; one meeting approves all seven.
    page.goto(live_stack.url("/app/", slug=SLUG))
    expect(panel).to_contain_text("درجة الشفافية الذاتية: 22%")
    page.locator("#transparency-next").click()
    page.wait_for_url(live_stack.url("/app/settings/policies/", slug=SLUG))
    meeting = page.locator("#board-meeting")
    boxes = meeting.locator("input[name=kinds]")
    expect(boxes).to_have_count(SEVEN)
    for index in range(SEVEN):
        boxes.nth(index).check()
    meeting.locator("input[name=meeting_number]").fill("14/02")
    meeting.locator("select[name=approved_on_hijri_day]").select_option("26")
    meeting.locator("select[name=approved_on_hijri_month]").select_option("10")
    meeting.locator("input[name=approved_on_hijri_year]").fill("1446")
    expect(meeting.locator("[data-gregorian-of-hijri]")).to_have_text("24/04/2025")
    meeting.locator("input[name=chair_name]").fill("سلمان بن فهد العتيبي")
    screenshot(page, "governance-meeting")
    with page.expect_navigation():
        meeting.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("ونُشرت 7 سياسات.")
    versions = live_stack.sql(
        f'SELECT kind, number FROM "{association}".publishing_policyversion ORDER BY kind'
    )
    assert len(versions) == SEVEN and {number for _kind, number in versions} == {1}

    # Published is not yet practised: the conflict-of-interest policy waits for the year's
    # disclosures. The workspace leads to the register; the admin signs their own.
    page.goto(live_stack.url("/app/", slug=SLUG))
    expect(panel).to_contain_text("درجة الشفافية الذاتية: 94%")
    page.locator("#transparency-next").click()
    page.wait_for_url(live_stack.url("/app/disclosures/", slug=SLUG))
    expect(page.locator("#disclosure-register tr.not-disclosed")).to_have_count(1)
    page.locator("#register-mine").click()
    page.wait_for_url(live_stack.url("/app/disclosure/", slug=SLUG))
    form = page.locator("#disclosure-form")
    form.locator("input[name=no_conflict]").check()
    form.locator("input[name=signed_name]").fill("سلمان بن فهد العتيبي")
    form.locator("input[name=declared]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("وُقّع إفصاحكم وسُجّل")
    expect(page.locator("#disclosure-history")).to_contain_text("لا يوجد تعارض في المصالح")

    # The public governance page, on a phone and on a desktop: every practice met.
    for width in (390, 1366):
        context = _context(browser, width)
        try:
            visitor = context.new_page()
            visitor.goto(live_stack.url("/governance/", slug=SLUG))
            expect(visitor.locator("html")).to_have_attribute("lang", "ar")
            checklist = visitor.locator("#transparency-checklist")
            expect(checklist.locator("tr.score-100")).to_have_count(SEVEN + 2)
            expect(checklist.locator("tr.score-0, tr.score-50")).to_have_count(0)
            expect(visitor.locator("#transparency-total")).to_contain_text("100%")
            expect(visitor.locator("#transparency-total")).to_contain_text("جميع الممارسات مستوفاة")
            expect(visitor.locator(".governance-policies > li")).to_have_count(SEVEN)
            expect(visitor.locator("#governance-whistleblowing")).to_contain_text("14/02")
            expect(visitor.locator("#governance-whistleblowing")).to_contain_text("26/10/1446هـ")
            widths = visitor.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], f"{width} px scrolls sideways: {widths}"
            screenshot(visitor, f"governance-{width}")
            # The home page and the footer lead here; a policy's page reads in English too.
            visitor.goto(live_stack.url("/", slug=SLUG))
            expect(visitor.locator("#home-governance")).to_be_visible()
            expect(visitor.locator("#footer-governance")).to_have_attribute("href", "/governance/")
            visitor.goto(live_stack.url("/policies/whistleblowing/?lang=en", slug=SLUG))
            expect(visitor.locator("h1.policy-title")).to_have_text("Whistleblowing Policy")
        finally:
            context.close()
