"""Complaints end to end in Chromium, on the live stack: a visitor on a phone sends a complaint
(the form shows every mistake at once first), keeps its private link; staff find it in the log
and answer it; the visitor reads the answer on the link. Screenshots under test-output/e2e/
(complaint-form-errors, complaint-sent, complaint-log, complaint-answered)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.live import LiveStack

pytestmark = pytest.mark.e2e

SLUG = "wafa-complaints"
PASSWORD = "Qahwa-Hail-2026"
ADMIN = "admin@wafa.example"
STAFF = "staff@wafa.example"
TEXT = "انتظرت ساعتين في مقر الجمعية دون أن يستقبلني أحد."
ANSWER = "نعتذر إليكم، وقد خصصنا موظف استقبال في الفترة الصباحية."

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
    policy_draft_update(data={{"channels": ["interview", "phone", "website"]}})
    policy_draft_approve(
        meeting_number="3", approved_on=datetime.date(2025, 2, 1), chair_name="رئيس المجلس"
    )
    policy_publish(actor_email={ADMIN!r})
    user_create(email={STAFF!r}, password={PASSWORD!r}, role="staff",
                full_name="موظف علاقات المستفيدين", email_verified=True)
"""


@pytest.fixture(scope="module")
def association(live_stack: LiveStack) -> None:
    live_stack.manage(
        "create_association",
        "--slug", SLUG, "--name-ar", "جمعية الوفاء", "--name-en", "Al-Wafa",
        "--admin-email", ADMIN, "--admin-password", PASSWORD,
    )  # fmt: skip
    live_stack.manage("shell", "-c", SETUP)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def test_a_complaint_is_sent_from_a_phone_answered_by_staff_and_read_by_its_sender(
    browser: Browser, live_stack: LiveStack, association: None
):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    phone.set_default_timeout(15_000)
    visitor = phone.new_page()
    visitor.goto(live_stack.url("/policy/", slug=SLUG))
    with visitor.expect_navigation():
        visitor.locator("#policy-complaints").click()
    expect(visitor.locator("html")).to_have_attribute("dir", "rtl")
    with visitor.expect_navigation():
        visitor.locator("main form button[type=submit]").click()
    for field in ("name", "phone", "text", "consent"):  # a complaint is chosen already
        expect(visitor.locator(f"#id_{field}-errors")).to_be_visible()
    screenshot(visitor, "complaint-form-errors.png")
    visitor.locator("#id_kind_0").check()
    visitor.fill("#id_name", "سارة خالد")
    visitor.fill("#id_phone", "٠٥٥ ١٢٣ ٤٥٦٧")
    visitor.fill("#id_text", TEXT)
    visitor.locator("#id_consent").check()
    with visitor.expect_navigation():
        visitor.locator("main form button[type=submit]").click()
    reference = visitor.locator("h1 bdi").inner_text()
    assert reference.startswith("S") and "?token=" in visitor.url
    screenshot(visitor, "complaint-sent.png")

    office = browser.new_context(viewport={"width": 1280, "height": 900})
    office.set_default_timeout(15_000)
    staff = office.new_page()
    staff.goto(live_stack.url("/accounts/login/", slug=SLUG))
    staff.fill("input[name=login]", STAFF)
    staff.fill("input[name=password]", PASSWORD)
    staff.locator("main form button[type=submit]").click()
    staff.wait_for_url(live_stack.url("/app/", slug=SLUG))
    with staff.expect_navigation():
        staff.locator("#card-complaints").click()
    expect(staff.locator("#complaint-statistics")).to_be_visible()
    screenshot(staff, "complaint-log.png")
    with staff.expect_navigation():
        staff.get_by_text(reference).click()
    expect(staff.locator("#complaint-text")).to_have_text(TEXT)
    staff.fill("#answer-form textarea[name=outcome]", ANSWER)
    with staff.expect_navigation():
        staff.locator("#answer-form button[type=submit]").click()
    expect(staff.locator("#outcome")).to_have_text(ANSWER)

    visitor.reload()
    expect(visitor.locator("#outcome")).to_have_text(ANSWER)
    screenshot(visitor, "complaint-answered.png")
    phone.close()
    office.close()
