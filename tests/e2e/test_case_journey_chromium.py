"""One case from an online request to an answered survey, in Chromium.

The issue's promise: a member of staff takes a beneficiary from an online request to a closed
case with an answered survey in the browser, every step shown on the case's timeline and on
the beneficiary's public status page. Three browser contexts act together: the beneficiary
(anonymous, on a phone), a member of staff (signed in, on a 1366 px desktop) and a committee
member (signed in, on a 390 px phone, from the «بانتظار قرارك» queue of their home). Every
case page and confirmation page fits its screen's width. The decision and closing e-mails are
written by the real Celery worker. Screenshots are kept under test-output/e2e/ (request-status,
committee-queue-390, confirm-decide-390, confirm-close-1366, case-page, survey-thanks).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.live import LiveStack
from workflow.transitions import IRREVERSIBLE

pytestmark = pytest.mark.e2e


SLUG = "nour-journey"
NAME_AR = "جمعية النور الخيرية"
NAME_EN = "Al-Nour Charity"
PASSWORD = "Rutab-Sukkari-2026"
ADMIN = "admin@nour.example"
STAFF = "staff@nour.example"
COMMITTEE = "committee@nour.example"

NATIONAL_ID = "1000000008"
MOBILE = "0512345678"
BENEFICIARY = "سلمى عبدالرحمن الحربي"
BENEFICIARY_EMAIL = "salma@beneficiary.example"
SUMMARY = "أطلب مساعدة في سداد إيجار المسكن لهذا الشهر بعد توقف دخل الأسرة."

# The beneficiary's status sentences (workflow/public_views.py), the parts that do not vary.
SENTENCE_RECEIVED = "استلمنا طلبكم"
SENTENCE_COMMITTEE = "طلبكم لدى لجنة البحث، وستصدر قرارها في موعد أقصاه"
SENTENCE_ACCEPTED = "قُبل طلبكم"
SENTENCE_CLOSED = "أُغلق طلبكم"
# The steps of the public page, and of the staff's timeline, in Arabic.
PUBLIC_STEPS = {
    "open": "استُلم الطلب",
    "verify": "تُحقّق من البيانات",
    "declare": "وُقّع الإقرار بصحة البيانات",
    "submit_to_committee": "أُرسل إلى لجنة البحث",
    "decide": "قرار لجنة البحث: مقبول",
    "register": "سُجّل المستفيد",
    "deliver": "قُدّمت الخدمة",
    "close": "أُغلق الطلب",
    "survey_answered": "أُجيب عن استبيان الرضا",
}
TIMELINE = {
    "open": "فُتحت الحالة",
    "verify": "التحقق من البيانات",
    "declare": "وُقّع الإقرار",
    "submit_to_committee": "رُفعت للبتّ فيها",
    "decide": "القرار",
    "register": "مسجلة",
    "deliver": "قُدّمت الخدمة",
    "close": "مغلقة",
    "beneficiary_told": "أُبلغ المستفيد",
    "survey_answered": "أُجيب عن استبيان الرضا",
}
SURVEY_LINK = re.compile(r"https?://\S+/survey/[\w-]+/")
MAIL_SECONDS = 30

# Run by `manage.py shell` in the live stack: the policy (website channel, ten working days
# for the committee) is approved and published, and a member of staff and a committee member
# join the association.
SETUP = f"""
import datetime
from django_tenants.utils import schema_context
from publishing.services import (
    policy_draft_approve, policy_draft_ensure, policy_draft_update, policy_publish,
)
from accounts.services import user_create
from tenants.models import Association

association = Association.objects.get(slug={SLUG!r})
with schema_context(association.schema_name):
    policy_draft_ensure()
    policy_draft_update(data={{
        "channels": ["interview", "phone", "website"],
        "referral_roles": ["social_researcher"],
        "committee_deadline": {{"kind": "working", "days": 10}},
    }})
    policy_draft_approve(
        meeting_number="7", approved_on=datetime.date(2025, 1, 15), chair_name="رئيس المجلس"
    )
    policy_publish(actor_email={ADMIN!r})
    user_create(email={STAFF!r}, password={PASSWORD!r}, role="staff",
                full_name="موظفة علاقات المستفيدين", email_verified=True)
    user_create(email={COMMITTEE!r}, password={PASSWORD!r}, role="committee",
                full_name="عضو لجنة البحث", email_verified=True)
print(association.schema_name)
"""


@pytest.fixture(scope="module")
def association(live_stack: LiveStack) -> str:
    """The association's schema, with its policy published and its members signed up."""
    live_stack.manage(
        "create_association",
        "--slug",
        SLUG,
        "--name-ar",
        NAME_AR,
        "--name-en",
        NAME_EN,
        "--admin-email",
        ADMIN,
        "--admin-password",
        PASSWORD,
    )
    result = live_stack.manage("shell", "-c", SETUP)
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def contexts(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    opened: list[BrowserContext] = []

    def new_context(width: int = 1280, height: int = 900) -> BrowserContext:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(30_000)
        opened.append(context)
        return context

    yield new_context
    for context in opened:
        context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def sign_in(page: Page, live_stack: LiveStack, email: str) -> None:
    page.goto(live_stack.url("/accounts/login/", slug=SLUG))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_stack.url("/app/", slug=SLUG))


def fits(page: Page) -> None:
    """Nothing runs off the side of the screen: no horizontal scroll."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} is wider than the screen: {scroll} > {inner}"


def act(
    page: Page,
    action: str,
    fill: Callable[[Locator], None] | None = None,
    shot: str | None = None,
) -> None:
    """Take one action through its form on the case page; the page comes back saying so."""
    fits(page)
    form = page.locator(f"form#action-{action}")
    if fill is not None:
        fill(form)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    if action in IRREVERSIBLE:
        # A step that cannot be undone asks first, on a page of its own, naming what it does.
        expect(page).to_have_url(re.compile(r"/app/cases/\d+/confirm/$"))
        expect(page.locator("#consequence")).to_contain_text("لا يمكن التراجع")
        fits(page)
        if shot:
            screenshot(page, shot)
        with page.expect_navigation():
            page.locator("#confirm-button").click()
    expect(page.locator(".messages")).to_contain_text("تم:")
    expect(page.locator(f"form#action-{action}")).to_have_count(0)


def expect_timeline(page: Page, *steps: str) -> None:
    timeline = page.locator("ol.timeline")
    for step in steps:
        expect(timeline).to_contain_text(TIMELINE[step])


def expect_status(page: Page, sentence: str | re.Pattern, *steps: str) -> None:
    """The beneficiary's status page, reloaded: its sentence and the steps so far."""
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("p.status-sentence")).to_contain_text(sentence)
    listed = page.locator("ol.steps")
    for step in steps:
        expect(listed).to_contain_text(PUBLIC_STEPS[step])


def mail_with(live_stack: LiveStack, text: str) -> str:
    """The body of the beneficiary's e-mail holding `text`, once the worker wrote it."""

    def found() -> str:
        for message in live_stack.mails_to(BENEFICIARY_EMAIL):
            body = message.get_content()
            if text in body:
                return body
        return ""

    return live_stack.wait_for(f"an e-mail holding {text!r}", found, timeout=MAIL_SECONDS)


def test_staff_take_an_online_request_to_an_answered_survey(
    live_stack: LiveStack, association: str, contexts: Callable[..., BrowserContext]
):
    # 1. The beneficiary files a request on their phone.
    beneficiary = contexts(390, 844).new_page()
    beneficiary.goto(live_stack.url("/request/", slug=SLUG))
    expect(beneficiary.locator("html")).to_have_attribute("dir", "rtl")
    form = beneficiary.locator("main form")
    form.locator("input[name=kind][value=request]").check()
    form.locator("input[name=national_id]").fill(NATIONAL_ID)
    form.locator("input[name=full_name]").fill(BENEFICIARY)
    form.locator("input[name=phone]").fill(MOBILE)
    form.locator("input[name=email]").fill(BENEFICIARY_EMAIL)
    form.locator("textarea[name=summary]").fill(SUMMARY)
    form.locator("input[name=consent]").check()
    with beneficiary.expect_navigation():
        form.locator("button[type=submit]").click()

    expect(beneficiary).to_have_url(re.compile(r"/request/[^/]+/\?token="))
    reference = beneficiary.locator("h1 bdi").inner_text().strip()
    status_url = beneficiary.url
    assert reference and f"/request/{reference}/" in status_url, (reference, status_url)
    expect(beneficiary.locator(".messages")).to_be_visible()
    expect(beneficiary.locator("p.status-sentence")).to_contain_text(SENTENCE_RECEIVED)
    expect(beneficiary.locator("ol.steps")).to_contain_text(PUBLIC_STEPS["open"])
    expect(beneficiary.locator("#status-link")).to_have_value(re.compile(re.escape(reference)))
    screenshot(beneficiary, "request-status.png")
    [(case_id, status)] = live_stack.sql(
        f'SELECT id, status FROM "{association}".workflow_case WHERE reference = %s',
        (reference,),
    )
    assert status == "received"

    # 2. Staff find the case by its reference and prepare it for the committee.
    staff = contexts(1366, 900).new_page()
    sign_in(staff, live_stack, STAFF)
    staff.goto(live_stack.url("/app/cases/", slug=SLUG))
    staff.locator("form.filters input[name=q]").fill(reference)
    with staff.expect_navigation():
        staff.locator("form.filters button[type=submit]").click()
    rows = staff.locator("table.case-table tbody tr")
    expect(rows).to_have_count(1)
    with staff.expect_navigation():
        rows.locator("a", has_text=reference).click()
    expect(staff).to_have_url(live_stack.url(f"/app/cases/{case_id}/", slug=SLUG))
    expect(staff.locator("#case-status")).to_have_text("مستلمة")
    expect(staff.locator(".summary-text")).to_have_text(SUMMARY)
    expect_timeline(staff, "open")

    act(staff, "verify")
    act(staff, "declare", lambda f: f.locator("input[name=signed_by]").fill(BENEFICIARY))
    act(staff, "submit_to_committee")
    expect_timeline(staff, "verify", "declare", "submit_to_committee")
    due = staff.locator("#committee-due time")
    expect(due).to_be_visible()
    due_text = due.inner_text().strip()
    # Staff cannot decide in the committee's place.
    expect(staff.locator("form#action-decide")).to_have_count(0)

    expect_status(
        beneficiary,
        re.compile(re.escape(SENTENCE_COMMITTEE) + r".*" + re.escape(due_text)),
        "verify",
        "declare",
        "submit_to_committee",
    )

    # 3. A committee member records the decision.
    # On a phone, from the queue of what awaits their decision on their home.
    committee = contexts(390, 844).new_page()
    sign_in(committee, live_stack, COMMITTEE)
    queue = committee.locator("#decision-queue")
    expect(queue.locator("tr.queue-case")).to_have_count(1)
    expect(queue.locator("tr.queue-case")).to_contain_text(reference)
    expect(queue.locator("tr.queue-case")).to_contain_text(due_text)
    fits(committee)
    screenshot(committee, "committee-queue-390.png")
    with committee.expect_navigation():
        queue.locator("a", has_text=reference).click()
    expect(committee).to_have_url(live_stack.url(f"/app/cases/{case_id}/", slug=SLUG))
    expect(committee.locator("#case-status")).to_have_text("بانتظار القرار")
    act(
        committee,
        "decide",
        lambda f: f.locator("input[name=decision][value=accepted]").check(),
        shot="confirm-decide-390.png",
    )
    expect(committee.locator("#case-status")).to_have_text("مقبولة")
    expect_timeline(committee, "decide", "beneficiary_told")
    fits(committee)
    committee.goto(live_stack.url("/app/", slug=SLUG))
    expect(committee.locator("#queue-empty")).to_be_visible()  # nothing waits any more

    expect_status(beneficiary, SENTENCE_ACCEPTED, "decide")
    mail_with(live_stack, reference)  # the decision e-mail, written by the worker

    # 4. Staff register the beneficiary, deliver the service and close the case.
    staff.reload()
    expect(staff.locator("#case-status")).to_have_text("مقبولة")
    act(staff, "register")
    act(
        staff,
        "deliver",
        lambda f: f.locator("textarea[name=note]").fill("سُدّد إيجار شهر واحد."),
    )
    act(staff, "close", shot="confirm-close-1366.png")
    expect(staff.locator("#case-status")).to_have_text("مغلقة")
    expect(staff.locator("#no-actions")).to_be_visible()
    expect_timeline(staff, "register", "deliver", "close")

    expect_status(beneficiary, SENTENCE_CLOSED, "register", "deliver", "close")

    # 5. The closing e-mail's survey link, answered once on the phone.
    body = mail_with(live_stack, "/survey/")
    link = SURVEY_LINK.search(body)
    assert link, body
    survey_url = link.group(0)
    assert survey_url.startswith(live_stack.url("/survey/", slug=SLUG)), survey_url
    beneficiary.goto(survey_url)
    expect(beneficiary.locator("main")).to_contain_text(reference)
    survey = beneficiary.locator("main form")
    survey.locator("input[name=score][value='5']").check()
    survey.locator("input[name=deadline_kept][value=yes]").check()
    survey.locator("input[name=staff_courteous][value=yes]").check()
    survey.locator("textarea[name=comment]").fill("شكرًا على سرعة الاستجابة وحسن التعامل.")
    with beneficiary.expect_navigation():
        survey.locator("button[type=submit]").click()
    expect(beneficiary.locator("h1")).to_have_text("شكرًا لك")
    expect(beneficiary.locator("main [role=status]")).to_contain_text("سُجّلت إجاباتك")
    screenshot(beneficiary, "survey-thanks.png")
    assert live_stack.sql(
        f"SELECT score, deadline_kept, staff_courteous, answered_at IS NOT NULL"
        f' FROM "{association}".workflow_survey WHERE case_id = %s',
        (case_id,),
    ) == [(5, True, True, True)]

    # Single use: the link now only says the answers were recorded.
    beneficiary.goto(survey_url)
    expect(beneficiary.locator("h1")).to_have_text("شكرًا لك")
    expect(beneficiary.locator("main form")).to_have_count(0)

    # 6. Every step, on the status page and on the case's timeline.
    beneficiary.goto(status_url)
    expect_status(beneficiary, SENTENCE_CLOSED, *PUBLIC_STEPS)
    staff.reload()
    expect_timeline(staff, *TIMELINE)
    fits(staff)
    screenshot(staff, "case-page.png")
