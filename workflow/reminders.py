"""Committee deadlines at work: remind the committee before a request is due, tell the admins
when it is overdue, once per case and kind whatever the number of runs."""

from __future__ import annotations

import datetime
import json
import logging
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from common.hijri import hijri_with_gregorian
from publishing.selectors import holidays
from tenants.models import Association
from tenants.selectors import association_current
from workflow.deadlines import committee_due_on, working_days_between
from workflow.models import Case, CaseStatus, Reminder

if TYPE_CHECKING:
    from tenants.models import Association

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
    recipients = list(
        User.objects.filter(role=RECIPIENT_ROLES[kind], is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )
    if not recipients:
        # Not recorded: the next run tells whoever holds the role by then.
        logger.warning(
            "no active %s member to tell of %d %s case(s)", RECIPIENT_ROLES[kind], len(cases), kind
        )
        return 0
    # Claim, send, commit. The claim is the unique (case, kind) row, inserted first: a second
    # run finds it and claims nothing; a concurrent run's insert waits on this uncommitted row
    # and, once it commits, claims nothing either (or everything, if this run rolled back).
    # A failed send rolls the claim back, so the reminder is retried instead of lost. The one
    # window for a duplicate is a worker dying between the mail server accepting the message
    # and COMMIT: a rare second e-mail is better than an escalation nobody ever receives, which
    # is what committing the claim before sending would risk for every failed send.
    with transaction.atomic():
        claimed = _claim(kind=kind, case_ids=[case.pk for case in cases], recipients=recipients)
        cases = [case for case in cases if case.pk in claimed]
        if cases:
            context = {
                "association": association,
                "cases": [
                    _item(case=case, on=on, days_off=days_off, association=association)
                    for case in cases
                ],
            }
            with translation.override("ar"):
                send_mail(
                    subject=render_to_string(
                        f"workflow/emails/reminder_{kind}_subject.txt", context
                    ).strip(),
                    message=render_to_string(f"workflow/emails/reminder_{kind}.txt", context),
                    from_email=None,
                    recipient_list=recipients,
                )
    return len(cases)


def _claim(*, kind: str, case_ids: list[int], recipients: list[str]) -> set[int]:
    """Insert the (case, kind) rows no other run holds; the ids of the cases this run claimed."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (case_id, kind, sent_at, recipients) "  # noqa: S608 - names only
            "SELECT case_id, %s, now(), %s::jsonb FROM unnest(%s::bigint[]) AS case_id "
            "ON CONFLICT (case_id, kind) DO NOTHING RETURNING case_id",
            [str(kind), json.dumps(recipients), case_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def _item(
    *,
    case: Case,
    on: datetime.date,
    days_off: frozenset[datetime.date],
    association: Association,
) -> dict:
    due = case.committee_due_on
    return {
        "reference": case.reference,
        "due_ar": hijri_with_gregorian(due, "ar"),
        "due_en": hijri_with_gregorian(due, "en"),
        "working_days_late": working_days_between(start=due, end=on, holidays=days_off),
        "url": association.url(f"/app/cases/{case.pk}/"),
    }
