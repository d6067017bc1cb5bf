"""Committee deadlines at work: remind the committee before a request is due, tell the admins
when it is overdue, once per case and kind whatever the number of runs."""

from __future__ import annotations

import datetime
import logging

from accounts.models import User
from accounts.selectors import active_member_emails
from common.hijri import hijri_with_gregorian
from common.reminders import reminder_send_once
from publishing.selectors import holidays, policy_version_published
from tenants.models import Association
from tenants.selectors import association_current
from workflow.deadlines import committee_due_on, working_days_between
from workflow.models import Case, CaseStatus, Reminder

logger = logging.getLogger(__name__)

DUE_SOON_WORKING_DAYS = 2

# Who hears of each kind of reminder.
RECIPIENT_ROLES = {
    Reminder.Kind.DUE_SOON: User.Role.COMMITTEE,
    Reminder.Kind.OVERDUE: User.Role.ADMIN,
}


def committee_reminders_send(*, on: datetime.date) -> dict[str, int]:
    """Tell the committee of requests due within two working days of `on` and the admins of
    overdue ones, each case once per kind; the counts of cases told about, by kind."""
    association = association_current()
    days_off = frozenset(holiday.day for holiday in holidays())
    # Due within two working days means due before the third working day after `on`. Counting
    # from `on` (not only 0 < working days <= 2) keeps a calendar deadline that falls on a
    # weekend or holiday right after `on`: zero working days away, it would otherwise never be
    # reminded before turning overdue.
    horizon = committee_due_on(
        submitted_on=on, kind="working", days=DUE_SOON_WORKING_DAYS + 1, holidays=days_off
    )
    waiting = Case.objects.filter(
        status=CaseStatus.IN_COMMITTEE, committee_due_on__isnull=False, committee_due_on__lt=horizon
    ).order_by("committee_due_on", "reference")
    due_soon = waiting.filter(committee_due_on__gte=on).exclude(
        reminders__kind=Reminder.Kind.DUE_SOON
    )
    overdue = waiting.filter(committee_due_on__lt=on).exclude(reminders__kind=Reminder.Kind.OVERDUE)
    counts = {
        Reminder.Kind.DUE_SOON.value: _send(
            kind=Reminder.Kind.DUE_SOON,
            cases=list(due_soon),
            on=on,
            days_off=days_off,
            association=association,
        ),
        Reminder.Kind.OVERDUE.value: _send(
            kind=Reminder.Kind.OVERDUE,
            cases=list(overdue),
            on=on,
            days_off=days_off,
            association=association,
        ),
    }
    logger.info(
        "committee reminders on %s: %d due soon, %d overdue",
        on.isoformat(),
        counts["due_soon"],
        counts["overdue"],
    )
    return counts


def _send(
    *,
    kind: str,
    cases: list[Case],
    on: datetime.date,
    days_off: frozenset[datetime.date],
    association: Association,
) -> int:
    """One e-mail about the cases this run claims for `kind`; how many it was about."""
    if not cases:
        return 0
    recipients = active_member_emails(role=RECIPIENT_ROLES[kind])
    if not recipients:
        # Not recorded: the next run tells whoever holds the role by then.
        logger.warning(
            "no active %s member to tell of %d %s case(s)", RECIPIENT_ROLES[kind], len(cases), kind
        )
        return 0
    # Claim, send, commit (common.reminders): each case once per kind.
    by_id = {case.pk: case for case in cases}
    claimed = reminder_send_once(
        model=Reminder,
        rows=[{"case_id": case.pk, "kind": kind} for case in cases],
        conflict=("case_id", "kind"),
        returning="case_id",
        recipients=recipients,
        context=lambda claimed: {
            "association": association,
            "cases": [
                _item(case=by_id[pk], on=on, days_off=days_off, association=association)
                for pk in by_id
                if pk in claimed
            ],
        },
        subject_template=f"workflow/emails/reminder_{kind}_subject.txt",
        body_template=f"workflow/emails/reminder_{kind}.txt",
    )
    return len(claimed)


def _item(
    *,
    case: Case,
    on: datetime.date,
    days_off: frozenset[datetime.date],
    association: Association,
) -> dict:
    due = case.committee_due_on
    # Who decides, as the case's own policy version names it (cached by version).
    policy = policy_version_published(number=case.policy_version_opened)
    return {
        "reference": case.reference,
        "body_ar": policy.decision_body_name("ar") if policy else "",
        "body_en": policy.decision_body_name("en") if policy else "",
        "due_ar": hijri_with_gregorian(due, "ar"),
        "due_en": hijri_with_gregorian(due, "en"),
        "working_days_late": working_days_between(start=due, end=on, holidays=days_off),
        "url": association.url(f"/app/cases/{case.pk}/"),
    }
