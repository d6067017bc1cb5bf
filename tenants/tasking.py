"""The tenant-aware Celery app: every message carries the schema it was sent from.

It lives here, in the tenancy layer, so that every layer above declares its tasks on it;
`platform_core.celery` is the worker's entry point (`celery -A platform_core.celery`)."""

from __future__ import annotations

from pathlib import Path

from celery.signals import task_prerun
from django.db import transaction
from tenant_schemas_celery.app import CeleryApp

from common import clock
from common.observability import current_schema, tag_schema

app = CeleryApp("mustafid")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _broker_folder_make(sender, **_kwargs) -> None:
    # kombu's filesystem transport expects its folder to exist.
    options = sender.conf.broker_transport_options or {}
    for folder in (options.get("data_folder_in"), options.get("control_folder")):
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@task_prerun.connect
def _tag_task_schema(task=None, **_kwargs) -> None:
    tag_schema(current_schema())


def enqueue_on_commit(task, *, schema_name: str, eta=None, **kwargs) -> None:
    """Send `task` for `schema_name` once the current transaction commits (never before), to run
    at `eta` (an instant of common.clock) if given."""
    # robust: a broker that is down is logged (and reaches Sentry); it does not undo the commit.
    options = {"eta": clock.on_the_wall(eta)} if eta else {}
    transaction.on_commit(
        lambda: task.apply_async(kwargs=kwargs, headers={"_schema_name": schema_name}, **options),
        robust=True,
    )


def working_associations_dispatch(*tasks, **kwargs) -> list[str]:
    """Send each task, with `kwargs`, to every association at work (trial or active); a
    suspended one gets nothing. Beat's daily and hourly jobs fan out through here."""
    # Imported here: the worker imports this module before Django's apps are loaded.
    from tenants.models import Association

    schemas = list(
        Association.objects.filter(status__in=[Association.Status.TRIAL, Association.Status.ACTIVE])
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
    for schema_name in schemas:
        for task in tasks:
            task.apply_async(kwargs=kwargs, headers={"_schema_name": schema_name})
    return schemas
