"""Reads of the breach register."""

from __future__ import annotations

from django.db.models import QuerySet

from breaches.models import Breach


def breach_list() -> QuerySet[Breach]:
    """Open breaches first, the most recently found first."""
    return Breach.objects.order_by("closed_at", "-found_at", "-id")


def breach_get(*, breach_id) -> Breach:
    try:
        return Breach.objects.get(pk=int(breach_id))
    except (TypeError, ValueError) as error:
        raise Breach.DoesNotExist from error
