"""Reads of associations that the request path needs, cached per process."""

from __future__ import annotations

import datetime
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max
from django.db.models.functions import Lower
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.models import Association, AssociationExport, Domain

# host → (association or None, time it was looked up). Per process: a hit costs no query.
_by_host: dict[str, tuple[Association | None, float]] = {}


def association_for_host(host: str) -> Association | None:
    cached = _by_host.get(host)
    now = time.monotonic()
    if cached is not None and now - cached[1] < settings.ASSOCIATION_CACHE_SECONDS:
        return cached[0]
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


def association_cache_clear() -> None:
    """Forget this process's host lookups (after a change to an association or its domains)."""
    _by_host.clear()


@dataclass(frozen=True)
class AssociationUsage:
    members: int  # active members (invitations not yet accepted are not counted)
    open_cases: int
    total_cases: int
    storage_bytes: int  # the association's files under MEDIA_ROOT/<schema>/
    last_activity_at: datetime.datetime | None  # latest of a member's sign-in and a case's change


def association_files_size(association: Association) -> int:
    total = 0
    for folder, _dirs, files in os.walk(Path(settings.MEDIA_ROOT) / association.schema_name):
        total += sum(os.path.getsize(os.path.join(folder, name)) for name in files)
    return total


def association_usage(association: Association) -> AssociationUsage:
    """What the association holds and when it was last used, counted in its own schema."""
    from accounts.models import User
    from workflow.models import OPEN_STATUSES, Case

    with schema_context(association.schema_name):
        members = User.objects.filter(is_active=True).count()
        last_login = User.objects.aggregate(latest=Max("last_login"))["latest"]
        cases = Case.objects.aggregate(total=Count("id"), last_change=Max("updated_at"))
        open_cases = Case.objects.filter(status__in=OPEN_STATUSES).count()
    moments = [moment for moment in (last_login, cases["last_change"]) if moment is not None]
    return AssociationUsage(
        members=members,
        open_cases=open_cases,
        total_cases=cases["total"],
        storage_bytes=association_files_size(association),
        last_activity_at=max(moments) if moments else None,
    )


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
