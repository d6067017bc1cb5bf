"""Data-subject requests honoured end to end in Chromium, on the live stack.

A member of staff records a deletion request for a beneficiary whose case is closed, verifies
the person, carries it out and finds the beneficiary anonymised; then records a copy request
for another beneficiary and downloads the ZIP in the browser. Screenshots are kept under
test-output/e2e/ (data-request-deleted, beneficiary-anonymised, data-request-copy).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.live import LiveStack

pytestmark = pytest.mark.e2e

SLUG = "amal-privacy"
PASSWORD = "Qahwa-Hail-2026"
ADMIN = "admin@amal.example"
STAFF = "staff@amal.example"
ERASED = {"national_id": "1000000008", "name": "نورة سعد القحطاني", "phone": "0512345678"}
COPIED = {"national_id": "2000000006", "name": "خالد يوسف الشمري", "phone": "0551234567"}
PLACEHOLDER = "مستفيد محذوف"

# Run by `manage.py shell` in the live stack: a published policy, a member of staff, one
# beneficiary whose only case is closed and one with an open case and a document.
SETUP = f"""
import datetime, io
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image
from publishing.services import (
    policy_draft_approve, policy_draft_ensure, policy_draft_update, policy_publish,
)
from accounts.models import User
from accounts.services import user_create
from tenants.models import Association
from workflow.documents import case_document_add
from workflow.models import Case
from workflow.services import case_open

association = Association.objects.get(slug={SLUG!r})
with schema_context(association.schema_name):
    policy_draft_ensure()
    policy_draft_update(data={{"channels": ["interview", "phone"]}})
    policy_draft_approve(
        meeting_number="3", approved_on=datetime.date(2025, 2, 1), chair_name="رئيس المجلس"
    )
    policy_publish(actor_email={ADMIN!r})
    staff = user_create(email={STAFF!r}, password={PASSWORD!r}, role="staff",
                        full_name="موظف علاقات المستفيدين", email_verified=True)
    for who in ({ERASED!r}, {COPIED!r}):
        case, _token = case_open(
            channel="interview", summary="طلب دعم " + who["name"], consent=True, actor=staff,
            beneficiary={{"national_id": who["national_id"], "full_name": who["name"],
                          "phone": who["phone"]}},
        )
        if who["national_id"] == {ERASED["national_id"]!r}:
            Case.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now())
        else:
            image = io.BytesIO()
            Image.new("RGB", (8, 8), (11, 110, 79)).save(image, format="PNG")
            case_document_add(
                case=case, kind="id_copy", actor=staff,
                upload=SimpleUploadedFile("id.png", image.getvalue(), content_type="image/png"),
            )
print(association.schema_name)
"""


@pytest.fixture(scope="module")
def association(live_stack: LiveStack) -> str:
    live_stack.manage(
        "create_association",
        "--slug", SLUG, "--name-ar", "جمعية الأمل", "--name-en", "Al-Amal",
        "--admin-email", ADMIN, "--admin-password", PASSWORD,
    )  # fmt: skip
    return live_stack.manage("shell", "-c", SETUP).stdout.strip().splitlines()[-1]


@pytest.fixture
def staff_page(browser: Browser, live_stack: LiveStack, association: str) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_stack.url("/accounts/login/", slug=SLUG))
    page.fill("input[name=login]", STAFF)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_stack.url("/app/", slug=SLUG))
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def record_and_verify(page: Page, live_stack: LiveStack, kind: str, who: dict) -> str:
    """Record a request from the workspace and verify the person; the request page's URL."""
    page.goto(live_stack.url("/app/", slug=SLUG))
    with page.expect_navigation():
        page.locator("a[href='/app/privacy/requests/']:visible").first.click()
    with page.expect_navigation():
        page.locator("a[href='/app/privacy/requests/new/']").click()
    form = page.locator("form#request-form")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=requester_name]").fill(who["name"])
    form.locator("input[name=requester_national_id]").fill(who["national_id"])
    form.locator("input[name=requester_contact]").fill(who["phone"])
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#request-status")).to_be_visible()
    expect(page.locator("#request-due time")).to_be_visible()
    verify = page.locator("form#action-verify")
    verify.locator("input[name=national_id]").fill(who["national_id"])
    verify.locator("textarea[name=method_note]").fill("بطاقة الهوية الوطنية في مقر الجمعية")
    with page.expect_navigation():
        verify.locator("button[type=submit]").click()
    expect(page.locator("form#action-verify")).to_have_count(0)
    expect(page.locator("dl.facts")).to_contain_text(who["name"])
    return page.url


def test_staff_erase_a_beneficiary_and_hand_over_a_copy_in_the_browser(
    live_stack: LiveStack, association: str, staff_page: Page, tmp_path
):
    page = staff_page

    # 1. A deletion request for the beneficiary whose case is closed.
    record_and_verify(page, live_stack, "deletion", ERASED)
    with page.expect_navigation():
        page.locator("form#action-delete button[type=submit]").click()
    expect(page.locator("#request-outcome")).to_be_visible()
    expect(page.locator("form#action-delete")).to_have_count(0)
    screenshot(page, "data-request-deleted.png")
    with page.expect_navigation():
        page.locator("dl.facts a[href^='/app/beneficiaries/']").click()
    expect(page.locator("h1")).to_have_text(PLACEHOLDER)
    expect(page.locator("#anonymised-state")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(ERASED["national_id"])
    expect(page.locator("main")).not_to_contain_text(ERASED["name"])
    screenshot(page, "beneficiary-anonymised.png")
    [(name, national_id, phone)] = live_stack.sql(
        f'SELECT full_name, national_id, phone FROM "{association}".workflow_beneficiary '
        "WHERE national_id NOT IN (%s)",
        (COPIED["national_id"],),
    )
    assert (name, phone) == (PLACEHOLDER, "") and national_id.startswith("X")

    # 2. A copy request, downloaded in the browser.
    record_and_verify(page, live_stack, "copy", COPIED)
    with page.expect_download() as download_info:
        page.locator("#export-link").click()
    archive_path = tmp_path / "copy.zip"
    download_info.value.save_as(archive_path)
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        data = json.loads(archive.read("data.json"))
        report = archive.read("report.html").decode()
    assert data["beneficiary"]["national_id"] == COPIED["national_id"]
    assert data["cases"][0]["documents"][0]["original_name"] == "id.png"
    assert any(name.startswith("documents/") and name.endswith("id.png") for name in names)
    assert COPIED["name"] in report and 'dir="rtl"' in report
    assert ERASED["name"] not in report
    page.reload()
    expect(page.locator("#request-timeline li[data-action=downloaded]")).to_have_count(1)
    screenshot(page, "data-request-copy.png")
