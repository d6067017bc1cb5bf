"""What a person needs, in Chromium at 1366 and 390 px: a new admin guided by the setup
checklist inside the app shell, and a beneficiary on a phone led from the association's home to
a request and its status page. Every page: no sideways scroll, no English word on an Arabic
page, no console error (a CSP violation is one), no serious or critical axe-core violation
(axe-core 4.14.1, MPL-2.0, vendored under vendor/ for the tests only and injected by
Playwright, outside the page's CSP). Screenshots under test-output/e2e/ux-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.helpers import REQUEST_FORM, totp_code
from tests.live import LiveStack

pytestmark = pytest.mark.e2e

SLUG = "amal-ux"
NAME_AR = "جمعية الأمل للتنمية"
ADMIN = f"admin@{SLUG}.example"
PASSWORD = "Rutab-Sukkari-2026"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

PUBLISH = """
import datetime
from django_tenants.utils import schema_context
from publishing.services import (
    policy_draft_approve, policy_draft_ensure, policy_draft_update, policy_publish,
)
from tenants.models import Association

association = Association.objects.get(slug={slug!r})
with schema_context(association.schema_name):
    policy_draft_ensure()
    policy_draft_update(data={{
        "channels": ["interview", "phone", "website"],
        "referral_roles": ["social_researcher"],
        "committee_deadline": {{"kind": "working", "days": 10}},
    }})
    policy_draft_approve(
        meeting_number="3", approved_on=datetime.date(2025, 1, 15), chair_name="رئيس المجلس"
    )
    policy_publish(actor_email={admin!r})
"""

# Latin words left once left-to-right runs (e-mails, references, links, the language switch and
# the English name, all marked dir="ltr" or lang="en") and e-mail addresses are taken out:
# untranslated text. The names of formats stay Latin in Arabic too.
LATIN_WORDS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[dir=ltr], [lang=en], script, style, input, textarea, select')
      .forEach((el) => el.remove());
  const text = body.textContent.replace(/\\S+@\\S+|https?:\\/\\/\\S+/g, ' ');
  const words = text.match(/\\b[A-Za-z]{2,}\\b/g) || [];
  return words.filter((word) => !['CSV', 'PDF', 'API', 'IBAN'].includes(word));
}"""


def association_create(live_stack: LiveStack, slug: str) -> str:
    live_stack.manage(
        "create_association",
        "--slug",
        slug,
        "--name-ar",
        NAME_AR,
        "--name-en",
        "Al-Amal",
        "--admin-email",
        f"admin@{slug}.example",
        "--admin-password",
        PASSWORD,
    )
    return slug


def policy_publish(live_stack: LiveStack, slug: str) -> None:
    live_stack.manage("shell", "-c", PUBLISH.format(slug=slug, admin=f"admin@{slug}.example"))


SERIOUS_VIOLATIONS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(' | '));
}"""


@pytest.fixture(scope="module")
def association(live_stack: LiveStack) -> str:
    """An association just signed up: its admin alone, nothing configured."""
    return association_create(live_stack, SLUG)


@pytest.fixture(scope="module")
def published(live_stack: LiveStack) -> str:
    """Another association, whose policy publishes the website channel."""
    slug = association_create(live_stack, f"{SLUG}-public")
    policy_publish(live_stack, slug)
    return slug


@pytest.fixture
def open_page(browser: Browser) -> Iterator:
    """A page in a fresh context of the given size, its console errors collected."""
    opened: list[BrowserContext] = []
    errors: list[str] = []

    def new_page(viewport: dict) -> Page:
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(15_000)
        context.add_init_script(path=AXE)
        opened.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield new_page
    for context in opened:
        context.close()
    assert errors == [], errors


def looked_at(page: Page, name: str) -> None:
    """The page as a person sees it: kept as a screenshot, fitting the screen, all Arabic."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"ux-{name}.png", full_page=True)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways: {widths}"
    assert page.evaluate(LATIN_WORDS) == [], f"{name} has English words"
    assert page.evaluate(SERIOUS_VIOLATIONS) == [], f"{name} fails axe-core"


def sign_in(page: Page, live_stack: LiveStack) -> None:
    page.goto(live_stack.url("/accounts/login/", slug=SLUG))
    page.fill("input[name=login]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_stack.url("/app/", slug=SLUG))


def test_a_new_admin_is_guided_by_the_checklist_in_the_app_shell(
    live_stack: LiveStack, association: str, open_page
):
    page = open_page(DESKTOP)
    sign_in(page, live_stack)
    checklist = page.locator("#setup-checklist")
    expect(checklist.locator("#setup-progress")).to_have_text("0 من 5 خطوات مكتملة")
    expect(page.locator("#setup-next")).to_have_attribute("href", "/app/settings/")
    # The sidebar on a desktop, the current page marked; the phone's menu hidden.
    sidebar = page.locator("#nav-side")
    expect(sidebar).to_be_visible()
    expect(sidebar.locator("[aria-current=page]")).to_have_text("الرئيسية")
    expect(page.locator("#app-menu")).to_be_hidden()
    looked_at(page, "workspace-1366")

    # A new case before any policy: the page leads on to the policy instead of a dead end.
    sidebar.locator("#nav-side-case_new").click()
    expect(page.locator("#no-policy")).to_be_visible()
    expect(sidebar.locator("[aria-current=page]")).to_have_text("حالة جديدة")
    looked_at(page, "case-new-no-policy-1366")
    page.locator("#to-policy").click()
    expect(page).to_have_url(live_stack.url("/app/settings/policy/", slug=SLUG))

    policy_publish(live_stack, association)
    page.goto(live_stack.url("/app/", slug=SLUG))
    expect(checklist.locator("#setup-progress")).to_have_text("3 من 5 خطوات مكتملة")
    expect(checklist.locator("progress")).to_have_attribute("value", "3")
    expect(checklist.locator("#setup-publish")).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#setup-next")).to_have_attribute("href", "/app/settings/")

    # On a phone: no sidebar, a menu that opens without script, the user menu.
    phone = open_page(PHONE)
    sign_in(phone, live_stack)
    expect(phone.locator("#nav-side")).to_be_hidden()
    phone.locator("#app-menu summary").click()
    expect(phone.locator("#nav-phone-case_list")).to_be_visible()
    looked_at(phone, "workspace-menu-390")
    phone.locator("#nav-phone-case_list").click()
    expect(phone.locator("h1")).to_have_text("الحالات")
    looked_at(phone, "cases-390")


def test_a_beneficiary_on_a_phone_goes_from_the_home_page_to_a_followed_request(
    live_stack: LiveStack, published: str, open_page
):
    page = open_page(PHONE)
    page.goto(live_stack.url("/", slug=published))
    button = page.locator("#request-help")
    expect(button).to_have_text("قدّم طلبك")
    box = button.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"], (
        "the request button is below the fold"
    )
    expect(page.locator("header")).not_to_contain_text("دخول")  # staff sign in from the footer
    looked_at(page, "home-390")

    button.click()
    for name in ("national_id", "full_name", "phone", "email", "city", "summary"):
        page.fill(f"[name={name}]", REQUEST_FORM[name])
    page.locator("input[name=consent]").check()
    looked_at(page, "request-form-390")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/request/[\w-]+/\?token="))
    expect(page.locator("#expected-reply")).to_contain_text("خلال 10 أيام عمل")
    expect(page.locator("#copy-link")).to_be_visible()  # the script showed it: the CSP held
    expect(page.locator("#mail-link")).to_be_visible()
    looked_at(page, "status-390")

    desktop = open_page(DESKTOP)
    desktop.goto(live_stack.url("/", slug=published))
    expect(desktop.locator("#request-help")).to_be_visible()
    looked_at(desktop, "home-1366")


def test_an_admin_invites_resends_and_revokes_from_the_members_page(
    live_stack: LiveStack, association: str, open_page
):
    page = open_page(DESKTOP)
    sign_in(page, live_stack)
    page.goto(live_stack.url("/app/members/", slug=SLUG))
    invite = page.locator("form#invite-form")
    invite.locator("input[name=email]").fill("huda@amal-ux.example")
    invite.locator("input[name=full_name]").fill("هدى السبيعي")
    invite.locator("select[name=role]").select_option("staff")
    with page.expect_navigation():
        invite.locator("button[type=submit]").click()
    row = page.locator("tr", has_text="huda@amal-ux.example")
    expect(row).to_contain_text("مدعوّ، لم ينضم بعد")
    with page.expect_navigation():
        row.locator("button", has_text="إعادة إرسال الدعوة").click()
    expect(page.locator(".messages")).to_contain_text("أُعيد إرسال الدعوة")
    looked_at(page, "members-1366")

    # Revoking is asked first, on a page that says what it does.
    with page.expect_navigation():
        page.locator("tr", has_text="huda@amal-ux.example").locator(
            "a", has_text="سحب الدعوة"
        ).click()
    expect(page.locator("#consequence")).to_contain_text("يتوقف رابط الدعوة عن العمل فورًا")
    looked_at(page, "member-revoke-1366")
    with page.expect_navigation():
        page.locator("#confirm-button").click()
    expect(page).to_have_url(live_stack.url("/app/members/", slug=SLUG))
    expect(page.locator("table")).not_to_contain_text("huda@amal-ux.example")

    phone = open_page(PHONE)
    sign_in(phone, live_stack)
    phone.goto(live_stack.url("/app/members/", slug=SLUG))
    expect(phone.locator("h1")).to_have_text("الأعضاء والأدوار")
    looked_at(phone, "members-390")


def test_an_operator_enrols_the_verification_code_on_a_phone_without_a_second_password(
    live_stack: LiveStack, open_page
):
    operator = "enrol@mustafid.example"
    live_stack.manage("create_operator", "--email", operator, "--password", PASSWORD)
    page = open_page(PHONE)
    page.goto(live_stack.url("/accounts/login/"))
    page.fill("input[name=login]", operator)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    # Straight to enrolment: the sign-in a moment ago is not asked for again.
    page.wait_for_url(live_stack.url("/accounts/2fa/totp/activate/"))
    expect(page.locator("h1")).to_have_text("إعداد رمز التحقق")
    expect(page.locator("#totp-qr")).to_be_visible()
    code = page.locator("input[name=code]")
    expect(code).to_have_attribute("inputmode", "numeric")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    looked_at(page, "mfa-enrol-390")
    secret = page.locator("#authenticator_secret").inner_text().strip()
    code.fill(totp_code(secret))
    with page.expect_navigation():
        page.locator("main form:has(input[name=code]) button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("رموز الاسترداد")
    expect(page.locator("#recovery_codes li")).to_have_count(10)
    looked_at(page, "mfa-recovery-codes-390")
    with page.expect_navigation():
        page.locator("#way-on a").click()
    expect(page).to_have_url(live_stack.url("/console/"))
