"""Reads of associations that the request path needs, cached per process."""

from __future__ import annotations

import time

from django.conf import settings
from django.db.models.functions import Lower
from django_tenants.utils import schema_context

from tenants.models import Association, Domain

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
