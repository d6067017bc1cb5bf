"""Steps that cannot be undone ask first, on a page of their own (no script needed), and every
outcome of the case page's actions redirects, so that a reload never posts again."""

from django_tenants.utils import schema_context

from tests.helpers import client_for, open_case, person
from workflow.models import Case, CaseStatus


def _case(alpha, case_id: int) -> Case:
    with schema_context(alpha.association.schema_name):
        return Case.objects.get(pk=case_id)


def test_a_withdrawal_is_confirmed_on_its_own_page_before_it_is_taken(alpha, alpha_policy, staff):
    case = open_case(alpha)
    asked = staff.post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "withdraw", "version": case.version, "reason": "طلب المستفيد ذلك"},
    )
    assert asked["Location"] == f"/app/cases/{case.pk}/confirm/"
    assert _case(alpha, case.pk).status == CaseStatus.RECEIVED  # nothing taken yet

    page = staff.get(f"/app/cases/{case.pk}/confirm/").content.decode()
    assert "لا يمكن التراجع عن هذه الخطوة." in page
    assert "تُسحب الحالة وتنتهي، ولا يمكن إعادة فتحها." in page
    assert "طلب المستفيد ذلك" in page  # the reason typed, shown back
    assert 'name="confirm" value="1"' in page
    assert f'href="/app/cases/{case.pk}/"' in page  # the way back, taking nothing
    english = staff.get(f"/app/cases/{case.pk}/confirm/?lang=en").content.decode()
    assert "This cannot be undone." in english
    assert "A withdrawn case cannot be reopened." in english

    done = staff.post(
        f"/app/cases/{case.pk}/transitions/",
        {
            "action": "withdraw",
            "version": case.version,
            "reason": "طلب المستفيد ذلك",
            "confirm": "1",
        },
    )
    assert done["Location"] == f"/app/cases/{case.pk}/"
    assert _case(alpha, case.pk).status == CaseStatus.WITHDRAWN
    # The confirmation page is spent: opened again, it leads back to the case.
    assert staff.get(f"/app/cases/{case.pk}/confirm/")["Location"] == f"/app/cases/{case.pk}/"


def test_the_decision_is_checked_before_it_is_confirmed(alpha, alpha_policy, members):
    case = open_case(alpha, status=CaseStatus.IN_COMMITTEE)
    committee = client_for(alpha, email=members["committee"])
    # A rejection without its reason is refused at once, not after a confirmation.
    refused = committee.post(
        f"/app/cases/{case.pk}/transitions/?lang=en",
        {"action": "decide", "version": case.version, "decision": "rejected"},
    )
    assert refused["Location"] == f"/app/cases/{case.pk}/#action-decide"
    page = committee.get(f"/app/cases/{case.pk}/?lang=en").content.decode()
    assert "A rejection needs its reason." in page
    assert 'value="rejected" checked' in page  # what was chosen is kept

    asked = committee.post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "decide", "version": case.version, "decision": "accepted"},
    )
    assert asked["Location"] == f"/app/cases/{case.pk}/confirm/"
    confirm = committee.get(f"/app/cases/{case.pk}/confirm/?lang=en").content.decode()
    assert "The decision «Accepted» is recorded and the beneficiary is told." in confirm
    assert _case(alpha, case.pk).status == CaseStatus.IN_COMMITTEE


def test_a_confirmation_for_a_case_that_changed_meanwhile_goes_back_to_the_case(
    alpha, alpha_policy, staff
):
    case = open_case(alpha, status=CaseStatus.ACCEPTED)
    staff.post(
        f"/app/cases/{case.pk}/transitions/", {"action": "register", "version": case.version}
    )
    # Someone else registers it first.
    staff.post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "register", "version": case.version, "confirm": "1"},
    )
    assert staff.get(f"/app/cases/{case.pk}/confirm/")["Location"] == f"/app/cases/{case.pk}/"
    stale = staff.post(
        f"/app/cases/{case.pk}/transitions/?lang=en",
        {"action": "register", "version": case.version, "confirm": "1"},
    )
    assert stale["Location"] == f"/app/cases/{case.pk}/"
    assert (
        "The case changed meanwhile" in staff.get(stale["Location"] + "?lang=en").content.decode()
    )
    assert _case(alpha, case.pk).version == case.version + 1


def test_a_step_that_can_be_undone_is_taken_at_once(alpha, alpha_policy, staff):
    case = open_case(alpha)
    response = staff.post(
        f"/app/cases/{case.pk}/transitions/", {"action": "verify", "version": case.version}
    )
    assert response["Location"] == f"/app/cases/{case.pk}/"
    assert _case(alpha, case.pk).verified_at is not None


def test_beta_reaches_neither_the_confirmation_nor_the_step_of_alphas_case(
    alpha, beta, alpha_policy
):
    case = open_case(alpha, who=person(3))
    intruder = client_for(beta, email=beta.admin_email)
    assert intruder.get(f"/app/cases/{case.pk}/confirm/").status_code == 404
    response = intruder.post(
        f"/app/cases/{case.pk}/transitions/",
        {"action": "withdraw", "version": case.version, "reason": "؟", "confirm": "1"},
    )
    assert response.status_code == 404
    assert _case(alpha, case.pk).status == CaseStatus.RECEIVED
