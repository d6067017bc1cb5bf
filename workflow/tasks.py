from __future__ import annotations

import datetime

from django.core.mail import send_mail
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from common import clock
from notifications.services import awareness_not_before
from tenants.tasking import app, working_associations_dispatch
from workflow.policy_notice import (
    policy_notice_batch_enqueue,
    policy_notice_plan,
    policy_notice_send,
)
from workflow.reminders import committee_reminders_send


@app.task(
    name="workflow.committee_reminders_send",
    acks_late=True,
    max_retries=5,
    # A mail server or database that is away for a moment: the claims were rolled back with
    # the failed send, so a retry tells the same people once.
    autoretry_for=(OSError, OperationalError),
    retry_backoff=60,
)
def committee_reminders_send_task(*, on: str) -> dict:
    # Runs in the association's schema: tenant-schemas-celery switched to it from the message.
    return committee_reminders_send(on=datetime.date.fromisoformat(on))


@app.task(
    name="workflow.committee_reminders_dispatch",
    acks_late=True,
    max_retries=3,
    autoretry_for=(BrokerError, OperationalError),
    retry_backoff=60,
)
def committee_reminders_dispatch_task(*, on: str | None = None) -> list[str]:
    """Beat's daily job, run in public: one reminders task per working association, for the
    day `on` (a day the beat missed, named again) or today."""
    # The day is fixed here, in Riyadh: a task that waits in the queue past midnight still
    # reminds for the day it was sent for. A retried or repeated dispatch only repeats
    # idempotent tasks.
    on = on or timezone.localdate(clock.now()).isoformat()
    return working_associations_dispatch(committee_reminders_send_task, on=on)


@app.task(
    name="workflow.beneficiary_email_send",
    acks_late=True,
    max_retries=5,
    autoretry_for=(OSError,),
    retry_backoff=60,
)
def beneficiary_email_send_task(*, to: str, subject: str, body: str) -> None:
    """An e-mail written by a transition, sent once it committed: the decision or the survey link
    to the beneficiary, or a referral to the role's holders (workflow.notifications)."""
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])


@app.task(
    name="workflow.policy_notice_plan",
    acks_late=True,
    max_retries=5,
    autoretry_for=(OperationalError, BrokerError),
    retry_backoff=60,
)
def policy_notice_plan_task(*, number: int) -> int:
    """Who to tell of a new version, and one send task per batch (run again, it adds nobody
    twice)."""
    return policy_notice_plan(number=number)


@app.task(name="workflow.policy_notice_send", acks_late=True)
def policy_notice_send_task(*, number: int, first_id: int, last_id: int) -> int:
    """One batch of a version's notice; outside the hours of awareness messages (a queue that
    ran late) it goes back to wait for them."""
    if awareness_not_before() is not None:
        policy_notice_batch_enqueue(number=number, first_id=first_id, last_id=last_id)
        return 0
    return policy_notice_send(number=number, first_id=first_id, last_id=last_id)
