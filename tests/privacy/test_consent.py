"""Consent: recorded with the policy and notice versions for every case, however it was
opened; withdrawn by staff, on the timeline of each open case, and then only closing or
withdrawing the case remains."""

from django.utils import timezone

from privacy.models import ConsentRecord
from tests.helpers import NEW_CASE, REQUEST_FORM, api_client, client_for, open_case, person
from tests.privacy.conftest import in_schema, page
from workflow.models import Case, CaseEvent, CaseStatus


def _publish_notice(admin) -> None:
    revision = admin.get("/app/settings/privacy/").context["draft"].revision
    assert admin.post("/app/settings/privacy/publish/", {"revision": revision}).status_code == 302


def test_staff_api_and_online_cases_record_consent_with_the_versions_in_force(
    alpha, alpha_policy, staff, admin
):
    # Before any notice is published, the record says so (no notice version).
    assert staff.post("/app/cases/new/", NEW_CASE).status_code == 302
    _publish_notice(admin)
    api, auth = api_client(alpha, alpha.staff_email)
    opened = api.post(
        "/api/v1/cases/",
        {
            "channel": "interview",
            "beneficiary": {**person(41), "email": ""},
            "summary": "طلب عبر الواجهة",
            "consent": True,
        },
        content_type="application/json",
        **auth,
    )
    assert opened.status_code == 201, opened.content
    online = client_for(alpha).post(
        "/request/", {**REQUEST_FORM, "national_id": person(42)["national_id"]}
    )
    assert online.status_code == 302

    policy = alpha_policy["version"]
    with in_schema(alpha):
        records = {
            record.case.channel_code: record
            for record in ConsentRecord.objects.select_related("case", "beneficiary")
        }
        assert set(records) == {"phone", "interview", "website"}
        staff_record, api_record, online_record = (
            records["phone"],
            records["interview"],
            records["website"],
        )
        assert (staff_record.policy_version, staff_record.notice_version) == (policy, None)
        assert (api_record.policy_version, api_record.notice_version) == (policy, 1)
        assert (online_record.policy_version, online_record.notice_version) == (policy, 1)
        assert staff_record.recorded_by == api_record.recorded_by == alpha.staff_email
        assert online_record.recorded_by == ""
        assert online_record.beneficiary.national_id == person(42)["national_id"]
        for record in records.values():
            assert record.given_at == record.case.consent_given_at
            assert "معالجة بيانات المستفيد" in record.purpose
            assert record.withdrawn_at is None
        api_case = records["interview"].case

    case_page = page(staff.get(f"/app/cases/{api_case.pk}/?lang=en"))
    assert "Given on" in case_page
    assert "privacy notice version 1" in case_page
    assert "Record the withdrawal of consent" in case_page


def test_withdrawal_goes_on_each_open_case_and_blocks_everything_but_ending_it(
    alpha, alpha_policy, staff, members
):
    who = person(43)
    first = open_case(alpha, who=who)
    second = open_case(alpha, who=who, status=CaseStatus.ACCEPTED)
    ended = open_case(alpha, who=who, status=CaseStatus.CLOSED, closed_at=timezone.now())
    other = open_case(alpha, who=person(44))

    response = staff.post(
        f"/app/privacy/beneficiaries/{first.beneficiary_id}/consent/withdraw/",
        {"channel": "phone", "note": "اتصل وطلب سحب موافقته", "case": first.pk},
    )

    assert response.status_code == 302
    assert response.url == f"/app/cases/{first.pk}/"
    with in_schema(alpha):
        records = ConsentRecord.objects.filter(beneficiary_id=first.beneficiary_id)
        assert records.count() == 3
        assert all(r.withdrawn_at and r.withdrawal_channel == "phone" for r in records)
        assert all(r.withdrawn_recorded_by == alpha.staff_email for r in records)
        assert ConsentRecord.objects.get(case=other).withdrawn_at is None
        withdrawn_events = CaseEvent.objects.filter(action="consent_withdrawn")
        assert sorted(withdrawn_events.values_list("case_id", flat=True)) == sorted(
            [first.pk, second.pk]
        )
        assert not CaseEvent.objects.filter(case=ended, action="consent_withdrawn").exists()

    case_page = page(staff.get(f"/app/cases/{first.pk}/?lang=en"))
    assert "Withdrawn on" in case_page
    assert "Consent withdrawn" in case_page  # on the timeline
    assert "اتصل وطلب سحب موافقته" in case_page
    # The page offers only the ending actions now.
    assert 'id="action-verify"' not in staff.get(f"/app/cases/{first.pk}/").content.decode()
    assert 'id="action-withdraw"' in staff.get(f"/app/cases/{first.pk}/").content.decode()

    refused = staff.post(
        f"/app/cases/{first.pk}/transitions/?lang=en",
        {"action": "verify", "version": first.version},
    )
    assert refused.status_code == 302
    after_refusal = page(staff.get(refused["Location"].split("#")[0] + "?lang=en"))
    assert "Nothing was saved" in after_refusal
    assert "the case can only be closed or withdrawn" in after_refusal
    api, auth = api_client(alpha, alpha.staff_email)
    by_api = api.post(
        f"/api/v1/cases/{second.pk}/transitions/",
        {"action": "register"},
        content_type="application/json",
        **auth,
    )
    assert by_api.status_code == 400
    assert "سحب المستفيد موافقته" in by_api.content.decode()  # Arabic first, as every page
    with in_schema(alpha):
        assert Case.objects.get(pk=first.pk).verified_at is None
        assert Case.objects.get(pk=second.pk).status == CaseStatus.ACCEPTED

    ended_now = staff.post(
        f"/app/cases/{first.pk}/transitions/",
        {"action": "withdraw", "version": first.version, "reason": "سحب الموافقة", "confirm": "1"},
    )
    assert ended_now.status_code == 302
    with in_schema(alpha):
        assert Case.objects.get(pk=first.pk).status == CaseStatus.WITHDRAWN
    # The other person's case is untouched.
    assert (
        staff.post(
            f"/app/cases/{other.pk}/transitions/", {"action": "verify", "version": other.version}
        ).status_code
        == 302
    )

    again = staff.post(
        f"/app/privacy/beneficiaries/{first.beneficiary_id}/consent/withdraw/?lang=en",
        {"channel": "phone"},
    )
    assert "no consent in force" in page(staff.get(again.url + "?lang=en"))

    beneficiary_page = page(staff.get(f"/app/beneficiaries/{first.beneficiary_id}/?lang=en"))
    assert beneficiary_page.count("Withdrawn on") == 3


def test_a_withdrawal_needs_a_known_channel_and_a_handling_role(alpha, alpha_policy, members):
    case = open_case(alpha, who=person(45))
    path = f"/app/privacy/beneficiaries/{case.beneficiary_id}/consent/withdraw/"
    committee = client_for(alpha, email=members["committee"])
    assert committee.post(path, {"channel": "phone"}).status_code == 403
    staff = client_for(alpha, email=members["staff"])
    response = staff.post(path + "?lang=en", {"channel": "pigeon"})
    assert response.status_code == 302
    assert "pigeon" in page(staff.get(response.url + "?lang=en"))  # the choice error names it
    with in_schema(alpha):
        assert ConsentRecord.objects.get(case=case).withdrawn_at is None


def test_beta_cannot_withdraw_or_see_alphas_consents(alpha, beta, alpha_policy, beta_staff):
    case = open_case(alpha, who=person(46))
    response = beta_staff.post(
        f"/app/privacy/beneficiaries/{case.beneficiary_id}/consent/withdraw/",
        {"channel": "phone", "case": case.pk},
    )
    assert response.status_code == 404
    assert beta_staff.get(f"/app/beneficiaries/{case.beneficiary_id}/").status_code == 404
    with in_schema(alpha):
        assert ConsentRecord.objects.get(case=case).withdrawn_at is None
    with in_schema(beta):
        assert not ConsentRecord.objects.exists()
