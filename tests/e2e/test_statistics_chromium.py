"""Published statistics in Chromium on a phone, on the live stack: the public page reads in
Arabic, right to left, shows a suppressed count as «أقل من ٥», and fits 390 px without sideways
scrolling. Screenshot under test-output/e2e/ (statistics-phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.chromium import SCREENSHOTS
from tests.live import LiveStack

pytestmark = pytest.mark.e2e

SLUG = "nama-statistics"
PASSWORD = "Nakhl-Qassim-2026"
ADMIN = "admin@nama.example"

# Seven enquiries by phone and two by the website, answered in February 2025, made through the
# services and then dated there; the first quarter of 2025 published.
SETUP = f"""
import datetime
from django.utils import timezone
from django_tenants.utils import schema_context
from accounts.models import User
from publishing.services import (
    policy_draft_approve, policy_draft_ensure, policy_draft_update, policy_publish,
)
from reporting.services import statistics_publish
from tenants.models import Association
from workflow.models import Case
from workflow.services import case_open, case_transition
from stdnum import luhn

association = Association.objects.get(slug={SLUG!r})
on = datetime.datetime(2025, 2, 16, 10, tzinfo=timezone.get_current_timezone())
with schema_context(association.schema_name):
    policy_draft_ensure()
    policy_draft_update(data={{
        "channels": ["interview", "phone", "website"],
        "procedure": [{{"step": s}} for s in ("receive", "answer", "decide", "deliver")],
        "committee_deadline": {{"kind": "working", "days": 10}},
    }})
    policy_draft_approve(
        meeting_number="4", approved_on=datetime.date(2025, 1, 5), chair_name="رئيس المجلس"
    )
    policy_publish(actor_email={ADMIN!r})
    admin = User.objects.get(email={ADMIN!r})
    for n, channel in enumerate(["phone"] * 7 + ["website"] * 2, start=1):
        body = f"1{{n:08d}}"
        case, _token = case_open(
            channel=channel,
            beneficiary={{"national_id": body + luhn.calc_check_digit(body),
                          "full_name": f"مستفيد {{n}}", "phone": f"055{{n:07d}}"}},
            summary="استفسار عن الخدمات", consent=True, actor=admin,
        )
        case_transition(case_id=case.pk, actor=admin, action="answer", data={{"note": "أُجيب"}})
        Case.objects.filter(pk=case.pk).update(created_at=on, answered_at=on)
    statistics_publish(year=2025, quarter=1, actor_email={ADMIN!r})
"""


@pytest.fixture(scope="module")
def association(live_stack: LiveStack) -> None:
    live_stack.manage(
        "create_association",
        "--slug", SLUG, "--name-ar", "جمعية نماء", "--name-en", "Namaa",
        "--admin-email", ADMIN, "--admin-password", PASSWORD,
    )  # fmt: skip
    live_stack.manage("shell", "-c", SETUP)


def test_the_public_statistics_read_in_arabic_on_a_phone_without_sideways_scrolling(
    browser: Browser, live_stack: LiveStack, association: None
):
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    phone.set_default_timeout(15_000)
    page = phone.new_page()
    page.goto(live_stack.url("/governance/statistics/1/", slug=SLUG))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_contain_text("الإحصاءات: الربع 1 من عام 2025")
    # The two by the website would follow from the people served: hidden with them.
    expect(page.locator("#beneficiaries")).to_have_text("محجوب")
    phone_row = page.locator("#outcomes tbody tr", has_text="الاتصالات الهاتفية")
    expect(phone_row.locator("td").nth(2)).to_have_text("7")  # enquiries answered by phone
    expect(page.locator("#outcomes tbody tr", has_text="الموقع الإلكتروني")).to_contain_text(
        "أقل من ٥"
    )
    width = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert width["scroll"] <= width["inner"], width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "statistics-phone.png", full_page=True)
    phone.close()
