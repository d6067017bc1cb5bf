"""An admin configures, approves and publishes the policy in Chromium; a visitor reads it.

The issue's promise: a new association goes from the template to a published, printable,
bilingual policy in the browser in a few minutes of clicking. Screenshots are kept under
test-output/e2e/ (policy-editor, policy-ar, policy-en, policy-phone, policy-print,
policy-holiday-error).
"""

from __future__ import annotations

import datetime
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.e2e.test_ux_chromium import AXE, SERIOUS_VIOLATIONS
from tests.live import LiveStack

pytestmark = pytest.mark.e2e


SLUG = "wahat-policy"
NAME_AR = "جمعية واحة الخير الخيرية"
NAME_EN = "Wahat Al-Khair Charity"
EMAIL = "sara@wahat.example"
PASSWORD = "Sidra-Ruttab-2026"

MEETING = "25/02"
CHAIR = "عبدالله بن سعد القحطاني"
APPROVAL_AR = (
    "تم اعتماد هذه السياسة في اجتماع مجلس الإدارة رقم (25/02) "
    "بتاريخ 26/10/1446هـ الموافق 24/04/2025م"
)
ASAP_AR = "في أسرع وقت ممكن"
ASAP_EN = "as soon as possible"
WHATSAPP = ("واتساب", "WhatsApp")
UNTICKED = {"letters": "الخطابات", "volunteering": "خدمة التطوع"}
HOLIDAY = ("2026-09-23", "اليوم الوطني")
HOLIDAY_DAY = datetime.date(2026, 9, 23)
BIDI_MARKS = re.compile("[\u202a-\u202e]")

SETTINGS_PATH = "/app/settings/policy/"


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(30_000)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def association(live_stack: LiveStack) -> str:
    """The association's schema; its admin signs in with EMAIL and PASSWORD."""
    live_stack.manage(
        "create_association",
        "--slug",
        SLUG,
        "--name-ar",
        NAME_AR,
        "--name-en",
        NAME_EN,
        "--admin-email",
        EMAIL,
        "--admin-password",
        PASSWORD,
    )
    [(schema,)] = live_stack.sql(
        "SELECT schema_name FROM tenants_association WHERE slug = %s", (SLUG,)
    )
    return schema


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def sign_in(page: Page, live_stack: LiveStack) -> None:
    page.goto(live_stack.url("/accounts/login/", slug=SLUG))
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_stack.url("/app/", slug=SLUG))


def open_settings(page: Page, live_stack: LiveStack) -> None:
    page.goto(live_stack.url(SETTINGS_PATH, slug=SLUG))
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("form.policy-form")).to_be_visible()


def draft_state(live_stack: LiveStack, schema: str) -> tuple:
    [row] = live_stack.sql(
        "SELECT revision, channels, referral_roles, deadline_kind, deadline_days, approved_at"
        f' FROM "{schema}".publishing_policydraft'
    )
    holidays = live_stack.sql(f'SELECT day, name FROM "{schema}".publishing_holiday ORDER BY day')
    return (*row, holidays)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "policy.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return BIDI_MARKS.sub("", result.stdout)


def configure(page: Page) -> None:
    """Step 2: the admin's choices, seen in the live preview before anything is saved."""
    form = page.locator("form.policy-form")
    preview = page.locator("#preview")
    expect(preview).not_to_contain_text(ASAP_AR)
    for code in UNTICKED:
        form.locator(f"input[name=channels][value={code}]").uncheck()
    form.locator("input[name=channels_own_ar_0]").fill(WHATSAPP[0])
    form.locator("input[name=channels_own_en_0]").fill(WHATSAPP[1])
    form.locator("input[name=referral_roles][value=social_researcher]").uncheck()
    form.locator("input[name=referral_roles][value=competent_officer]").check()
    form.locator("input[name=deadline_kind][value=asap]").check()
    form.locator("input[name=holiday_day_0]").fill(HOLIDAY[0])
    form.locator("input[name=holiday_name_0]").fill(HOLIDAY[1])
    # The server re-renders the preview from the unsaved form (debounced, then fetched).
    expect(preview).to_contain_text(ASAP_AR)
    expect(preview).to_contain_text("واتساب")
    expect(preview).to_contain_text("المسؤول المختص")
    expect(preview.locator("li", has_text=UNTICKED["letters"])).to_have_count(0)
    screenshot(page, "policy-editor.png")


def test_admin_publishes_and_visitor_reads_in_both_languages(
    live_stack: LiveStack, association: str, browser: Browser, page: Page, tmp_path: Path
):
    page.context.add_init_script(path=AXE)
    sign_in(page, live_stack)
    open_settings(page, live_stack)

    # 2. Configure, watch the preview, save.
    configure(page)
    revision_before_save = draft_state(live_stack, association)[0]
    with page.expect_navigation():
        page.locator("form.policy-form button.save-draft").click()
    expect(page).to_have_url(live_stack.url(SETTINGS_PATH, slug=SLUG))
    expect(page.locator(".messages")).to_contain_text("حُفظت المسودة")
    expect(page.locator("#policy-next")).to_contain_text("سجّل اعتماد مجلس الإدارة")
    revision, channels, roles, kind, days, _approved, holidays = draft_state(
        live_stack, association
    )
    assert revision > revision_before_save
    codes = [item["code"] for item in channels]
    assert not set(UNTICKED) & set(codes), codes
    assert {"code": "own_whatsapp", "name_ar": "واتساب", "name_en": "WhatsApp"} in channels
    assert [role["code"] for role in roles] == ["competent_officer"]
    assert (kind, days) == ("asap", None)
    assert holidays == [(HOLIDAY_DAY, HOLIDAY[1])]
    # What was saved is what the form shows again.
    form = page.locator("form.policy-form")
    expect(form.locator("input[name=channels][value=letters]")).not_to_be_checked()
    expect(form.locator("input[name=channels_own_ar_0]")).to_have_value(WHATSAPP[0])
    expect(form.locator("input[name=channels_own_en_0]")).to_have_value(WHATSAPP[1])
    expect(form.locator("input[name=holiday_day_0]")).to_have_value(HOLIDAY[0])
    expect(form.locator("input[name=deadline_kind][value=asap]")).to_be_checked()

    # 3. The board's approval in its own part, its date chosen in Umm al-Qura, and publication.
    page.locator("nav.tabs a[href$='?part=approval']").click()
    approval = page.locator("section.approval")
    expect(approval.locator("input[type=date]")).to_have_count(0)
    approval.locator("input[name=meeting_number]").fill(MEETING)
    approval.locator("select[name=approved_on_hijri_day]").select_option("26")
    approval.locator("select[name=approved_on_hijri_month]").select_option(label="شوال")
    approval.locator("input[name=approved_on_hijri_year]").fill("1446")
    expect(approval.locator("[data-gregorian-of-hijri]")).to_have_text("24/04/2025")
    approval.locator("input[name=chair_name]").fill(CHAIR)
    screenshot(page, "policy-approval.png")
    assert page.evaluate(SERIOUS_VIOLATIONS) == []
    with page.expect_navigation():
        approval.locator("button[type=submit]").click()
    expect(page).to_have_url(live_stack.url(SETTINGS_PATH + "?part=publication", slug=SLUG))
    expect(page.locator(".messages")).to_contain_text("سُجّل اعتماد مجلس الإدارة")
    status = page.locator("#policy-status")
    expect(status).to_contain_text("26/10/1446هـ")
    expect(status).to_contain_text("24/04/2025م")
    expect(status).to_contain_text(CHAIR)
    expect(status.locator("[aria-current=step]")).to_contain_text("معتمدة من مجلس الإدارة")

    approval = page.locator("section.publication")
    approval.locator("a[href$='/app/settings/policy/publish/']").click()
    page.wait_for_url(live_stack.url(f"{SETTINGS_PATH}publish/", slug=SLUG))
    expect(page.locator("main")).to_contain_text(f"({MEETING})")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(live_stack.url(SETTINGS_PATH + "?part=publication", slug=SLUG))
    expect(page.locator(".messages")).to_contain_text("نُشر الإصدار 1")
    expect(status.locator("[aria-current=step]")).to_contain_text("المنشورة")
    screenshot(page, "policy-published.png")

    # A change to the published, approved draft: a confirmation says the approval goes first.
    open_settings(page, live_stack)
    form.locator("input[name=holiday_name_0]").fill("اليوم الوطني السعودي")
    with page.expect_navigation():
        form.locator("button.save-draft").click()
    expect(page.locator("main")).to_contain_text("يُلغي حفظُ تعديلاتك هذا الاعتماد")
    screenshot(page, "policy-save-confirm.png")
    assert page.evaluate(SERIOUS_VIOLATIONS) == []
    assert draft_state(live_stack, association)[-1] == [(HOLIDAY_DAY, HOLIDAY[1])]
    with page.expect_navigation():
        page.locator("button[name=back]").click()
    expect(form.locator("input[name=holiday_name_0]")).to_have_value("اليوم الوطني السعودي")
    assert draft_state(live_stack, association)[5] is not None  # still approved
    assert live_stack.sql(f'SELECT number FROM "{association}".publishing_policyversion') == [(1,)]

    # 4. An anonymous visitor reads the policy in Arabic.
    visitor = new_context(browser)
    try:
        read = visitor.new_page()
        read_policy(read, live_stack, tmp_path)
    finally:
        visitor.close()


def read_policy(page: Page, live_stack: LiveStack, tmp_path: Path) -> None:
    html = page.locator("html")
    page.goto(live_stack.url("/policy/", slug=SLUG))
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    # Staff sign in from the footer: the header is the reader's.
    expect(page.locator(".site-footer a#staff-sign-in[href$='/accounts/login/']")).to_be_visible()
    policy = page.locator("article.policy")
    expect(policy.locator(".association-name")).to_have_text(NAME_AR)
    expect(policy.locator("#preamble")).to_contain_text(NAME_AR)
    expect(policy.locator("#channels")).to_contain_text("واتساب")
    for name in UNTICKED.values():
        expect(policy.locator("#channels")).not_to_contain_text(name)
    expect(policy.locator("#procedure")).to_contain_text(ASAP_AR)
    expect(policy.locator("#procedure")).to_contain_text("المسؤول المختص")
    expect(policy.locator("#approval")).to_contain_text(APPROVAL_AR)
    expect(policy.locator("#approval")).to_contain_text(CHAIR)
    screenshot(page, "policy-ar.png")

    # The PDF's address, as the page's "Download PDF" link gives it (fetched at the end).
    link = page.locator(".policy-tools a[href*='/policy.pdf']")
    expect(link).to_have_attribute("href", "/policy.pdf?lang=ar")
    pdf_href = link.get_attribute("href")

    # English, through the language switcher.
    with page.expect_navigation():
        page.locator(".site-header a[hreflang=en]").click()
    expect(page).to_have_url(live_stack.url("/policy/?lang=en", slug=SLUG))
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")
    expect(policy.locator(".association-name")).to_have_text(NAME_EN)
    expect(policy.locator("#channels")).to_contain_text("WhatsApp")
    expect(policy.locator("#procedure")).to_contain_text(ASAP_EN)
    expect(policy.locator("#procedure")).to_contain_text("Officer in Charge")
    expect(policy.locator("#approval")).to_contain_text("(25/02)")
    expect(policy.locator("#approval")).to_contain_text("26 Shawwal 1446 AH (24 April 2025)")
    expect(policy).not_to_contain_text(ASAP_AR)
    screenshot(page, "policy-en.png")

    # Back to Arabic, on a phone: nothing runs off the side of the screen.
    with page.expect_navigation():
        page.locator(".site-header a[hreflang=ar]").click()
    expect(html).to_have_attribute("dir", "rtl")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(html).to_have_attribute("dir", "rtl")
    expect(policy.locator("#approval")).to_contain_text(APPROVAL_AR)
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"the policy overflows on a phone: {widths}"
    screenshot(page, "policy-phone.png")

    # Printed: the policy alone, without the site's header, footer and buttons.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="print")
    display = page.evaluate(
        """() => Object.fromEntries(
            ['.site-header', '.site-footer', '.policy-tools', '.policy-versions']
                .map((s) => [s, getComputedStyle(document.querySelector(s)).display]))"""
    )
    assert display == dict.fromkeys(display, "none"), display
    expect(page.locator(".policy-tools .button").first).to_be_hidden()
    expect(policy.locator("#approval")).to_be_visible()
    screenshot(page, "policy-print.png")

    # 5. The PDF. Served inline, Chromium shows it in its viewer instead of downloading it, so
    # the address is fetched directly (last: the worker is rendering it since publication).
    response = live_stack.http(SLUG).get(pdf_href)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "application/pdf"
    assert f'filename="{SLUG}-policy-v1-ar.pdf"' in response.headers["Content-Disposition"]
    assert response.content.startswith(b"%PDF"), response.content[:64]
    text = pdf_text(response.content, tmp_path)
    assert NAME_AR in text, f"the PDF's text lacks {NAME_AR!r}:\n{text[:1500]}"


def test_badly_written_holiday_is_refused_and_nothing_saved(
    live_stack: LiveStack, association: str, page: Page
):
    sign_in(page, live_stack)
    open_settings(page, live_stack)
    before = draft_state(live_stack, association)

    form = page.locator("form.policy-form")
    # A change that would be saved, together with the bad line: the whole form is refused.
    letters = form.locator("input[name=channels][value=letters]")
    before_checked = letters.is_checked()
    letters.set_checked(not before_checked)
    # A holiday named without its date, on the second row: that row says what it lacks.
    form.locator("input[name=holiday_name_1]").fill("يوم بلا تاريخ")
    with page.expect_navigation():
        form.locator("button.save-draft").click()

    error = page.locator("tr.holiday-row.has-error [role=alert]")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("اختر تاريخ هذه الإجازة")
    expect(page.locator("#form-errors")).to_contain_text("لم يُحفظ شيء")
    expect(page.locator(".messages")).to_have_count(0)
    # What was typed is kept for correcting.
    expect(form.locator("input[name=holiday_name_1]")).to_have_value("يوم بلا تاريخ")
    expect(letters).to_be_checked(checked=not before_checked)
    screenshot(page, "policy-holiday-error.png")
    assert draft_state(live_stack, association) == before

    # «أضف صفاً» works without script: one more row, what was typed still there, nothing saved.
    rows = form.locator("tr.holiday-row")
    count = rows.count()
    with page.expect_navigation():
        form.locator("button[name=add_rows][value=holidays]").click()
    expect(rows).to_have_count(count + 1)
    expect(form.locator("input[name=holiday_name_1]")).to_have_value("يوم بلا تاريخ")
    assert draft_state(live_stack, association) == before

    # Reloaded, the form shows the saved draft again, not what was typed.
    open_settings(page, live_stack)
    expect(form.locator("input[name=holiday_name_1]")).not_to_have_value("يوم بلا تاريخ")

    # On a phone, each part fits the screen (no horizontal scroll) and axe-core finds nothing
    # serious in it.
    page.context.add_init_script(path=AXE)
    page.set_viewport_size({"width": 390, "height": 844})
    for part in ("", "?part=approval", "?part=publication"):
        page.goto(live_stack.url(SETTINGS_PATH + part, slug=SLUG))
        expect(page.locator("#policy-status")).to_be_visible()
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{part or 'content'} overflows on a phone: {scroll} > {inner}"
        assert page.evaluate(SERIOUS_VIOLATIONS) == [], part or "content"
        screenshot(page, f"policy-{part.split('=')[-1] or 'content'}-390.png")
