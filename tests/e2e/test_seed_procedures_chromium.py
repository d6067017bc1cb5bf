"""Two seeds' own procedures from the staff pages, in Chromium, on the demo that seed_demo
builds from the seeds' facts (demo/seeds/): seed 000 (الهداية) answers an enquiry and closes
it, with no committee, declaration or registration; seed 003 (مهارات) sends a request to «الإدارة
المختصة», as soon as possible, and delivers with no registration step.

The demo logins are the ones `make run` prints. Screenshots are kept under test-output/e2e/
(seed-000-enquiry, seed-003-delivered).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from demo.associations import DEMO_PASSWORD
from tests.e2e.chromium import SCREENSHOTS
from tests.live import LiveStack
from workflow.transitions import IRREVERSIBLE

pytestmark = pytest.mark.e2e

NATIONAL_ID = "1000000008"
MOBILE = "0512345678"
SURVEY_LINK = re.compile(r"https?://\S+/survey/[\w-]+/")
# The forms of the steps a procedure may lack, on the case page.
FORMS = ("verify", "refer", "answer", "declare", "submit_to_committee", "decide", "register")


@pytest.fixture(scope="module")
def demo(live_stack: LiveStack) -> LiveStack:
    live_stack.manage("seed_demo", timeout=600)
    return live_stack


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Callable[[], BrowserContext]]:
    opened: list[BrowserContext] = []

    def new_context() -> BrowserContext:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(30_000)
        opened.append(context)
        return context

    yield new_context
    for context in opened:
        context.close()


def sign_in(page: Page, stack: LiveStack, slug: str, role: str) -> None:
    page.goto(stack.url("/accounts/login/", slug=slug))
    page.fill("input[name=login]", f"{role}@{slug}.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(stack.url("/app/", slug=slug))


def open_case(page: Page, stack: LiveStack, slug: str, *, name: str, email: str):
    """Staff record a case received at an interview; the page of the new case."""
    page.goto(stack.url("/app/cases/new/", slug=slug))
    form = page.locator("main form")
    # The seeds call the interview «المقابلة», not the catalogue's «المقابلة الشخصية».
    channel = form.locator("select[name=channel]")
    expect(channel.locator("option").first).to_have_text("المقابلة")
    channel.select_option("interview")
    form.locator("input[name=national_id]").fill(NATIONAL_ID)
    form.locator("input[name=full_name]").fill(name)
    form.locator("input[name=phone]").fill(MOBILE)
    form.locator("input[name=email]").fill(email)
    form.locator("textarea[name=summary]").fill("أرغب في معرفة شروط الاستفادة من خدمات الجمعية.")
    form.locator("input[name=consent]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/app/cases/\d+/$"))
    expect(page.locator("#case-status")).to_have_text("مستلمة")


def act(page: Page, action: str, fill: Callable[[Locator], None] | None = None) -> None:
    form = page.locator(f"form#action-{action}")
    if fill is not None:
        fill(form)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    if action in IRREVERSIBLE:
        # A step that cannot be undone asks first, on a page of its own, naming what it does.
        expect(page).to_have_url(re.compile(r"/app/cases/\d+/confirm/$"))
        expect(page.locator("#consequence")).to_contain_text("لا يمكن التراجع")
        with page.expect_navigation():
            page.locator("#confirm-button").click()
    expect(page.locator(".messages")).to_contain_text("تم:")


def expect_forms(page: Page, *present: str) -> None:
    """Exactly `present` among the forms of steps a procedure may lack."""
    for action in FORMS:
        expect(page.locator(f"form#action-{action}")).to_have_count(1 if action in present else 0)


def survey_mail(stack: LiveStack, address: str) -> str:
    def found() -> str:
        for message in stack.mails_to(address):
            body = message.get_content()
            if SURVEY_LINK.search(body):
                return body
        return ""

    return stack.wait_for(f"the survey e-mail to {address}", found, timeout=30)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def test_seed_000_staff_answer_an_enquiry_and_it_closes(
    demo: LiveStack, contexts: Callable[[], BrowserContext]
):
    email = "enquirer@beneficiary.example"
    staff = contexts().new_page()
    sign_in(staff, demo, "hidaya", "staff")
    open_case(staff, demo, "hidaya", name="فيصل سعد القحطاني", email=email)
    # Receive, refer, answer: no verification, declaration, committee or registration.
    expect_forms(staff, "refer", "answer")
    expect(staff.locator("main")).not_to_contain_text("لجنة البحث")
    act(staff, "answer", lambda f: f.locator("textarea[name=note]").fill("شُرحت الشروط للمستفيد."))
    expect(staff.locator("#case-status")).to_have_text("مغلقة")
    expect(staff.locator("#no-actions")).to_be_visible()
    expect(staff.locator("ol.timeline")).to_contain_text("شُرحت الشروط للمستفيد.")
    screenshot(staff, "seed-000-enquiry.png")
    # As after any closure, the beneficiary is asked how it went.
    survey_mail(demo, email)


def test_seed_003_the_competent_department_decides_and_staff_deliver_without_registering(
    demo: LiveStack, contexts: Callable[[], BrowserContext]
):
    email = "trainee@beneficiary.example"
    staff = contexts().new_page()
    sign_in(staff, demo, "maharat", "staff")
    open_case(staff, demo, "maharat", name="نوف عبدالله العتيبي", email=email)
    expect_forms(staff, "verify", "refer", "declare")
    act(staff, "verify")
    act(staff, "declare", lambda f: f.locator("input[name=signed_by]").fill("نوف عبدالله العتيبي"))
    # Verified and declared: it can go to the seed's deciding body, named on the button.
    expect_forms(staff, "refer", "submit_to_committee")
    expect(staff.locator("form#action-submit_to_committee")).to_contain_text("الإدارة المختصة")
    act(staff, "submit_to_committee")
    # As soon as possible: no due date, and never «لجنة البحث».
    expect(staff.locator("#committee-due")).to_have_text("في أسرع وقت ممكن")
    expect(staff.locator("main")).to_contain_text("الإدارة المختصة")
    expect(staff.locator("main")).not_to_contain_text("لجنة البحث")
    case_url = staff.url

    deciding = contexts().new_page()
    sign_in(deciding, demo, "maharat", "committee")
    deciding.goto(case_url)
    act(deciding, "decide", lambda f: f.locator("input[name=decision][value=accepted]").check())
    expect(deciding.locator("#case-status")).to_have_text("مقبولة")

    staff.reload()
    # Accepted, then delivered: the seed has no registration step.
    expect_forms(staff)
    expect(staff.locator("form#action-deliver")).to_have_count(1)
    act(staff, "deliver", lambda f: f.locator("textarea[name=note]").fill("سُجّلت في الدورة."))
    act(staff, "close")
    expect(staff.locator("#case-status")).to_have_text("مغلقة")
    expect(staff.locator("ol.timeline")).not_to_contain_text("مسجلة")
    screenshot(staff, "seed-003-delivered.png")
    survey_mail(demo, email)
