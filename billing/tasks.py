from __future__ import annotations

import datetime

from django.db import OperationalError
from django.utils import timezone

from billing.models import StripeEvent
from billing.stripe_gateway import stripe_event_apply
from tenants.tasking import app


@app.task(
    name="billing.stripe_event_process",
    acks_late=True,
    max_retries=5,
    autoretry_for=(OperationalError,),
    retry_backoff=30,
)
def stripe_event_process_task(*, event_pk: int) -> str:
    # Runs in public, where subscriptions live; applying twice is a no-op (processed_at).
    return stripe_event_apply(event_pk=event_pk)


@app.task(name="billing.stripe_events_retry", acks_late=True)
def stripe_events_retry_task() -> int:
    """Beat's job: events Stripe was told were received but that no worker applied yet."""
    # Five minutes leaves the task sent at the delivery time to run first.
    waiting = StripeEvent.objects.filter(
        processed_at__isnull=True, received_at__lt=timezone.now() - datetime.timedelta(minutes=5)
    ).values_list("pk", flat=True)[:500]
    for event_pk in waiting:
        stripe_event_process_task.apply_async(
            kwargs={"event_pk": event_pk}, headers={"_schema_name": "public"}
        )
    return len(waiting)
