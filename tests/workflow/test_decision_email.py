"""The e-mail the beneficiary gets when the committee decides: its exact wording in Arabic and
English, accepted and rejected with the reason, and nothing about anyone else."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.helpers import BENEFICIARY, POLICY, api_client, publish
from workflow import services
from workflow.models import Case, CaseStatus

pytestmark = pytest.mark.usefixtures("tasks_inline")

OTHER = {
    "national_id": "1000000016",
    "full_name": "سارة خالد",
    "phone": "0598765432",
    "email": "sara@example.com",
}


def deciding_body(association) -> tuple[str, str]:
    """Who decides, as the e-mail names it (Arabic, English): alpha publishes the template's
    seven steps, whose deciding body is the research committee of the association."""
    return f"لجنة البحث في {association.name_ar}", "the research committee"


def _in_committee(beneficiary: dict) -> Case:
    case, _ = services.case_open(
        channel="interview", beneficiary=beneficiary, summary="طلب ترميم", consent=True, actor=None
    )
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.IN_COMMITTEE, verified_at=timezone.now(), declared_at=timezone.now()
    )
    return Case.objects.get(pk=case.pk)


def _traces(case: Case) -> list[str]:
    """What would show that an e-mail speaks of `case`: its reference and its person."""
    person = case.beneficiary
    return [case.reference, person.full_name, person.national_id, person.phone, person.email]


@pytest.fixture
def cases(alpha, beta, alpha_policy, members):
    """Alpha: Mohammed's request and Sara's, both before the committee; beta: a request there
    under Mohammed's national ID, by another name and address. Mohammed's case, and the traces of
    the other two."""
    publish(beta, data=POLICY)
    with schema_context(beta.association.schema_name):
        theirs = _in_committee(
            {
                **BENEFICIARY,
                "full_name": "خالد عمر",
                "phone": "0555555555",
                "email": "k@beta.example",
            }
        )
        traces = _traces(theirs)[:2] + _traces(theirs)[3:]
    with schema_context(alpha.association.schema_name):
        mine = _in_committee(BENEFICIARY)
        return mine, traces + _traces(_in_committee(OTHER))


def _decide(alpha, case: Case, **data):
    client, auth = api_client(alpha, "committee@alpha.example")
    response = client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"action": "decide", "version": case.version, **data},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.content
    return response


def _only_mail(mailoutbox, others: list[str]):
    [mail] = mailoutbox
    assert mail.to == [BENEFICIARY["email"]]
    for value in others:
        assert value not in mail.subject + mail.body, value
    return mail


def test_an_accepted_request_is_told_in_both_languages(alpha, cases, mailoutbox):
    mine, others = cases
    _decide(alpha, mine, decision="accepted")
    mail = _only_mail(mailoutbox, others)
    body_ar, body_en = deciding_body(alpha.association)
    ref = mine.reference
    assert mail.subject == (
        f"جمعية ألفا الخيرية: قُبل طلبكم {ref} — Alpha Charity: request {ref} accepted"
    )
    assert mail.body == (
        "السلام عليكم محمد أحمد،\n"
        "\n"
        f"قبلت {body_ar} طلبكم رقم {ref}، وسنتواصل معكم لاستكمال التسجيل وتقديم الخدمة.\n"
        "\n"
        "—\n"
        f"Alpha Charity: the decision of {body_en} on request {ref}: accepted.\n"
    )


def test_a_rejected_request_is_told_with_the_reason_in_both_languages(alpha, cases, mailoutbox):
    mine, others = cases
    reason = "الدخل أعلى من حد الاستحقاق"
    _decide(alpha, mine, decision="rejected", reason=reason)
    mail = _only_mail(mailoutbox, others)
    body_ar, body_en = deciding_body(alpha.association)
    ref = mine.reference
    assert mail.subject == (
        f"جمعية ألفا الخيرية: لم يُقبل طلبكم {ref} — Alpha Charity: request {ref} not accepted"
    )
    assert mail.body == (
        "السلام عليكم محمد أحمد،\n"
        "\n"
        f"نعتذر، لم تقبل {body_ar} طلبكم رقم {ref}.\n"
        f"السبب: {reason}\n"
        "\n"
        "—\n"
        f"Alpha Charity: the decision of {body_en} on request {ref}: not accepted ({reason}).\n"
    )


def test_an_accepted_request_hears_of_its_own_deciding_body_and_no_registration_it_lacks(
    alpha, members, mailoutbox
):
    """Seed 003's shape: the competent department decides and there is no registration step."""
    publish(
        alpha,
        data={
            **POLICY,
            "procedure": [{"step": step} for step in ("receive", "verify", "declare", "decide")]
            + [{"step": "deliver"}],
            "decision_body": {"name_ar": "الإدارة المختصة", "name_en": "the competent department"},
        },
    )
    with schema_context(alpha.association.schema_name):
        case = _in_committee(BENEFICIARY)
    _decide(alpha, case, decision="accepted")
    [mail] = mailoutbox
    assert "قبلت الإدارة المختصة في جمعية ألفا الخيرية طلبكم" in mail.body
    assert "وسنتواصل معكم لتقديم الخدمة." in mail.body
    assert "التسجيل" not in mail.body and "لجنة" not in mail.body
    assert "the decision of the competent department on request" in mail.body
