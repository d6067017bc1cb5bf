from __future__ import annotations

from django.db import OperationalError

from console.services import provisioning_job_run, usage_snapshot_refresh
from platform_core.celery import app


@app.task(name="console.association_provision_run", acks_late=True)
def association_provision_run(*, job_id: int) -> str | None:
    # Runs in public (the job row and the new association's row live there). A job already
    # done or failed is left alone, so a redelivered message creates nothing twice.
    job = provisioning_job_run(job_id=job_id)
    return job.status if job else None


@app.task(
    name="console.usage_snapshots_refresh",
    acks_late=True,
    max_retries=3,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
)
def usage_snapshots_refresh() -> int:
    """Beat's daily job, in public: count every association's usage for the console's list."""
    from tenants.models import Association

    count = 0
    for association in Association.objects.order_by("schema_name").iterator():
        usage_snapshot_refresh(association=association)
        count += 1
    return count
