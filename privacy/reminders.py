"""The 30-day clock of data-subject requests: the admins hear of a request due within seven
days and of an overdue one, once per request, kind and due date, whatever the number of runs."""

from __future__ import annotations

import datetime
import logging

from accounts.models import User
from accounts.selectors import active_member_emails
from common.hijri import hijri_with_gregorian
from common.reminders import reminder_send_once
from privacy.models import OPEN_REQUEST_STATUSES, DataSubjectRequest, RequestReminder
from tenants.selectors import association_current

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 7


def subject_request_reminders_send(*, on: datetime.date) -> dict[str, int]:
    """E-mail the admins about open requests due within seven days of `on` and overdue ones;
    the number of requests told about, by kind."""
    association = association_current()
    horizon = on + datetime.timedelta(days=DUE_SOON_DAYS)
    waiting = DataSubjectRequest.objects.filter(
        status__in=OPEN_REQUEST_STATUSES, due_on__lte=horizon
    ).order_by("due_on", "id")
    counts = {}
    for kind, requests in (
        (RequestReminder.Kind.DUE_SOON, waiting.filter(due_on__gte=on)),
        (RequestReminder.Kind.OVERDUE, waiting.filter(due_on__lt=on)),
    ):
        counts[kind.value] = _send(
            kind=kind, requests=list(requests), on=on, association=association
        )
    logger.info("data request reminders on %s: %s", on.isoformat(), counts)
    return counts


def _send(*, kind: str, requests: list[DataSubjectRequest], on: datetime.date, association) -> int:
    if not requests:
        return 0
    recipients = active_member_emails(role=User.Role.ADMIN)
    if not recipients:
        logger.warning("no active admin to tell of %d data request(s)", len(requests))
        return 0
    # Claim, send, commit (common.reminders): each request once per kind and due date.
    claimed = reminder_send_once(
        model=RequestReminder,
        rows=[
            {"request_id": request.pk, "kind": kind, "due_on": request.due_on}
            for request in requests
        ],
        conflict=("request_id", "kind", "due_on"),
        returning="request_id",
        recipients=recipients,
        context=lambda claimed: {
            "association": association,
            "requests": [
                {
                    "number": request.pk,
                    "kind": request.get_kind_display(),
                    "due_ar": hijri_with_gregorian(request.due_on, "ar"),
                    "due_en": hijri_with_gregorian(request.due_on, "en"),
                    "days": abs((request.due_on - on).days),
                    "url": association.url(f"/app/privacy/requests/{request.pk}/"),
                }
                for request in requests
                if request.pk in claimed
            ],
        },
        subject_template=f"privacy/emails/reminder_{kind}_subject.txt",
        body_template=f"privacy/emails/reminder_{kind}.txt",
    )
    return len(claimed)
