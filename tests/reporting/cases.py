"""Cases of a past quarter, made through the services and then dated there: the services date
what they do today, and statistics are published only for periods that have ended."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from tests.helpers import open_case, person
from workflow import services
from workflow.models import Case, Survey
from workflow.surveys import survey_answer


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_current_timezone())


def enquiry(tenant, n: int, *, channel: str, on: datetime.date, score: int | None = None) -> Case:
    """Person n's enquiry by `channel`, received and answered on `on`; with `score`, the
    satisfaction survey they answered that day."""
    case = open_case(tenant, who=person(n), channel=channel)
    with schema_context(tenant.association.schema_name):
        admin = User.objects.get(email=tenant.admin_email)
        services.case_transition(
            case_id=case.pk, actor=admin, action="answer", data={"note": "أجبنا عن الاستفسار"}
        )
        Case.objects.filter(pk=case.pk).update(created_at=_moment(on), answered_at=_moment(on))
        if score is not None:
            survey = Survey.objects.get(case=case)
            survey_answer(survey=survey, score=score, deadline_kept=True, staff_courteous=True)
            Survey.objects.filter(pk=survey.pk).update(answered_at=_moment(on))
    return case


def decided(
    tenant, n: int, *, channel: str, on: datetime.date, decision: str, late: bool = False
) -> Case:
    """Person n's request by `channel`, received, verified, declared, put to the committee and
    decided on `on`, within its due date or (`late`) after it."""
    case = open_case(tenant, who=person(n), channel=channel)
    with schema_context(tenant.association.schema_name):
        admin = User.objects.get(email=tenant.admin_email)
        steps = [
            ("verify", {}),
            ("declare", {"signed_by": "المستفيد"}),
            ("submit_to_committee", {}),
            ("decide", {"decision": decision, "reason": "لا تنطبق الشروط"}),
        ]
        for action, data in steps:
            services.case_transition(case_id=case.pk, actor=admin, action=action, data=data)
        due = on + datetime.timedelta(days=-3 if late else 3)
        Case.objects.filter(pk=case.pk).update(
            created_at=_moment(on - datetime.timedelta(days=10)),
            submitted_on=on - datetime.timedelta(days=10),
            decided_on=on,
            committee_due_on=due,
        )
    return case
