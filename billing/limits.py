"""What a plan's limits count.

Billing holds the limits as numbers; what they count belongs to the apps above it. Each app
registers one counter for its limit when Django loads it (its AppConfig.ready), so billing
imports no tenant model.
"""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context

MEMBERS = "members"
OPEN_CASES = "open_cases"

_counters: dict[str, Callable[[], int]] = {}


def limit_counter_register(limit: str, counter: Callable[[], int]) -> None:
    """Say what `limit` counts: `counter` runs in the association's schema."""
    _counters[limit] = counter


def limit_usage(limit: str, *, schema_name: str) -> int:
    """How much of `limit` the association in `schema_name` uses, counted in its schema."""
    with schema_context(schema_name):
        return _counters[limit]()
