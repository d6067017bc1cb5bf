"""Every (state, action, role) cell of the lifecycle table, and the rules around it."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from accounts.models import User
from billing.models import Plan
from publishing.models import Holiday
from tests.helpers import BENEFICIARY, POLICY, publish
from workflow import services
from workflow.models import Case, CaseEvent, CaseStatus
from workflow.transitions import TRANSITIONS

DATA = {
    "refer": {"role": "social_researcher", "note": "غير واضح"},
    "answer_referral": {"note": "أُجيب"},
    "answer": {"note": "أُجيب عن الاستفسار"},
    "declare": {"signed_by": "محمد أحمد"},
    "decide": {"decision": "rejected", "reason": "خارج نطاق الخدمة"},
    "deliver": {"note": "سُلّمت"},
    "withdraw": {"reason": "طلب المستفيد"},
}
OPEN = ["received", "referred", "in_committee", "accepted", "rejected", "registered",
        "service_delivered"]  # fmt: skip
# CONTRACT.md's table, written out for each procedure: action → {from state: to state}. An
# action missing here is not a step of that procedure ("the procedure has no such step").
SEVEN_STEPS = {
    "verify": {"received": "received"},
    "refer": {"received": "referred"},
    "answer_referral": {"referred": "received"},
    "declare": {"received": "received"},
    "submit_to_committee": {"received": "in_committee"},
    "decide": {"in_committee": "rejected"},  # DATA's decision; acceptance is tested below
    "register": {"accepted": "registered"},
    "deliver": {"registered": "service_delivered"},
    "close": {"service_delivered": "closed", "rejected": "closed"},
    "withdraw": {state: "withdrawn" for state in OPEN},
}
# Seed 000's kind: receive, listen (words only), answer, refer. No committee, no closing by hand.
ENQUIRY = {
    "refer": {"received": "referred"},
    "answer_referral": {"referred": "received"},
    "answer": {"received": "closed"},
    "withdraw": {state: "withdrawn" for state in OPEN},
}
# A decision without registration (seed 003's kind): delivery follows acceptance.
NO_REGISTER = {
    "verify": {"received": "received"},
    "submit_to_committee": {"received": "in_committee"},
    "decide": {"in_committee": "rejected"},
    "deliver": {"accepted": "service_delivered"},
    "close": {"service_delivered": "closed", "rejected": "closed"},
    "withdraw": {state: "withdrawn" for state in OPEN},
}
# Nobody decides: delivery follows receipt, once verified and declared.
NO_DECISION = {
    "verify": {"received": "received"},
    "declare": {"received": "received"},
    "deliver": {"received": "service_delivered"},
    "close": {"service_delivered": "closed"},
    "withdraw": {state: "withdrawn" for state in OPEN},
}
PROCEDURES = {
    "seven steps": (
        ["receive", "verify", "refer", "declare", "decide", "register", "deliver"],
        SEVEN_STEPS,
    ),
    "enquiry": (["receive", "text", "answer", "refer"], ENQUIRY),
    "no register": (["receive", "verify", "decide", "deliver"], NO_REGISTER),
    "no decision": (["receive", "verify", "declare", "deliver"], NO_DECISION),
}
ROLE_MAY = {
    "admin": set(TRANSITIONS),
    "staff": set(TRANSITIONS) - {"answer_referral", "decide"},
    "committee": {"decide"},
    "referral": {"answer_referral"},  # holds social_researcher, the case's referral role
    "other_referral": set(),  # holds another role
}


FACTS_AT = timezone.now()


def _facts(action: str) -> tuple:
    """(verified_at, declared_at) that allow `action`: both set, unless it is the one to do."""
    return (
        None if action == "verify" else FACTS_AT,
        None if action == "declare" else FACTS_AT,
    )


def _case_in(status: str, action: str = "") -> Case:
    """A case in `status` whose facts allow `action` (verified and declared unless that is it)."""
    case, _ = services.case_open(
        channel="interview", beneficiary=BENEFICIARY, summary="طلب", consent=True, actor=None
    )
    verified_at, declared_at = _facts(action)
    Case.objects.filter(pk=case.pk).update(
        status=status,
        verified_at=verified_at,
        declared_at=declared_at,
        referral_role_code="social_researcher" if status == CaseStatus.REFERRED else "",
    )
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("name", PROCEDURES)
def test_every_state_action_role_cell_of_the_published_procedure(alpha, members, name):
    steps, table = PROCEDURES[name]
    publish(alpha, data={**POLICY, "procedure": [{"step": step} for step in steps]})
    # Hundreds of cases stay open here, more than the trial plan allows (platform_core/billing).
    Plan.objects.filter(code="trial").update(max_open_cases=None)
    with schema_context(alpha.association.schema_name), translation.override("en"):
        users = {role: User.objects.get(email=email) for role, email in members.items()}
        tried = 0
        # A refused action leaves its case as it was (asserted below), so the next role tries
        # the same case; one that moved it leaves the next role a new case in that state.
        case = None
        for status, action, role in itertools.product(CaseStatus.values, TRANSITIONS, users):
            if case is None or (case.status, case.verified_at, case.declared_at) != (
                status, *_facts(action),
            ):  # fmt: skip
                case = _case_in(status, action)
            target = table.get(action, {}).get(status)
            if target and action in ROLE_MAY[role]:
                services.case_transition(
                    case_id=case.pk, actor=users[role], action=action, data=DATA.get(action, {})
                )
                after = Case.objects.get(pk=case.pk)
                assert (after.status, after.version) == (target, case.version + 1), (
                    status, action, role,
                )  # fmt: skip
                assert after.events.filter(action=action).exists()
                case = None
            else:
                with pytest.raises(ValidationError) as refused:
                    services.case_transition(
                        case_id=case.pk, actor=users[role], action=action, data=DATA.get(action, {})
                    )
                if action not in table:
                    assert "The procedure has no such step." in str(refused.value)
                after = Case.objects.get(pk=case.pk)
                assert (after.status, after.version) == (case.status, case.version), (
                    status, action, role,
                )  # fmt: skip
                assert not after.events.exclude(action="open").exists()
            tried += 1
    assert tried == len(CaseStatus.values) * len(TRANSITIONS) * len(users)


def test_case_cannot_reach_committee_before_verification_and_declaration(
    alpha, alpha_policy, members
):
    with schema_context(alpha.association.schema_name):
        staff = User.objects.get(email=members["staff"])
        case, _ = services.case_open(
            channel="interview", beneficiary=BENEFICIARY, summary="x", consent=True, actor=staff
        )
        with translation.override("en"), pytest.raises(ValidationError, match="declaration"):
            services.case_transition(
                case_id=case.pk, actor=staff, action="submit_to_committee", data={}
            )
        services.case_transition(case_id=case.pk, actor=staff, action="verify", data={})
        with pytest.raises(ValidationError):
            services.case_transition(case_id=case.pk, actor=staff, action="verify", data={})
        services.case_transition(
            case_id=case.pk, actor=staff, action="declare", data={"signed_by": "محمد"}
        )
        case = services.case_transition(
            case_id=case.pk, actor=staff, action="submit_to_committee", data={}
        )
        assert case.status == CaseStatus.IN_COMMITTEE
        assert case.policy_version_committee == 1


def test_full_lifecycle_is_on_the_timeline_and_the_beneficiary_is_told(
    alpha, alpha_policy, members, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from workflow.tasks import beneficiary_email_send_task

    handed_to_worker = []
    monkeypatch.setattr(
        beneficiary_email_send_task,
        "apply_async",
        lambda kwargs, headers: (
            handed_to_worker.append((kwargs, headers))
            or beneficiary_email_send_task.apply(kwargs=kwargs)
        ),
    )
    with (
        schema_context(alpha.association.schema_name),
        django_capture_on_commit_callbacks(execute=True),
    ):
        staff = User.objects.get(email=members["staff"])
        committee = User.objects.get(email=members["committee"])
        holder = User.objects.get(email=members["referral"])
        case, _ = services.case_open(
            channel="phone", beneficiary=BENEFICIARY, summary="ترميم", consent=True, actor=staff
        )
        steps = [
            (staff, "refer", {"role": "social_researcher", "note": "تحقق"}),
            (holder, "answer_referral", {"note": "مستحق"}),
            (staff, "verify", {}),
            (staff, "declare", {"signed_by": "محمد أحمد"}),
            (staff, "submit_to_committee", {}),
            (committee, "decide", {"decision": "accepted"}),
            (staff, "register", {}),
            (staff, "deliver", {"note": "نُفّذ"}),
            (staff, "close", {}),
        ]
        for actor, action, data in steps:
            services.case_transition(case_id=case.pk, actor=actor, action=action, data=data)
        case.refresh_from_db()
        assert case.status == CaseStatus.CLOSED
        timeline = list(case.events.values_list("action", "actor_email"))
        assert [a for a, _ in timeline] == [
            "open", "refer", "beneficiary_told", "answer_referral", "verify", "declare",
            "submit_to_committee", "decide", "beneficiary_told", "register", "deliver", "close",
            "beneficiary_told",
        ]  # fmt: skip
        assert ("decide", "committee@alpha.example") in timeline
        assert case.survey.expires_at > timezone.now()
    # Four e-mails handed to the worker after commit, for alpha's schema: the referral to its
    # holder, then the referral, the decision and the survey to the beneficiary.
    assert [headers["_schema_name"] for _, headers in handed_to_worker] == ["a_alpha"] * 4
    assert [m.to for m in mailoutbox] == [[members["referral"]]] + [["mohammed@example.com"]] * 3
    assert case.reference in mailoutbox[1].subject and case.reference in mailoutbox[2].subject
    assert "/survey/" in mailoutbox[3].body


def test_rejection_needs_a_reason(alpha, alpha_policy, members):
    with schema_context(alpha.association.schema_name):
        case = _case_in(CaseStatus.IN_COMMITTEE)
        committee = User.objects.get(email=members["committee"])
        with pytest.raises(ValidationError, match="reason"):
            services.case_transition(
                case_id=case.pk, actor=committee, action="decide", data={"decision": "rejected"}
            )
        assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_COMMITTEE


def test_referral_only_to_a_published_role(alpha, alpha_policy, members):
    with schema_context(alpha.association.schema_name):
        case = _case_in(CaseStatus.RECEIVED)
        staff = User.objects.get(email=members["staff"])
        with translation.override("en"), pytest.raises(ValidationError, match="published policy"):
            services.case_transition(
                case_id=case.pk,
                actor=staff,
                action="refer",
                data={"role": "public_relations_officer"},
            )
        assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_committee_due_date_follows_the_published_working_days_and_holidays(
    alpha, alpha_policy, members, monkeypatch
):
    thursday = datetime.date(2026, 9, 17)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: thursday)
    with schema_context(alpha.association.schema_name):
        Holiday.objects.create(day=datetime.date(2026, 9, 23), name="اليوم الوطني")
        case = _case_in(CaseStatus.RECEIVED)
        staff = User.objects.get(email=members["staff"])
        case = services.case_transition(
            case_id=case.pk, actor=staff, action="submit_to_committee", data={}
        )
    # Ten working days after Thursday 17 Sept: 20,21,22,(23 holiday),24,27,28,29,30 Sept, 1,4 Oct.
    assert case.committee_due_on == datetime.date(2026, 10, 4)


def test_opening_refuses_unpublished_channels_invalid_ids_and_missing_consent(alpha, alpha_policy):
    with schema_context(alpha.association.schema_name):
        with pytest.raises(ValidationError) as error:
            services.case_open(
                channel="letters",
                beneficiary={**BENEFICIARY, "national_id": "1000000000", "phone": "0112345678"},
                summary="",
                consent=False,
                actor=None,
            )
        assert set(error.value.message_dict) == {
            "channel", "consent", "summary", "beneficiary.national_id", "beneficiary.phone",
        }  # fmt: skip
        assert not Case.objects.exists()


def test_returning_beneficiary_is_found_by_national_id_in_arabic_digits(alpha, alpha_policy):
    with schema_context(alpha.association.schema_name):
        first, _ = services.case_open(
            channel="interview", beneficiary=BENEFICIARY, summary="أ", consent=True, actor=None
        )
        again, _ = services.case_open(
            channel="phone",
            beneficiary={**BENEFICIARY, "national_id": "١٠٠٠٠٠٠٠٠٨", "phone": "+966 51 234 5678"},
            summary="ب",
            consent=True,
            actor=None,
        )
        assert first.beneficiary_id == again.beneficiary_id
        assert again.beneficiary.phone == "+966512345678"
        assert CaseEvent.objects.filter(action="open").count() == 2
