"""A new association's setup checklist: its progress read from the real state, step by step,
and the dead ends that lead on to the next step."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation
from django_tenants.utils import schema_context

from accounts.models import User
from tests.helpers import PASSWORD, POLICY, SETTINGS_FORM, Tenant, api_client, client_for
from workspace.provisioning import association_provision


@pytest.fixture
def gamma(db) -> Tenant:
    """An association just signed up: its admin alone, nothing configured."""
    association, _admin = association_provision(
        slug="gamma-setup",
        name_ar="جمعية جاما",
        name_en="Gamma",
        admin_email="admin@gamma.example",
        admin_password=PASSWORD,
    )
    return Tenant(association, "gamma-setup.localhost", "admin@gamma.example", "")


def checklist(client) -> tuple[str, list[str]]:
    """The progress line and the keys of the steps marked done, as the admin's home shows them."""
    page = html.unescape(client.get("/app/").content.decode())
    if 'id="setup-checklist"' not in page:
        return "", []
    progress = re.search(r'id="setup-progress">(.*?)</p>', page).group(1)
    done = re.findall(r'class="setup-step done" id="setup-(\w+)"', page)
    return progress, done


def test_the_checklist_follows_the_setup_to_its_end(gamma):
    admin = client_for(gamma, email=gamma.admin_email)
    assert checklist(admin) == ("0 من 5 خطوات مكتملة", [])
    page = admin.get("/app/").content.decode()
    assert re.search(r'href="/app/settings/" id="setup-next"', page)  # the first step, first

    response = admin.post("/app/settings/", SETTINGS_FORM)
    assert response.status_code == 302
    assert checklist(admin) == ("1 من 5 خطوات مكتملة", ["profile"])

    client, auth = api_client(gamma, gamma.admin_email)
    draft = client.patch("/api/v1/policy/draft/", POLICY, content_type="application/json", **auth)
    assert draft.status_code == 200
    assert checklist(admin)[1] == ["profile", "policy"]
    approval = {"meeting_number": "3", "approved_on": "2024-08-14", "chair_name": "د. سعد"}
    client.post("/api/v1/policy/draft/approve/", approval, content_type="application/json", **auth)
    assert checklist(admin)[1] == ["profile", "policy", "approval"]
    client.post("/api/v1/policy/draft/publish/", {}, content_type="application/json", **auth)
    assert checklist(admin) == ("4 من 5 خطوات مكتملة", ["profile", "policy", "approval", "publish"])
    assert re.search(r'href="/app/members/" id="setup-next"', admin.get("/app/").content.decode())

    with schema_context(gamma.association.schema_name):
        User.objects.create_user("staff@gamma.example", PASSWORD, role=User.Role.STAFF)
    assert checklist(admin) == ("", [])  # all done: the checklist makes way for the work


def test_staff_see_no_checklist_and_beta_is_not_counted_with_alpha(alpha, beta, alpha_policy):
    # Alpha published; beta, next door, did not: its admin still has the policy steps to do.
    assert checklist(client_for(alpha, email=alpha.staff_email)) == ("", [])
    _progress, done = checklist(client_for(beta, email=beta.admin_email))
    assert "publish" not in done and "policy" not in done


def test_a_new_case_before_any_policy_leads_the_admin_to_the_policy(gamma):
    with schema_context(gamma.association.schema_name):
        User.objects.create_user("staff@gamma.example", PASSWORD, role=User.Role.STAFF)
    admin_page = client_for(gamma, email=gamma.admin_email).get("/app/cases/new/").content.decode()
    assert 'href="/app/settings/policy/" id="to-policy"' in admin_page
    staff_page = client_for(gamma, email="staff@gamma.example").get("/app/cases/new/")
    assert "اطلب من مدير الجمعية نشرها" in html.unescape(staff_page.content.decode())
    assert 'id="to-policy"' not in staff_page.content.decode()


def test_the_platform_home_has_a_sign_in_link(platform_client):
    page = platform_client.get("/").content.decode()
    assert 'href="/accounts/login/" id="platform-sign-in"' in page
    login = html.unescape(platform_client.get("/accounts/login/").content.decode())
    assert "يدخل أعضاء الجمعية من عنوان جمعيتهم الخاص" in login


def test_an_invitation_starts_with_no_role_chosen_least_powerful_first(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    page = html.unescape(admin.get("/app/members/").content.decode())
    select = re.search(r'<select name="role"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\w*)"', select) == [
        "",
        "referral",
        "committee",
        "staff",
        "admin",
    ]
    assert re.findall(r'<option value="(\w*)" selected>', select) == [""]  # none chosen
    assert "عضو اللجنة: يبتّ في الحالات المرفوعة للقرار" in page  # each role said in a sentence
    before = admin.get("/app/members/").content.decode().count("<tr")
    response = admin.post("/app/members/", {"email": "new@alpha.example", "role": ""})
    assert "اختر الدور الذي سيتولاه العضو الجديد." in html.unescape(response.content.decode())
    assert admin.get("/app/members/").content.decode().count("<tr") == before


def test_django_password_rules_speak_arabic_on_an_arabic_page():
    # Django 5.2's catalogue lacks its own new wording of the length rule; ours supplies it.
    with translation.override("ar"), pytest.raises(ValidationError) as refused:
        validate_password("abc")
    assert refused.value.messages[0] == "كلمة المرور قصيرة جدًا: اجعلها 8 أحرف على الأقل."
    assert not any(re.search("[A-Za-z]", message) for message in refused.value.messages)
