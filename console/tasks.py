from __future__ import annotations

from django.db import OperationalError

from console.archive import association_export_build
from console.services import provisioning_job_run, usage_snapshot_refresh
from tenants.models import Association
from tenants.tasking import app


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
    count = 0
    for association in Association.objects.order_by("schema_name").iterator():
        usage_snapshot_refresh(association=association)
        count += 1
    return count


# Named for the app that first held it: the name travels on messages already queued.
@app.task(name="tenants.association_export_run", acks_late=True)
def association_export_run(*, export_id: int) -> str:
    # Runs in public (sent with schema_name="public"); a redelivered finished export is left as
    # it is, a failed one is marked failed with its reason rather than retried.
    return association_export_build(export_id=export_id).status
