"""Complaints and suggestions: filed online (page and API) or logged by staff through a
published channel; answered within the association's deadline, escalated when overdue, told to
the person through their private link; never a case; personal data under the privacy rules;
nothing of alpha's within beta's reach."""

from __future__ import annotations

import datetime
import html
import re

from django.core import mail
from django_tenants.utils import schema_context

from audit.models import AccessRecord
from complaints.models import Complaint, ComplaintReminder
from complaints.reminders import complaint_reminders_send
from complaints.services import complaint_file
from complaints.tasks import complaint_reminders_dispatch_task
from privacy.anonymise import beneficiary_anonymise
from privacy.export import subject_data, subject_report_html
from privacy.retention import retention_apply, retention_rule_set
from tests.helpers import client_for, open_case, person
from workflow.models import Case

FORM = {
    "kind": "complaint",
    "name": "سارة خالد",
    "phone": "٠٥٥ ١٢٣ ٤٥٦٧",  # Arabic-Indic digits and spaces, as people type them
    "text": "انتظرت ساعتين في مقر الجمعية دون أن يستقبلني أحد.",
    "consent": "on",
}
API = {
    "kind": "suggestion",
    "name": "Khalid",
    "phone": "0551234567",
    "text": "Open on Saturday mornings.",
    "consent": True,
}


def page(response) -> str:
    return html.unescape(response.content.decode())


def field_errors(response, field: str) -> str:
    match = re.search(rf'id="id_{field}-errors">(.*?)</div>', page(response), re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def in_schema(tenant):
    return schema_context(tenant.association.schema_name)


def file(tenant, **changes) -> tuple[Complaint, str]:
    """A complaint filed online through the service."""
    data = {"kind": "complaint", "name": "سارة", "phone": "0551234567", "text": "تأخر الرد"}
    with in_schema(tenant):
        return complaint_file(**{**data, **changes}, consent=True, actor=None)


def test_a_visitor_files_a_complaint_online_and_follows_it_by_its_private_link(alpha, alpha_policy):
    client = client_for(alpha)
    form = client.get("/complaints/")
    assert form.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page(form)
    assert "<script" not in page(form)  # works without script
    response = client.post("/complaints/", FORM)
    assert response.status_code == 302
    with in_schema(alpha):
        complaint = Complaint.objects.get()
        assert (complaint.phone, complaint.kind, complaint.channel_code) == (
            "+966551234567",
            "complaint",
            "website",
        )
        # Received on Thursday 17 September 2026: ten working days later, Thursday 1 October.
        assert complaint.due_on == datetime.date(2026, 10, 1)
        assert not Case.objects.exists()  # a complaint never opens a case
    assert response["Location"].startswith(f"/complaints/{complaint.reference}/?token=")
    status = page(client.get(response["Location"] + "&lang=en"))
    assert complaint.reference in status
    assert "will answer by" in status and "2026" in status
    wrong = client.get(f"/complaints/{complaint.reference}/?token=wrong")
    assert wrong.status_code == 404
    assert complaint.text not in page(wrong)


def test_every_problem_is_shown_at_once_in_both_languages_and_nothing_is_saved(alpha):
    client = client_for(alpha)
    response = client.post("/complaints/?lang=en", {"phone": "0112345678", "name": "س" * 201})
    assert response.status_code == 400
    assert "Choose a complaint or a suggestion." in field_errors(response, "kind")
    assert "At most 200 characters." in field_errors(response, "name")
    assert "Enter a mobile number such as 0512345678." in field_errors(response, "phone")
    assert "This field is required." in field_errors(response, "text")
    assert "Your consent" in field_errors(response, "consent")
    # A foreign mobile: the answer is told by SMS, sent to Saudi mobiles only.
    arabic = client_for(alpha).post("/complaints/", {**FORM, "phone": "+971501234567"})
    assert arabic.status_code == 400
    assert "05" in field_errors(arabic, "phone") and "رقم" in field_errors(arabic, "phone")
    with in_schema(alpha):
        assert not Complaint.objects.exists()


def test_the_api_files_a_complaint_refuses_bad_input_by_field_and_shares_the_rate_limit(alpha):
    client = client_for(alpha)
    created = client.post("/api/v1/complaints/", API, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"reference", "status_token"}
    status = client.get(f"/complaints/{body['reference']}/?token={body['status_token']}&lang=en")
    assert status.status_code == 200 and "Suggestion" in page(status)
    as_form = client.post("/api/v1/complaints/", API)
    assert as_form.status_code == 415
    bad = client.post(
        "/api/v1/complaints/?lang=en",
        {"kind": "praise", "phone": "٠٥٥١٢٣٤٥٦٧", "text": "", "consent": "yes", "extra": 1},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "extra": ["Unknown field."],
        "phone": ["Enter a mobile number such as 0512345678."],
    }
    bad = client.post(
        "/api/v1/complaints/?lang=en",
        {"kind": "praise", "name": "", "phone": "0551234567", "text": "x", "consent": False},
        content_type="application/json",
    )
    assert set(bad.json()) == {"kind", "name", "consent"}
    # The schema bounds the text as sent: spaces the form would trim do not fit it into 5,000.
    padded = client.post(
        "/api/v1/complaints/?lang=en",
        {**API, "text": "\x1c" + "x" * 5000},
        content_type="application/json",
    )
    assert padded.status_code == 400
    assert padded.json() == {"text": ["Ensure this field has no more than 5000 characters."]}
    with in_schema(alpha):
        assert Complaint.objects.count() == 1
    # One budget per address for requests and complaints, page or API: ten an hour.
    for _ in range(7):
        client.post("/api/v1/complaints/", API, content_type="application/json")
    assert client.post("/complaints/", FORM).status_code == 429
    refused = client.post("/api/v1/complaints/", API, content_type="application/json")
    assert refused.status_code == 429
    assert client.post("/api/v1/requests/", {}, content_type="application/json").status_code == 429


def test_staff_log_a_complaint_about_a_case_which_stays_as_it_was(alpha, alpha_policy, staff):
    case = open_case(alpha, who=person(7))
    with in_schema(alpha):
        before = (case.status, case.version, case.events.count(), case.updated_at)
    form = {**FORM, "channel": "phone", "case_reference": case.reference.lower()}
    response = staff.post("/app/complaints/new/", form)
    assert response.status_code == 302
    with in_schema(alpha):
        complaint = Complaint.objects.get()
        case.refresh_from_db()
        assert (case.status, case.version, case.events.count(), case.updated_at) == before
        assert complaint.case_id == case.pk and complaint.recorded_by == alpha.staff_email
        assert complaint.channel_name_en == "Phone" or complaint.channel_code == "phone"
    detail = page(staff.get(response["Location"] + "?lang=en"))
    assert f'href="/app/cases/{case.pk}/"' in detail and FORM["text"] in detail
    unknown = staff.post("/app/complaints/new/?lang=en", {**form, "case_reference": "ZZZZ-ZZZZ"})
    assert unknown.status_code == 400
    assert "No case of this association has this reference." in page(unknown)
    website = staff.post("/app/complaints/new/?lang=en", {**form, "channel": "fax"})
    assert website.status_code == 400
    with in_schema(alpha):
        assert Complaint.objects.count() == 1


def test_a_complaint_is_assigned_answered_once_and_the_person_reads_the_answer(
    alpha, alpha_policy, staff, admin, clock
):
    complaint, token = file(alpha)
    url = f"/app/complaints/{complaint.pk}/"
    assert staff.post(url + "assign/", {"assignee": alpha.admin_email}).status_code == 302
    refused = staff.post(url + "assign/?lang=en", {"assignee": "nobody@else.example"})
    assert refused.status_code == 400
    empty = staff.post(url + "answer/?lang=en", {"outcome": "  "})
    assert empty.status_code == 400 and "This field is required." in page(empty)
    answer = "اعتذرنا للمستفيدة، وعيّنا موظف استقبال دائمًا في الفترة الصباحية."
    assert admin.post(url + "answer/", {"outcome": answer}).status_code == 302
    again = admin.post(url + "answer/?lang=en", {"outcome": "Something else"})
    assert again.status_code == 400
    with in_schema(alpha):
        complaint.refresh_from_db()
        assert (complaint.status, complaint.assignee_email, complaint.outcome) == (
            "answered",
            alpha.admin_email,
            answer,
        )
        # Answered on the day its due date was counted from: on time, whenever the test runs.
        assert complaint.answered_at == clock.at
        trail = AccessRecord.objects.filter(object_type="complaint", object_id=str(complaint.pk))
        assert sorted(trail.values_list("action", flat=True)) == ["update", "update"]
    assert answer in page(staff.get(url))
    with in_schema(alpha):
        assert trail.filter(action="view", actor_email=alpha.staff_email).exists()
    status = page(client_for(alpha).get(f"/complaints/{complaint.reference}/?token={token}"))
    assert answer in status


def test_only_relations_staff_and_admins_keep_the_log(alpha, members):
    complaint, _token = file(alpha)
    for role in ("committee", "referral"):
        client = client_for(alpha, email=members[role])
        assert client.get("/app/complaints/").status_code == 403
        assert client.get(f"/app/complaints/{complaint.pk}/").status_code == 403
    listing = page(client_for(alpha, email=members["staff"]).get("/app/complaints/?lang=en"))
    assert complaint.reference in listing


def test_the_log_counts_per_month_and_channel(alpha, alpha_policy, staff, clock):
    file(alpha)
    file(alpha, kind="suggestion")
    clock.at = clock.at + datetime.timedelta(days=31)
    late, _token = file(alpha)
    with in_schema(alpha):
        Complaint.objects.filter(pk=late.pk).update(
            status="answered", answered_at=clock.at, outcome="x"
        )
    listing = page(staff.get("/app/complaints/?lang=en"))
    table = listing[listing.index('id="complaint-statistics"') :]
    rows = re.findall(r"<tr><td><bdi dir=\"ltr\">([0-9-]+)</bdi></td><td>([^<]+)</td>"
                      r"<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", table)  # fmt: skip
    assert rows == [
        ("2026-10", "The association's website", "1", "0", "1", "1"),
        ("2026-09", "The association's website", "1", "1", "0", "0"),
    ]


def test_overdue_complaints_are_escalated_to_the_admins_once(alpha, members, clock):
    complaint, _token = file(alpha)
    answered, _token = file(alpha)
    with in_schema(alpha):
        Complaint.objects.filter(pk=answered.pk).update(
            status="answered", answered_at=clock.at, outcome="x"
        )

    def run(on):
        with in_schema(alpha):
            return complaint_reminders_send(on=on)

    assert run(complaint.due_on) == 0  # due today: not late yet
    assert run(complaint.due_on + datetime.timedelta(days=1)) == 1
    assert run(complaint.due_on + datetime.timedelta(days=2)) == 0
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [alpha.admin_email]
    assert complaint.reference in sent.body and answered.reference not in sent.body
    assert f"/app/complaints/{complaint.pk}/" in sent.body and "تجاوزت" in sent.subject


def test_the_daily_dispatch_escalates_each_association_its_own(alpha, beta, tasks_inline, clock):
    file(alpha)
    later = clock.at.date() + datetime.timedelta(days=30)
    assert complaint_reminders_dispatch_task.apply(kwargs={"on": later.isoformat()}).get() == (
        sorted([alpha.association.schema_name, beta.association.schema_name])
    )
    assert [message.to for message in mail.outbox] == [[alpha.admin_email]]
    with in_schema(beta):
        assert not ComplaintReminder.objects.exists()


def test_beta_reaches_none_of_alphas_complaints(alpha, beta, alpha_policy):
    complaint, token = file(alpha, text="ALPHA-COMPLAINT-SECRET")
    beta_staff = client_for(beta, email=beta.staff_email)
    assert beta_staff.get(f"/app/complaints/{complaint.pk}/").status_code == 404
    posted = beta_staff.post(f"/app/complaints/{complaint.pk}/answer/", {"outcome": "x"})
    assert posted.status_code == 404
    assert "ALPHA-COMPLAINT-SECRET" not in page(beta_staff.get("/app/complaints/"))
    assert complaint.reference not in page(beta_staff.get("/app/complaints/"))
    link = client_for(beta).get(f"/complaints/{complaint.reference}/?token={token}")
    assert link.status_code == 404 and "ALPHA-COMPLAINT-SECRET" not in page(link)
    with in_schema(alpha):
        assert Complaint.objects.get().status == "open"


def test_the_public_pages_link_to_the_complaints_form(alpha, alpha_policy):
    client = client_for(alpha)
    assert 'id="footer-complaints"' in page(client.get("/privacy/"))
    policy = page(client.get("/policy/"))
    assert 'href="/complaints/"' in policy and 'id="policy-complaints"' in policy


def test_a_persons_copy_holds_their_complaints_and_erasure_removes_them(alpha, alpha_policy):
    case = open_case(alpha, who=person(8, phone="0551234567"), status="closed")
    mine, _token = file(alpha, text="ALPHA-MINE")
    other, _token = file(alpha, phone="0559999999", text="ALPHA-OTHER")
    with in_schema(alpha):
        data, _files = subject_data(beneficiary=case.beneficiary)
        assert [c["text"] for c in data["complaints"]] == ["ALPHA-MINE"]
        assert "status_token_hash" not in data["complaints"][0]
        report = subject_report_html(data=data, association=alpha.association)
        assert "ALPHA-MINE" in report and "ALPHA-OTHER" not in report
        assert beneficiary_anonymise(beneficiary=case.beneficiary, actor_email="a", reason="r").done
        mine.refresh_from_db()
        other.refresh_from_db()
        assert (mine.text, mine.phone, mine.name, mine.kind) == ("", "", "مشتكٍ محذوف", "complaint")
        assert mine.anonymised_at is not None and other.text == "ALPHA-OTHER"


def test_retention_erases_complaints_answered_long_ago(alpha, clock):
    old, _token = file(alpha, text="ALPHA-OLD")
    recent, _token = file(alpha, text="ALPHA-RECENT")
    with in_schema(alpha):
        Complaint.objects.filter(pk=old.pk).update(
            status="answered", answered_at=clock.at - datetime.timedelta(days=800), outcome="x"
        )
        Complaint.objects.filter(pk=recent.pk).update(
            status="answered", answered_at=clock.at, outcome="x"
        )
        retention_rule_set(years=2, actor_email="a")
        retention_apply(on=clock.at.date())
        assert Complaint.objects.get(pk=old.pk).text == ""
        assert Complaint.objects.get(pk=recent.pk).text == "ALPHA-RECENT"


def test_an_admin_sets_the_associations_own_deadline_and_beta_keeps_ten_days(
    alpha, alpha_policy, admin, staff, beta
):
    refused = admin.post("/app/complaints/settings/?lang=en", {"response_working_days": "0"})
    assert refused.status_code == 400
    assert "from 1 to 60" in field_errors(refused, "response_working_days")
    assert 'value="0"' in page(refused)  # kept as typed
    saved = admin.post("/app/complaints/settings/", {"response_working_days": "٥"})
    assert saved.status_code == 302
    assert staff.post("/app/complaints/settings/", {"response_working_days": "30"}).status_code == (
        403
    )
    # The visitor reads it and a new complaint gets it: five working days from Thursday 17
    # September 2026 is Thursday 24 September.
    assert "It answers within 5 working days" in page(client_for(alpha).get("/complaints/?lang=en"))
    complaint, _token = file(alpha)
    assert complaint.due_on == datetime.date(2026, 9, 24)
    # Beta's stays the default, whatever alpha set.
    complaint, _token = file(beta)
    assert complaint.due_on == datetime.date(2026, 10, 1)
    beta_admin = client_for(beta, email=beta.admin_email)
    assert 'value="10"' in page(beta_admin.get("/app/complaints/settings/"))
