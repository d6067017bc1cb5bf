"""The document retention policy drives the retention job (issue 16): the published version's
periods, per class of record, are what the daily job applies and what its page prints; without
a published one the admins' rule applies, and the privacy settings say which. Beta's policy
never changes alpha's job."""

import datetime

from django.utils import timezone

from common import clock as platform_clock
from complaints.models import Complaint
from complaints.services import complaint_file
from privacy import tasks
from privacy.anonymise import PLACEHOLDER_NAME
from privacy.models import Anonymisation, RetentionRun
from publishing.models import PolicyDraft
from tests.helpers import POLICY, client_for, open_case, person, publish
from tests.privacy.conftest import in_schema, page
from tests.publishing.test_policy_kinds import _editor_form, publish_kind
from workflow.models import Beneficiary, CaseStatus

KIND = "document-retention"
EDITOR = f"/app/settings/policies/{KIND}/"


def _today() -> datetime.date:
    return timezone.localdate(platform_clock.now())


def _ended(tenant, n: int, years_ago: float):
    ended_at = platform_clock.now() - datetime.timedelta(days=round(365.25 * years_ago))
    return open_case(tenant, who=person(n), status=CaseStatus.CLOSED, closed_at=ended_at)


def _answered_complaint(tenant, text: str, years_ago: float) -> Complaint:
    with in_schema(tenant):
        complaint, _token = complaint_file(
            kind="complaint", name="سارة", phone="0551234567", text=text, consent=True, actor=None
        )
        answered = platform_clock.now() - datetime.timedelta(days=round(365.25 * years_ago))
        Complaint.objects.filter(pk=complaint.pk).update(
            status="answered", answered_at=answered, outcome="x"
        )
        return complaint


def _run(tenant):
    with in_schema(tenant):
        pk = tasks.retention_apply_task.run(on=_today().isoformat())
        return RetentionRun.objects.get(pk=pk) if pk else None


def _name(tenant, case) -> str:
    with in_schema(tenant):
        return Beneficiary.objects.get(pk=case.beneficiary_id).full_name


def test_the_published_retention_policy_is_what_the_job_applies_and_what_its_page_prints(
    alpha, beta, alpha_policy, admin
):
    publish(beta, data=POLICY)
    old = _ended(alpha, 300, 1.5)
    recent = _ended(alpha, 301, 0.5)
    complaint_2y = _answered_complaint(alpha, "ALPHA-2Y", 2)
    complaint_4y = _answered_complaint(alpha, "ALPHA-4Y", 4)
    beta_old = _ended(beta, 302, 1.5)

    # Beta publishes one year for closed cases: its job erases its own, alpha's has no rule.
    publish_kind(beta, KIND, retention_closed_cases="1")
    assert _run(beta).policy_version == 1
    assert _name(beta, beta_old) == PLACEHOLDER_NAME
    assert _run(alpha) is None
    assert _name(alpha, old) == person(300)["full_name"]
    settings = page(admin.get("/app/settings/privacy/?lang=en"))
    assert "No published Document Retention and Destruction Policy sets periods yet" in settings

    # Alpha's board publishes 1 year for closed cases and 3 for complaints (typed in Arabic digits).
    publish_kind(alpha, KIND, retention_closed_cases="١", retention_complaints="3")
    visitor = client_for(alpha)
    policy = page(visitor.get(f"/policies/{KIND}/?lang=en"))
    assert "whose requests have all ended, with their documents" in policy
    assert "all ended, with their documents and the words of their survey answers: 1 year" in policy
    assert "complaint or suggestion that was answered: 3 years" in policy
    arabic = page(visitor.get(f"/policies/{KIND}/?lang=ar"))
    assert "التي أُجيب عنها: 3 سنوات" in arabic and ": سنة واحدة" in arabic
    settings = page(admin.get("/app/settings/privacy/?lang=en"))
    assert "Document Retention and Destruction Policy (version 1) sets the periods" in settings

    run = _run(alpha)
    assert (run.years, run.complaints_years, run.policy_version) == (1, 3, 1)
    assert (run.anonymised, run.skipped) == (1, 0)
    assert _name(alpha, old) == PLACEHOLDER_NAME
    assert _name(alpha, recent) == person(301)["full_name"]
    with in_schema(alpha):
        assert "version 1" in Anonymisation.objects.get().reason
        texts = dict(Complaint.objects.values_list("pk", "text"))
    assert texts == {complaint_2y.pk: "ALPHA-2Y", complaint_4y.pk: ""}
    # Beta's run of the day was its own, with its own periods.
    with in_schema(beta):
        assert RetentionRun.objects.get().years == 1
        assert not Complaint.objects.exists()


def test_bad_periods_are_refused_per_field_in_both_languages_and_nothing_changes(alpha, admin):
    for language, message in (
        ("en", "Give a whole number of years from 1 to 50."),
        ("ar", "أدخل عددًا صحيحًا من السنوات من 1 إلى 50."),
    ):
        response = admin.post(
            f"{EDITOR}?lang={language}",
            _editor_form(alpha, KIND, retention_closed_cases="0", retention_complaints="عشر"),
        )
        text = page(response)
        assert response.status_code == 400
        assert text.count(message) == 2
        assert 'value="عشر"' in response.content.decode()  # what was typed stays
    with in_schema(alpha):
        draft = PolicyDraft.of_every_kind.get(kind=KIND)
        assert draft.retention == {"closed_cases": 5, "complaints": 5} and draft.revision == 1


def test_the_notice_and_the_data_privacy_policy_link_each_other_and_print_the_same_periods(
    alpha, beta, admin, beta_admin
):
    from tests.privacy.test_notice import _publish

    _publish(admin)
    visitor = client_for(alpha)
    notice = page(visitor.get("/privacy/?lang=en"))
    assert "The association erases no data automatically yet" in notice
    assert "Data Privacy Policy, approved" not in notice

    # Beta's policies show nowhere on alpha's notice.
    publish_kind(beta, "data-privacy")
    publish_kind(beta, KIND, retention_closed_cases="7")
    assert "Data Privacy Policy, approved" not in page(visitor.get("/privacy/?lang=en"))

    admin.post("/app/settings/privacy/retention/", {"years": "4"})
    notice = page(visitor.get("/privacy/?lang=en"))
    assert "survey answers: 4 years" in notice and "was answered: 4 years" in notice
    assert "Retention and Destruction Policy, version" not in notice

    publish_kind(alpha, "data-privacy")
    publish_kind(alpha, KIND, retention_closed_cases="2", retention_complaints="3")
    response = visitor.get("/privacy/?lang=en")
    notice = page(response)
    # The periods the retention job applies, from the policy that sets them.
    assert "survey answers: 2 years" in notice and "was answered: 3 years" in notice
    assert "Document Retention and Destruction Policy, version 1" in notice
    assert (
        "applies the association's Data Privacy Policy, approved by its board (version 1)" in notice
    )
    assert 'href="/policies/data-privacy/"' in response.content.decode()
    policy = visitor.get("/policies/data-privacy/?lang=en")
    assert "is in the association's privacy notice" in page(policy)
    assert 'id="policy-privacy-notice"' in policy.content.decode()
    arabic = page(visitor.get("/privacy/?lang=ar"))
    assert "التي أُجيب عنها: 3 سنوات" in arabic and "سياسة خصوصية البيانات" in arabic
