from __future__ import annotations

import datetime

from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from breaches.reminders import breach_reminders_send
from tenants.tasking import app, working_associations_dispatch


@app.task(
    name="breaches.breach_reminders_send",
    acks_late=True,
    max_retries=5,
    # A mail server or database away for a moment: the claims were rolled back with the failed
    # send, so a retry tells the same admins once.
    autoretry_for=(OSError, OperationalError),
    retry_backoff=60,
)
def breach_reminders_send_task(*, now: str) -> int:
    # Runs in the association's schema: tenant-schemas-celery switched to it from the message.
    return breach_reminders_send(now=datetime.datetime.fromisoformat(now))


@app.task(
    name="breaches.breach_reminders_dispatch",
    acks_late=True,
    max_retries=3,
    autoretry_for=(BrokerError, OperationalError),
    retry_backoff=60,
)
def breach_reminders_dispatch_task() -> list[str]:
    """Beat's hourly job, run in public: one reminders task per working association."""
    # The moment is fixed here: a task that waits in the queue reminds as of when it was sent.
    now = timezone.now().isoformat()
    return working_associations_dispatch(breach_reminders_send_task, now=now)
