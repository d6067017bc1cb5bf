from __future__ import annotations

from platform_core.celery import app
from tenants.lifecycle import association_export_build


@app.task(name="tenants.association_export_run", acks_late=True)
def association_export_run(*, export_id: int) -> str:
    # Runs in public (sent with schema_name="public"); a redelivered finished export is left as
    # it is, a failed one is marked failed with its reason rather than retried.
    return association_export_build(export_id=export_id).status
