"""Reads of associations that the request path needs, cached per process."""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models.functions import Lower
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.models import Association, AssociationExport, Domain

# host → (association or None, time it was looked up). Per process: a hit costs no query.
_by_host: dict[str, tuple[Association | None, float]] = {}


def association_for_host(host: str) -> Association | None:
    """The association served on `host`, as the database has it now.

    The host lookup is cached per process; the association's status is read again on every
    request (one read of its row by primary key), so that a suspension or a deletion made by
    any process applies to the next request in every process: never a request served from a
    dropped schema, whose tables PostgreSQL would then look for in public.
    """
    cached = _by_host.get(host)
    now = time.monotonic()
    if cached is not None and now - cached[1] < settings.ASSOCIATION_CACHE_SECONDS:
        association = cached[0]
        if association is None or _status_now(association.pk) == association.status:
            return association
    with schema_context("public"):
        # lower(domain) = host uses the unique index; iexact (UPPER = UPPER) would scan.
        domain = (
            Domain.objects.select_related("tenant")
            .alias(domain_lower=Lower("domain"))
            .filter(domain_lower=host.lower())
            .first()
        )
    association = domain.tenant if domain else None
    _by_host[host] = (association, now)
    return association


def _status_now(association_id: int) -> str | None:
    """The row's status (None once deleted), read in public whatever the connection's schema.

    It is the request's first use of the connection, so it stands in for the `SELECT 1` that
    CONN_HEALTH_CHECKS would send first: the same number of round trips as before, and a
    connection that broke while idle is replaced here as the health check would have.
    """
    # Django's health-check flags (4.1+), not in the stubs.
    wrapper: Any = connection
    if wrapper.health_check_enabled and not wrapper.health_check_done:
        wrapper.health_check_done = True
        try:
            return _status_read(association_id)
        except (InterfaceError, OperationalError):
            connection.close()
    return _status_read(association_id)


def _status_read(association_id: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status FROM public.tenants_association WHERE id = %s", [association_id]
        )
        row = cursor.fetchone()
    return row[0] if row else None


def association_cache_clear() -> None:
    """Forget this process's host lookups (after a change to an association or its domains)."""
    _by_host.clear()


def association_files_size(association: Association) -> int:
    total = 0
    for folder, _dirs, files in os.walk(Path(settings.MEDIA_ROOT) / association.schema_name):
        total += sum(os.path.getsize(os.path.join(folder, name)) for name in files)
    return total


def association_export_fresh(association: Association) -> AssociationExport | None:
    """The association's newest finished export that a deletion may rely on, if any: finished
    within ASSOCIATION_EXPORT_FRESH_HOURS, its archive still on disk."""
    since = timezone.now() - datetime.timedelta(hours=settings.ASSOCIATION_EXPORT_FRESH_HOURS)
    export = (
        AssociationExport.objects.filter(
            association=association,
            status=AssociationExport.Status.DONE,
            finished_at__gte=since,
        )
        .order_by("-finished_at")
        .first()
    )
    return export if export is not None and export.path and export.path.is_file() else None


def schema_current() -> str:
    """The schema the connection is in now: a request's association's, a task's, or public."""
    return connection.schema_name  # type: ignore[attr-defined]  # django-tenants' backend adds it


def association_current() -> Association:
    """The association whose schema the connection is in now (a request's, or a task's)."""
    return Association.objects.get(schema_name=schema_current())
