from __future__ import annotations

import datetime

from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from common import clock
from privacy.reminders import subject_request_reminders_send
from privacy.retention import retention_apply
from tenants.tasking import app, working_associations_dispatch
from workflow.policy_notice import update_subscribers_expire


@app.task(
    name="privacy.subject_request_reminders_send",
    acks_late=True,
    max_retries=5,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=60,
)
def subject_request_reminders_send_task(*, on: str) -> dict:
    # Runs in the association's schema: tenant-schemas-celery switched to it from the message.
    return subject_request_reminders_send(on=datetime.date.fromisoformat(on))


@app.task(
    name="privacy.retention_apply",
    acks_late=True,
    max_retries=5,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
)
def retention_apply_task(*, on: str) -> int | None:
    # Whatever the rule: «tell me of updates» never confirmed is not kept.
    update_subscribers_expire()
    run = retention_apply(on=datetime.date.fromisoformat(on))
    return run.pk if run else None


@app.task(
    name="privacy.daily_dispatch",
    acks_late=True,
    max_retries=3,
    autoretry_for=(BrokerError, OperationalError),
    retry_backoff=60,
)
def privacy_daily_dispatch_task(*, on: str | None = None) -> list[str]:
    """Beat's daily job, run in public: each working association's request reminders and
    retention run, for the day `on` (a day the beat missed, named again) or today in Riyadh,
    fixed here (both are idempotent per day)."""
    on = on or timezone.localdate(clock.now()).isoformat()
    return working_associations_dispatch(
        subject_request_reminders_send_task, retention_apply_task, on=on
    )
