"""A case runs by the procedure of the policy version it was opened under: its actions, its
deciding body's name on the pages, the API and the e-mails, its enquiries answered and closed."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from accounts.models import User
from tests.conftest import client_for
from tests.publishing.conftest import publish
from tests.workflow.conftest import BENEFICIARY, POLICY, staff_api
from workflow import reminders, services
from workflow.models import Case, CaseStatus

CASES = "/api/v1/cases/"
ENQUIRY = {
    **POLICY,
    "procedure": [{"step": "receive"}, {"step": "text"}, {"step": "answer"}, {"step": "refer"}],
}
DEPARTMENT = {
    **POLICY,
    "procedure": [{"step": s} for s in ("receive", "verify", "declare", "decide", "deliver")],
    "decision_body": {"name_ar": "الإدارة المختصة", "name_en": "the competent department"},
    "committee_deadline": {"kind": "asap", "days": None},
}


def _open(client, auth) -> dict:
    body = {"channel": "phone", "beneficiary": BENEFICIARY, "summary": "سؤال", "consent": True}
    response = client.post(CASES, body, content_type="application/json", **auth)
    assert response.status_code == 201, response.json()
    return response.json()


def _act(client, auth, case_id, action, **data):
    return client.post(
        f"{CASES}{case_id}/transitions/",
        {"action": action, **data},
        content_type="application/json",
        **auth,
    )


def test_a_case_keeps_the_procedure_it_was_opened_under(alpha, members):
    publish(alpha, data=POLICY)
    client, auth = staff_api(alpha)
    first = _open(client, auth)
    assert (first["policy_version"], first["actions"]) == (
        1,
        ["verify", "refer", "declare", "withdraw"],
    )

    publish(alpha, data=ENQUIRY)  # version 2: an enquiry is received, answered, referred
    second = _open(client, auth)
    assert (second["policy_version"], second["actions"]) == (2, ["refer", "answer", "withdraw"])

    # The first case still offers version 1's steps, and only them.
    again = client.get(f"{CASES}{first['id']}/", **auth).json()
    assert again["actions"] == ["verify", "refer", "declare", "withdraw"]
    refused = _act(client, auth, first["id"], "answer", note="أُجيب")
    assert refused.status_code == 400
    assert refused.json()["action"] == ["ليست في إجراءات هذه الحالة خطوة كهذه."]
    unchanged = client.get(f"{CASES}{first['id']}/", **auth).json()
    assert (unchanged["status"], unchanged["version"], len(unchanged["events"])) == (
        "received", first["version"], len(first["events"]),
    )  # fmt: skip
    assert _act(client, auth, first["id"], "verify").status_code == 200

    # The second has no verification, and is answered with a note.
    refused = _act(client, auth, second["id"], "verify")
    assert refused.status_code == 400
    assert refused.json()["action"] == ["ليست في إجراءات هذه الحالة خطوة كهذه."]
    assert _act(client, auth, second["id"], "answer").json() == {"note": ["هذا الحقل مطلوب."]}
    answered = _act(client, auth, second["id"], "answer", note="أُجيب حسب التعليمات")
    assert answered.status_code == 200
    assert answered.json()["status"] == "closed"
    assert answered.json()["answered_at"] is not None
    assert answered.json()["actions"] == []


def test_an_answered_enquiry_closes_sends_the_survey_and_says_so(
    alpha, members, mailoutbox, django_capture_on_commit_callbacks, tasks_inline
):
    publish(alpha, data=ENQUIRY)
    client = client_for(alpha)
    response = client.post(
        "/api/v1/requests/",
        {"beneficiary": BENEFICIARY, "summary": "استفسار عن الخدمات", "consent": True},
        content_type="application/json",
    )
    reference, token = response.json()["reference"], response.json()["status_token"]
    with schema_context(alpha.association.schema_name):
        case = Case.objects.get(reference=reference)
        staff = User.objects.get(email=members["staff"])
        with django_capture_on_commit_callbacks(execute=True):
            services.case_transition(
                case_id=case.pk, actor=staff, action="answer", data={"note": "أُجيب"}
            )
        case.refresh_from_db()
        assert case.status == CaseStatus.CLOSED and case.survey.answered_at is None
    [mail] = mailoutbox
    assert "أُجيب عن استفساركم رقم" in mail.body and "/survey/" in mail.body
    page = client.get(f"/request/{reference}/?token={token}").content.decode()
    assert "أُجيب عن استفساركم وأُغلق" in page
    assert "أُجيب عن الاستفسار" in page  # the step, on the page's list

    # The dashboard counts it as an enquiry, apart from requests.
    home = client_for(alpha, email=alpha.admin_email).get("/app/?lang=en").content.decode()
    enquiries = home[home.index('id="figure-enquiries"') :]
    assert '<span class="figure-number">1</span>' in enquiries[: enquiries.index("</li>")]
    requests = home[home.index('id="figure-requests-closed"') :]
    assert '<span class="figure-number">0</span>' in requests[: requests.index("</li>")]


def test_the_case_speaks_of_the_deciding_body_of_its_version(
    alpha, members, mailoutbox, django_capture_on_commit_callbacks, tasks_inline
):
    publish(alpha, data=DEPARTMENT)
    client = client_for(alpha)
    response = client.post(
        "/api/v1/requests/",
        {"beneficiary": BENEFICIARY, "summary": "طلب", "consent": True},
        content_type="application/json",
    )
    reference, token = response.json()["reference"], response.json()["status_token"]
    staff_page = client_for(alpha, email=alpha.staff_email)
    with schema_context(alpha.association.schema_name):
        case = Case.objects.get(reference=reference)
        staff = User.objects.get(email=members["staff"])
        for action, data in (("verify", {}), ("declare", {"signed_by": "محمد أحمد"})):
            services.case_transition(case_id=case.pk, actor=staff, action=action, data=data)
    page = staff_page.get(f"/app/cases/{case.pk}/?lang=ar").content.decode()
    assert "الرفع إلى الإدارة المختصة" in page and "اللجنة" not in page
    english = staff_page.get(f"/app/cases/{case.pk}/?lang=en").content.decode()
    assert "Send to the competent department" in english

    with schema_context(alpha.association.schema_name):
        services.case_transition(
            case_id=case.pk, actor=staff, action="submit_to_committee", data={}
        )
    status = client.get(f"/request/{reference}/?token={token}&lang=ar").content.decode()
    assert "طلبكم لدى الإدارة المختصة، وستصدر قرارها في أقرب وقت ممكن." in status
    assert "أُرسل إلى الإدارة المختصة" in status and "لجنة البحث" not in status

    # Reminders name it too (a due date set by hand: this version's deadline is asap).
    with schema_context(alpha.association.schema_name):
        Case.objects.filter(pk=case.pk).update(committee_due_on=datetime.date(2026, 9, 17))
        reminders.committee_reminders_send(on=datetime.date(2026, 9, 17))
        committee = User.objects.get(email=members["committee"])
        with django_capture_on_commit_callbacks(execute=True):
            services.case_transition(
                case_id=case.pk, actor=committee, action="decide", data={"decision": "accepted"}
            )
        # No registration published: delivery follows acceptance.
        assert services.case_actions_for(case=Case.objects.get(pk=case.pk), actor=staff) == [
            "deliver", "withdraw",
        ]  # fmt: skip
    reminder, decision = mailoutbox
    assert f"الطلب {reference} لدى الإدارة المختصة" in reminder.body
    assert f"Request {reference} with the competent department" in reminder.body
    assert "قبلت الإدارة المختصة في جمعية ألفا الخيرية طلبكم" in decision.body
    assert "the decision of the competent department" in decision.body


def test_no_query_for_the_procedure_on_a_case_page_or_a_transition(alpha, members):
    publish(alpha, data=POLICY)
    client, auth = staff_api(alpha)
    case = _open(client, auth)
    page = client_for(alpha, email=alpha.staff_email)
    with CaptureQueriesContext(connection) as read:
        assert page.get(f"/app/cases/{case['id']}/").status_code == 200
    with CaptureQueriesContext(connection) as acted:
        assert _act(client, auth, case["id"], "verify").status_code == 200
    with CaptureQueriesContext(connection) as referred:
        response = _act(client, auth, case["id"], "refer", role="social_researcher", note="?")
        assert response.status_code == 200
    for captured in (read, acted, referred):
        versions = [q["sql"] for q in captured.captured_queries if "policyversion" in q["sql"]]
        # The case page read the latest version before; now the case's own comes from the cache.
        assert versions == []


def test_another_association_cannot_see_or_act_on_the_case(alpha, beta, members):
    publish(alpha, data=ENQUIRY)
    client, auth = staff_api(alpha)
    case = _open(client, auth)
    beta_client, beta_auth = staff_api(beta)
    assert beta_client.get(f"{CASES}{case['id']}/", **beta_auth).status_code == 404
    response = _act(beta_client, beta_auth, case["id"], "answer", note="x")
    assert response.status_code == 404
    page = client_for(beta, email=beta.staff_email).get(f"/app/cases/{case['id']}/")
    assert page.status_code == 404
    after = client.get(f"{CASES}{case['id']}/", **auth).json()
    assert (after["status"], after["version"]) == ("received", case["version"])
