"""The workspace's app shell (its navigation by role, the current page marked), the case table
sorted on the server (?sort=), and the case page: its stepper and names in its timeline."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from tests.helpers import NEW_CASE, client_for, open_case, person
from workflow.models import Case, CaseStatus


def nav(page: str) -> list[str]:
    """The sidebar's links (URL names), as the member's role allows them."""
    side = page.split('id="nav-side"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'id="nav-side-(\w+)"', side)


def test_the_navigation_follows_the_role_and_marks_the_current_page(alpha, alpha_policy, members):
    admin = client_for(alpha, email=members["admin"]).get("/app/cases/").content.decode()
    assert {"case_list", "case_new", "policy_settings", "members", "billing"} <= set(nav(admin))
    assert re.search(r'href="/app/cases/" id="nav-side-case_list" aria-current="page"', admin)
    assert admin.count('aria-current="page"') == 2  # the sidebar and the phone's menu, once each
    assert 'id="app-menu"' in admin and 'id="user-menu"' in admin
    committee = client_for(alpha, email=members["committee"]).get("/app/").content.decode()
    # Every member signs the yearly conflict-of-interest disclosure (governance/).
    assert nav(committee) == ["workspace", "case_list", "disclosure_mine"]
    public = client_for(alpha).get("/").content.decode()
    assert 'id="nav-side"' not in public and 'id="app-menu"' not in public


def test_the_home_repeats_no_link_of_the_navigation(alpha, alpha_policy, members):
    for role in ("admin", "staff", "committee"):
        page = client_for(alpha, email=members[role]).get("/app/").content.decode()
        side = page.split('id="nav-side"', 1)[1].split("</nav>", 1)[0]
        shell = set(re.findall(r'href="([^"]+)" id="nav-side-', side))
        main = page.split("<main", 1)[1].split("</main>", 1)[0]
        tiles = re.findall(r'<a class="card" href="([^"]+)"', main)
        assert tiles, role  # the shortcuts the shell does not offer are still there
        assert not shell & set(tiles), (role, shell & set(tiles))
        assert len(tiles) == len(set(tiles)), role


@pytest.fixture
def three_cases(alpha, alpha_policy):
    base = datetime.date(2026, 10, 1)
    return [
        open_case(alpha, who=person(n), status=CaseStatus.IN_COMMITTEE, committee_due_on=due)
        for n, due in ((1, base + datetime.timedelta(days=9)), (2, None), (3, base))
    ]


def references(page: str) -> list[str]:
    return re.findall(r'/app/cases/\d+/"><bdi dir="ltr">([\w-]+)</bdi>', page)


def test_the_case_table_sorts_on_the_server(alpha, three_cases):
    late, undated, soon = (case.reference for case in three_cases)
    staff = client_for(alpha, email=alpha.staff_email)
    newest_first = staff.get("/app/cases/").content.decode()
    assert references(newest_first) == [soon, undated, late]
    assert 'aria-sort="descending"' in newest_first
    by_due = staff.get("/app/cases/?sort=due").content.decode()
    assert references(by_due) == [soon, late, undated]  # no due date: last
    assert re.search(r'aria-sort="ascending"><a id="sort-due" href="\?sort=-due"', by_due)
    assert references(staff.get("/app/cases/?sort=-due").content.decode()) == [late, soon, undated]
    ordered = sorted((late, undated, soon))
    assert references(staff.get("/app/cases/?sort=reference").content.decode()) == ordered
    # An unknown order is ignored, never a 500.
    response = staff.get("/app/cases/?sort=national_id")
    assert response.status_code == 200
    assert references(response.content.decode()) == [soon, undated, late]


def test_beta_sorted_list_holds_none_of_alphas_cases(alpha, beta, three_cases):
    page = client_for(beta, email=beta.staff_email).get("/app/cases/?sort=due").content.decode()
    assert references(page) == []


def test_the_timeline_names_members_instead_of_their_addresses(alpha, alpha_policy):
    case = open_case(alpha)
    with schema_context(alpha.association.schema_name):
        User.objects.filter(email=alpha.staff_email).update(full_name="نورة السبيعي")
    staff = client_for(alpha, email=alpha.staff_email)
    staff.post(f"/app/cases/{case.pk}/transitions/", {"action": "verify", "version": case.version})
    page = staff.get(f"/app/cases/{case.pk}/").content.decode()
    timeline = page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "<bdi>نورة السبيعي</bdi>" in timeline
    assert alpha.staff_email not in timeline


def stepper(page: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<li class="stage (\w+)"[^>]*>.*?<span class="stage-label">(.*?)</span>', page
    )


def test_the_case_page_shows_its_own_procedure_and_what_the_decision_still_needs(
    alpha, alpha_policy
):
    case = open_case(alpha)
    staff = client_for(alpha, email=alpha.staff_email)
    page = html.unescape(staff.get(f"/app/cases/{case.pk}/").content.decode())
    assert stepper(page) == [
        ("done", "مستلمة"),
        ("now", "التحقق من البيانات"),
        ("next", "وُقّع الإقرار"),
        ("next", "قرار لجنة البحث"),
        ("next", "مسجلة"),
        ("next", "قُدّمت الخدمة"),
        ("next", "مغلقة"),
    ]
    missing = re.search(r'id="stepper-missing">(.*?)</p>', page, re.S).group(1)
    assert "قبل رفعها إلى لجنة البحث" in missing
    assert (
        "<strong>تأكيد التحقق من البيانات</strong>، <strong>تسجيل الإقرار الموقّع</strong>"
        in missing
    )
    response = staff.post(
        f"/app/cases/{case.pk}/transitions/", {"action": "verify", "version": case.version}
    )
    assert response.status_code == 302  # POST-redirect-GET: a reload repeats nothing
    page = html.unescape(staff.get(response.url).content.decode())
    assert "تم: التحقق من البيانات. الحالة الآن «مستلمة»." in page
    assert [state for state, _label in stepper(page)][:3] == ["done", "done", "now"]
    assert 'aria-current="step"' in page
    missing = re.search(r'id="stepper-missing">(.*?)</p>', page, re.S).group(1)
    assert "الإقرار" in missing and "التحقق" not in missing


def test_a_rejected_case_skips_what_only_acceptance_leads_to(alpha, alpha_policy):
    case = open_case(
        alpha,
        status=CaseStatus.REJECTED,
        verified_at=timezone.now(),
        declared_at=timezone.now(),
        decided_on=datetime.date(2026, 9, 1),
    )
    page = client_for(alpha, email=alpha.staff_email).get(f"/app/cases/{case.pk}/").content
    states = [state for state, _label in stepper(page.decode())]
    assert states == ["done", "done", "done", "done", "skipped", "skipped", "now"]
    assert 'id="stepper-missing"' not in page.decode()


def test_the_committee_sees_national_ids_masked_in_the_list_and_staff_in_full(
    alpha, alpha_policy, members
):
    case = open_case(alpha, status=CaseStatus.IN_COMMITTEE)
    full = case.beneficiary.national_id
    committee = client_for(alpha, email=members["committee"]).get("/app/cases/").content.decode()
    assert case.reference in committee
    assert full not in committee
    assert f'<bdi dir="ltr">••••••{full[-4:]}</bdi>' in committee
    staff = client_for(alpha, email=alpha.staff_email).get("/app/cases/").content.decode()
    assert f'<bdi dir="ltr">{full}</bdi>' in staff


def test_the_new_case_form_names_every_problem_at_once_with_a_summary(alpha, alpha_policy):
    staff = client_for(alpha, email=alpha.staff_email)
    data = {
        **NEW_CASE,
        "national_id": "1000000000",
        "phone": "0112345678",
        "household_size": "خمسة",
    }
    del data["consent"]
    response = staff.post("/app/cases/new/", data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    summary = page.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    for field in ("national_id", "phone", "household_size", "consent"):
        assert f'href="#id_{field}"' in summary, field
        assert f'id="id_{field}-errors"' in page, field
    assert "قارن الأرقام العشرة بما في بطاقة الهوية" in summary  # says how to fix it
    with schema_context(alpha.association.schema_name):
        assert not Case.objects.exists()
