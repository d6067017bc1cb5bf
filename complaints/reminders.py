"""Escalation of overdue complaints: the admins are e-mailed once per complaint left unanswered
past the association's response deadline."""

from __future__ import annotations

import datetime
import logging

from accounts.models import User
from accounts.selectors import active_member_emails
from common.hijri import hijri_with_gregorian
from common.reminders import reminder_send_once
from complaints.models import Complaint, ComplaintReminder, ComplaintStatus
from tenants.selectors import association_current

logger = logging.getLogger(__name__)


def complaint_reminders_send(*, on: datetime.date) -> int:
    """Tell the admins of the open complaints whose deadline passed before `on`, each once;
    how many complaints they were told about."""
    overdue = list(
        Complaint.objects.filter(status=ComplaintStatus.OPEN, due_on__lt=on)
        .exclude(reminders__kind=ComplaintReminder.Kind.OVERDUE)
        .order_by("due_on", "reference")
    )
    if not overdue:
        return 0
    recipients = active_member_emails(role=User.Role.ADMIN)
    if not recipients:
        # Not recorded: the next run tells whoever is an admin by then.
        logger.warning("no active admin to tell of %d overdue complaint(s)", len(overdue))
        return 0
    association = association_current()
    by_id = {complaint.pk: complaint for complaint in overdue}
    # Claim, send, commit (common.reminders): each complaint once.
    claimed = reminder_send_once(
        model=ComplaintReminder,
        rows=[{"complaint_id": pk, "kind": ComplaintReminder.Kind.OVERDUE} for pk in by_id],
        conflict=("complaint_id", "kind"),
        returning="complaint_id",
        recipients=recipients,
        context=lambda claimed: {
            "association": association,
            "complaints": [
                {
                    "reference": complaint.reference,
                    "kind_ar": "شكوى" if complaint.kind == "complaint" else "اقتراح",
                    "kind_en": complaint.kind,
                    "due_ar": hijri_with_gregorian(complaint.due_on, "ar"),
                    "due_en": hijri_with_gregorian(complaint.due_on, "en"),
                    "assignee": complaint.assignee_email,
                    "url": association.url(f"/app/complaints/{complaint.pk}/"),
                }
                for pk, complaint in by_id.items()
                if pk in claimed
            ],
        },
        subject_template="complaints/emails/overdue_subject.txt",
        body_template="complaints/emails/overdue.txt",
    )
    logger.info("complaint escalations on %s: %d", on.isoformat(), len(claimed))
    return len(claimed)
