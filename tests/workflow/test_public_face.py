"""The association's public face: a landing page that leads a beneficiary to help, a status page
that says when to expect a reply and keeps its link at hand, and a lost link renewed by staff."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from django.core import mail
from django_tenants.utils import schema_context

from accounts.models import User
from common.hijri import hijri_with_gregorian
from publishing.selectors import policy_published
from tests.helpers import POLICY, REQUEST_FORM, client_for, publish
from workflow import services
from workflow.models import Case, CaseEvent, CaseStatus


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def header(page: str) -> str:
    return page.split("<header", 1)[1].split("</header>", 1)[0]


def filed(tenant) -> tuple[Case, str]:
    response = client_for(tenant).post("/request/", REQUEST_FORM)
    assert response.status_code == 302, text_of(response)[:2000]
    with schema_context(tenant.association.schema_name):
        return Case.objects.select_related("beneficiary").get(), response.url


# --- the landing page ------------------------------------------------------------------------


def test_landing_page_leads_to_the_request_form_the_policy_and_the_channels(alpha, alpha_policy):
    page = text_of(client_for(alpha).get("/"))
    assert re.search(
        r'<a class="button large" id="request-help" href="/request/">قدّم طلبك</a>', page
    )
    assert 'id="read-policy" href="/policy/"' in page
    assert 'href="/complaints/" id="send-complaint"' in page
    channels = re.findall(r'<li class="chip">(.*?)</li>', page)
    with schema_context(alpha.association.schema_name):
        assert channels == policy_published().channel_names("ar")
    assert len(channels) == 3 and "المقابلة الشخصية" in channels
    # Staff sign in from the footer: the header is the beneficiary's.
    assert "/accounts/login/" not in header(page)
    assert 'href="/accounts/login/" id="staff-sign-in">دخول الموظفين<' in page


def test_without_the_website_channel_there_is_no_request_button(alpha):
    publish(alpha, data={**POLICY, "channels": ["interview", "phone"]})
    page = text_of(client_for(alpha).get("/?lang=en"))
    assert 'href="/request/' not in page
    assert len(re.findall(r'<li class="chip">(.*?)</li>', page)) == 2
    assert 'id="read-policy" href="/policy/"' in page


def test_before_a_policy_the_landing_page_offers_neither_form_nor_policy(alpha, beta, alpha_policy):
    # Alpha publishes with the website channel; beta, next door, has published nothing.
    page = text_of(client_for(beta).get("/"))
    assert 'href="/request/' not in page and 'href="/policy/"' not in page
    assert beta.association.name_ar in page


# --- the status page -------------------------------------------------------------------------


def test_status_page_promises_the_published_deadline_then_shows_its_date(alpha, alpha_policy):
    case, path = filed(alpha)
    client = client_for(alpha)
    page = text_of(client.get(path))
    expected = page.split('id="expected-reply"', 1)[1].split("</section>", 1)[0]
    assert "خلال 10 أيام عمل" in expected, expected
    with schema_context(alpha.association.schema_name):
        staff = User.objects.get(email=alpha.staff_email)
        for action, data in (("verify", {}), ("declare", {"signed_by": "محمد أحمد"})):
            services.case_transition(case_id=case.pk, actor=staff, action=action, data=data)
        case = services.case_transition(
            case_id=case.pk, actor=staff, action="submit_to_committee", data={}
        )
    page = text_of(client.get(path))
    expected = page.split('id="expected-reply"', 1)[1].split("</section>", 1)[0]
    assert hijri_with_gregorian(case.committee_due_on, "ar") in expected
    assert f'datetime="{case.committee_due_on.isoformat()}"' in expected
    with schema_context(alpha.association.schema_name):
        Case.objects.filter(pk=case.pk).update(
            status=CaseStatus.REJECTED, decided_on=case.committee_due_on
        )
    assert 'id="expected-reply"' not in text_of(client.get(path))


def test_status_page_keeps_the_link_at_hand_without_script(alpha, alpha_policy):
    case, path = filed(alpha)
    page = text_of(client_for(alpha).get(path))
    url = f"http://alpha.localhost{path}"
    assert f'id="status-link" type="url" readonly dir="ltr" value="{url}"' in page
    # Copy and share appear only where script can do them; the e-mail link works without it.
    assert re.search(r'id="copy-link"[^>]*hidden', page)
    assert re.search(r'<script src="/static/js/copy-link\.[\w.]*js" defer>', page)
    mailto = re.search(r'id="mail-link" href="mailto:\?subject=([^&]+)&body=([^"]+)"', page)
    assert mailto and unquote(mailto.group(2)) == url and "/" not in mailto.group(2)


# --- a lost link, renewed from the case page ---------------------------------------------------


def test_staff_issue_a_new_link_that_is_emailed_and_the_old_one_stops(
    alpha, alpha_policy, tasks_inline
):
    case, old_path = filed(alpha)
    staff = client_for(alpha, email=alpha.staff_email)
    detail = text_of(staff.get(f"/app/cases/{case.pk}/"))
    assert f'action="/app/cases/{case.pk}/status-link/"' in detail
    assert "أصدر رابطًا جديدًا وأرسله بالبريد" in detail
    response = staff.post(f"/app/cases/{case.pk}/status-link/")
    assert response.status_code == 302 and response.url == f"/app/cases/{case.pk}/"
    shown = text_of(staff.get(response.url))
    new_url, new_path = re.search(
        r"(http://alpha\.localhost[:\d]*(/request/[\w-]+/\?token=[\w-]+))", shown
    ).groups()
    assert "أُرسل رابط متابعة جديد إلى المستفيد بالبريد" in shown
    public = client_for(alpha)
    assert public.get(old_path).status_code == 404
    assert public.get(new_path).status_code == 200
    [message] = mail.outbox
    assert message.to == [REQUEST_FORM["email"]]
    assert new_url in message.body and case.reference in message.subject
    with schema_context(alpha.association.schema_name):
        event = CaseEvent.objects.get(case=case, action="status_link_renewed")
        assert event.actor_email == alpha.staff_email
        assert "token" not in str(event.data)


def test_committee_and_beta_cannot_renew_alphas_link(alpha, beta, alpha_policy, members):
    case, path = filed(alpha)
    committee = client_for(alpha, email=members["committee"])
    assert committee.post(f"/app/cases/{case.pk}/status-link/").status_code in (403, 404)
    beta_staff = client_for(beta, email=beta.staff_email)
    assert beta_staff.post(f"/app/cases/{case.pk}/status-link/").status_code == 404
    assert client_for(alpha).get(path).status_code == 200  # the beneficiary's link still works
