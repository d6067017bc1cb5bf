from __future__ import annotations

import datetime

from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from common import clock
from complaints.reminders import complaint_reminders_send
from tenants.tasking import app, working_associations_dispatch


@app.task(
    name="complaints.complaint_reminders_send",
    acks_late=True,
    max_retries=5,
    # A mail server or database away for a moment: the claims were rolled back with the failed
    # send, so a retry tells the same admins once.
    autoretry_for=(OSError, OperationalError),
    retry_backoff=60,
)
def complaint_reminders_send_task(*, on: str) -> int:
    # Runs in the association's schema: tenant-schemas-celery switched to it from the message.
    return complaint_reminders_send(on=datetime.date.fromisoformat(on))


@app.task(
    name="complaints.complaint_reminders_dispatch",
    acks_late=True,
    max_retries=3,
    autoretry_for=(BrokerError, OperationalError),
    retry_backoff=60,
)
def complaint_reminders_dispatch_task(*, on: str | None = None) -> list[str]:
    """Beat's daily job, run in public: one escalation task per working association, for the
    day `on` or today in Riyadh, fixed here."""
    on = on or timezone.localdate(clock.now()).isoformat()
    return working_associations_dispatch(complaint_reminders_send_task, on=on)
